"""From the caller's leaf-level table to the long frame of every statement series, and back.

One row per (series key, period): the value of that node's line, summed over the node's leaves (identities
computed per leaf first); known covariates averaged over the node's leaves; static columns kept where a node's
leaves agree ("(mixed)" otherwise); the series' level and line as static features for the global model.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.errors import DataContractError
from bizai.finance.forecaster import forecast_origin
from bizai.finance.frequency import calendar_test, inferred_freq, resolve_freq
from bizai.finance.panel import (
    QUANTILE_COLUMN,
    base_positions,
    future_calendar,
    horizon_grid,
    off_calendar,
    period_multiple,
    report_respelled_series,
)
from bizai.finance.statement.structure import Hierarchy, StatementLines, series_key
from bizai.schema import (
    ID_JOIN,
    SERIES,
    as_list,
    coerce_datetime,
    coerce_numeric,
    forbid_taken_names,
    require_columns,
    require_unique,
    rows_at,
    shorten,
    warn_at_caller,
)
from bizai.schema import TIME as PANEL_TIME
from bizai.spelling import respelled_ids

log = logging.getLogger(__name__)

KEY = "statement_series"
TIME = "period"
VALUE = "value"
MIXED = "(mixed)"
IDENTITY_SHARE = 0.99  # rows in which a line must equal two others' sum or difference to be warned as an identity
IDENTITY_ROWS = 10_000  # rows looked at for that
LEVEL_FEATURE, LINE_FEATURE = "statement_level", "statement_line"  # a series' level and line, as model features
# The columns of a statement's results beside the caller's time column, and of its series frame beside the
# caller's covariates: a caller column of one of these names would be a second column of that name.
RESULT_COLUMNS = {
    "level": "the hierarchy level of a row", "node": "the node of a row", "line": "the statement line of a row",
    "forecast": "the point forecast", "cutoff": "a backtest's last training period", "step": "a backtest's periods ahead",
    "actual": "a backtest's actual value", "base_forecast": "a backtest's forecast before reconciliation",
}
SERIES_COLUMNS = {
    **{name: RESULT_COLUMNS[name] for name in ("level", "node", "line")},
    KEY: "the statement series of a row", TIME: "the period of a row", VALUE: "the value of a series' line",
    "leaf": "the bottom-level node", LEVEL_FEATURE: "a series' level, as a feature",
    LINE_FEATURE: "a series' line, as a feature",
}


@dataclass(frozen=True)
class StatementColumns:
    """The caller's columns of a statement: id, time, lines and identities, hierarchy levels and covariates."""
    id_col: str
    time_col: str
    lines: StatementLines
    levels: list[str]
    known_cols: list[str]
    static_cols: list[str]
    id_parts: tuple[str, ...] = ()  # the caller's id columns when several name a leaf (id_col then joins them)

    @property
    def id_names(self) -> list[str]:
        """The caller's id columns: the one that names a leaf, or the several that do together."""
        return list(self.id_parts) or [self.id_col]

    @property
    def needed(self) -> list[str]:
        """Every column the input frame must have, each once."""
        return list(dict.fromkeys([*self.levels, self.time_col, *self.lines.lines.values(), *self.known_cols,
                                   *self.static_cols]))


def leaf_column(id_cols: list[str]) -> str:
    """The column that names a statement's leaves: the one id column, or several joined ('Store / Dept')."""
    return ID_JOIN.join(id_cols)


def statement_columns(id_col: str | Sequence[str], time_col: str, lines: StatementLines,
                      hierarchy: Sequence[str] | None, known_cols: Sequence[str] | None,
                      static_cols: Sequence[str] | None) -> StatementColumns:
    """The caller's columns in their roles, the hierarchy's levels ending with the leaf column."""
    id_cols = as_list(id_col)
    if not id_cols:
        raise DataContractError("id_col must name the leaf id column, e.g. id_col='store_id' (or several that name a "
                                "leaf together: id_col=['store', 'department']).")
    named = as_list(hierarchy)
    if len(id_cols) > 1 and named[-1:] == id_cols[-1:]:  # hierarchy=[..., 'Store', 'Dept']: Dept is that leaf
        named = named[:-1]
    leaf = leaf_column(id_cols)
    levels = [level for level in named if level != leaf] + [leaf]
    return StatementColumns(leaf, time_col, lines, levels, as_list(known_cols), as_list(static_cols),
                            tuple(id_cols) if len(id_cols) > 1 else ())


def id_labels(values: pd.Series) -> pd.Series:
    """Ids as the text a statement names its nodes by, missing ones left missing: whole numbers held as floats (a
    plan column with a blank cell, read from Excel) without '.0', so that 1.0 and 1 name one node."""
    if pd.api.types.is_float_dtype(values) and values.dropna().map(float.is_integer).all():
        return values.astype("Int64").astype(str).where(values.notna())
    return values


def with_leaf_ids(frame: pd.DataFrame, id_cols: Sequence[str], what: str) -> pd.DataFrame:
    """`frame` with its id columns as node labels (id_labels), and with the leaf column of several id columns added,
    their values joined ('1 / 5': department 5 of store 1), for labels that repeat under each parent (a department
    number in every store)."""
    require_columns(frame, id_cols, what)
    frame = frame.assign(**{column: id_labels(frame[column]) for column in id_cols})
    if len(id_cols) < 2:
        return frame
    for column in id_cols:
        missing = frame[column].isna()
        if missing.any():
            raise DataContractError(f"Id column {column!r} of the {what} frame is empty in rows "
                                    f"{rows_at(frame, missing)}; every row needs an id.")
    first, *others = (frame[column].astype(str) for column in id_cols)
    return frame.assign(**{leaf_column(list(id_cols)): first.str.cat(others, sep=ID_JOIN)})


def refuse_ids_repeated_under_parents(table: pd.DataFrame, columns: StatementColumns) -> None:
    """A leaf id that repeats in one period under different parents (department 1 in every store) names no single
    leaf: say to name the leaves by the parent and the id together, before the plainer duplicate-row refusal."""
    key = [columns.id_col, columns.time_col]
    repeated = table.duplicated(subset=key, keep=False)
    if not repeated.any():
        return
    rows = table[repeated]
    for upper in reversed(columns.levels[:-1]):  # the nearest parent first
        if rows[upper].nunique() > 1 and not rows.duplicated(subset=[upper, *key]).any():
            examples = rows.groupby(columns.id_col, sort=False)[upper].unique().head(2)
            described = "; ".join(f"{str(node)!r} under {shorten(list(map(str, parents)))}"
                                  for node, parents in examples.items())
            raise DataContractError(
                f"{columns.id_col} values repeat under different {upper} values in the same period ({described}), so "
                f"one {columns.id_col} names several leaves: name each leaf by both, id_col=[{upper!r}, "
                f"{columns.id_col!r}] (CLI --id-col {upper},{columns.id_col}), which makes leaves such as "
                f"'{rows[upper].iloc[0]}{ID_JOIN}{rows[columns.id_col].iloc[0]}'.")


def validated_leaf_table(frame: pd.DataFrame, columns: StatementColumns, freq: str | None = None) -> pd.DataFrame:
    """Check the caller's table and return it with parsed times and numeric lines (`freq`: the statement's, when
    given, which also settles dates that read both as day/month and month/day)."""
    require_columns(frame, columns.needed, "statement")
    forbid_taken_names([("time column", columns.time_col)], RESULT_COLUMNS, r"(base_)?" + QUANTILE_COLUMN,
                       "a forecast quantile")
    forbid_taken_names([*(("known column", c) for c in columns.known_cols),
                        *(("static column", c) for c in columns.static_cols)], SERIES_COLUMNS)
    table = frame[columns.needed].copy()
    for level in columns.levels[:-1]:  # a region numbered 1.0 is region '1', as the leaves are (with_leaf_ids)
        table[level] = id_labels(table[level])
    table[columns.time_col] = coerce_datetime(table, columns.time_col, "statement", plausible=calendar_test(freq))
    refuse_ids_repeated_under_parents(table, columns)
    require_unique(table, [columns.id_col, columns.time_col], "statement")
    report_respelled_series(table[[columns.id_col]].drop_duplicates().reset_index(drop=True), [columns.id_col],
                            "statement")
    for line, column in columns.lines.lines.items():
        table[column] = coerce_numeric(table, column, "statement", allow_missing=False)
        values = table[column]
        negative = values < 0
        if negative.any() and negative.mean() < 0.5:
            log.warning("Line %r (column %r) is negative in %d row(s) (rows %s): allowed (refunds, credits), but check "
                        "the sign convention.", line, column, int(negative.sum()), rows_at(table, negative))
        subtracting = [name for name, terms in columns.lines.identities.items() if terms.get(line, 0) < 0]
        if negative.mean() >= 0.5 and subtracting:  # costs booked as negative amounts, then subtracted: a sign slip
            log.warning("Line %r (column %r) is negative in %d of %d rows, and identity %s subtracts it: if it is "
                        "booked as a negative amount, add it instead (e.g. 'revenue + %s').", line, column,
                        int(negative.sum()), len(values), shorten(subtracting), line)
    for column in columns.known_cols:
        table[column] = coerce_numeric(table, column, "statement")
    warn_lines_that_are_identities(table, columns.lines)
    return table


def warn_lines_that_are_identities(table: pd.DataFrame, lines: StatementLines) -> None:
    """Warn about an additive line that is the sum or difference of two others in (nearly) every row (profit given
    as a line beside revenue and cost): forecast as a line of its own, it would not stay their difference. Of the
    ways to write such a link (revenue = cost + profit, profit = revenue - cost), the one naming the smallest line
    is shown: the bottom line is the derived one."""
    rows = np.linspace(0, len(table) - 1, min(len(table), IDENTITY_ROWS)).astype(int)  # bounded for many lines
    values = {line: table[column].to_numpy(dtype=float)[rows] for line, column in lines.lines.items()}
    links = []
    for line, target in values.items():
        others = [name for name in values if name != line]
        for position, first in enumerate(others):
            for second in others[position + 1:]:
                a, b = values[first], values[second]
                tolerance = 1e-4 * (np.abs(a) + np.abs(b)) + 1e-9  # figures rounded to cents or to thousands
                for expression, combined in ((f"{first} + {second}", a + b), (f"{first} - {second}", a - b),
                                             (f"{second} - {first}", b - a)):
                    if np.mean(np.abs(target - combined) <= tolerance) >= IDENTITY_SHARE:
                        links.append((float(np.mean(np.abs(target))), line, expression))
    if links:
        _, line, expression = min(links)
        # a warning, not a log line: the dashboard shows a fit's warnings beside the statement
        warn_at_caller(f"Line {line!r} equals {expression} in every row or nearly: forecast as a line of its own it "
                       f"would not stay so. Give it as an identity instead (identities={{{line!r}: {expression!r}}}; "
                       f"CLI --identity '{line}={expression.replace(' ', '')}').")



def refuse_mixed_phases(table: pd.DataFrame, columns: StatementColumns, freq: str | None) -> None:
    """Refuse leaves that report on different phases of a multiple frequency (at '2MS' one store from January,
    another from February), naming the leaves of each phase: a parent sums its leaves period by period, so every leaf
    must report on the same dates. `freq` None: the one the leaves' dates step by, when it can be inferred."""
    if table.empty:
        return
    times, leaves = table[columns.time_col], table[columns.id_col].astype(str)
    freq = resolve_freq(times, leaves, freq) if freq is not None else inferred_freq(times, leaves)
    multiple = period_multiple(freq) if freq is not None else 1
    if multiple == 1:
        return
    position, grid = base_positions(times, freq, times.min())
    on_grid = position >= 0  # a date off the single-period grid is the panel's to name
    first = pd.Series(position[on_grid]).groupby(leaves.to_numpy()[on_grid]).min()
    phases = first % multiple
    if phases.nunique() <= 1:
        return
    groups = [f"{shorten(list(members.index))} from {grid[int(members.min())].date()}"
              for _, members in first.groupby(phases)]
    raise DataContractError(
        f"The {columns.id_col!r} values report on different phases of the {freq!r} periods: {'; '.join(groups)}. A "
        f"parent's total adds its {columns.id_col!r} values period by period, so they must share their dates: align "
        f"them, or pass the single period (freq={to_offset(freq).base.freqstr!r}) to count the periods one does not "
        "report as 0.")


def leaf_values(table: pd.DataFrame, columns: StatementColumns) -> pd.DataFrame:
    """Long frame leaf, period, line, value for every line (identities computed per leaf)."""
    base = pd.DataFrame({"leaf": table[columns.id_col].astype(str).to_numpy(), TIME: table[columns.time_col].to_numpy()})
    parts = []
    for line in columns.lines.all_lines:
        value = sum(coefficient * table[columns.lines.lines[additive]].to_numpy()
                    for additive, coefficient in columns.lines.coefficients(line).items())
        parts.append(base.assign(line=line, **{VALUE: value}))
    return pd.concat(parts, ignore_index=True)


def long_history(table: pd.DataFrame, hierarchy: Hierarchy, columns: StatementColumns) -> pd.DataFrame:
    """Every (level, node, line) series over time, with its covariates: the base model's training frame."""
    members = hierarchy.membership()
    values = leaf_values(table, columns).merge(members, on="leaf")
    history = values.groupby(["level", "node", "line", TIME], sort=False)[VALUE].sum().reset_index()
    return with_covariates(history, table, members, columns)


def with_covariates(frame: pd.DataFrame, table: pd.DataFrame, members: pd.DataFrame,
                    columns: StatementColumns) -> pd.DataFrame:
    """Add KEY, node-level known covariates (means over leaves) and static columns to a (level, node, line, period)
    frame; `table` holds the leaf rows the covariates come from."""
    frame = frame.assign(**{KEY: [series_key(*row) for row in zip(frame["level"], frame["node"], frame["line"],
                                                                   strict=True)]})
    if columns.known_cols:
        leaf_known = table[[columns.id_col, columns.time_col, *columns.known_cols]].rename(
            columns={columns.id_col: "leaf", columns.time_col: TIME}).assign(leaf=lambda f: f["leaf"].astype(str))
        known = leaf_known.merge(members, on="leaf").groupby(["level", "node", TIME], sort=False)[columns.known_cols].mean()
        frame = frame.merge(known.reset_index(), on=["level", "node", TIME], how="left")
    if columns.static_cols:
        leaf_static = table.groupby(table[columns.id_col].astype(str))[columns.static_cols].last()
        leaf_static.index.name = "leaf"
        static = leaf_static.reset_index().merge(members, on="leaf").groupby(["level", "node"])[columns.static_cols].agg(
            lambda v: v.iloc[0] if v.nunique(dropna=False) == 1 else MIXED)
        frame = frame.merge(static.astype(str).reset_index(), on=["level", "node"], how="left")
    return frame


def future_frame(known_future: pd.DataFrame | None, statement) -> pd.DataFrame | None:
    """The known covariates of the horizon for every series of the fitted `statement` (a StatementForecaster; None
    when it uses none)."""
    hierarchy, columns, series = statement.hierarchy_, statement.columns_, statement.index_.series
    if not columns.known_cols:
        return None
    if known_future is None:
        raise DataContractError(f"This statement uses known covariates {shorten(columns.known_cols)}: pass known_future= "
                                f"with their values for the horizon, per {', '.join(map(repr, columns.id_names))} and "
                                f"{columns.time_col!r}.")
    known_future = with_leaf_ids(known_future, columns.id_names, "known_future")
    require_columns(known_future, [columns.id_col, columns.time_col, *columns.known_cols], "known_future")
    table = known_future[[columns.id_col, columns.time_col, *columns.known_cols]].copy()
    calendar = future_calendar(statement.base_.panel_, statement.horizon, table[columns.time_col])
    table[columns.time_col] = coerce_datetime(table, columns.time_col, "known_future", plausible=calendar)
    for column in columns.known_cols:
        table[column] = coerce_numeric(table, column, "known_future")
    require_unique(table, [columns.id_col, columns.time_col], "known_future")  # else a node's mean counts a leaf twice
    check_leaf_plan(table, statement)
    members = hierarchy.membership()
    periods = pd.DataFrame({TIME: np.sort(table[columns.time_col].unique())})
    grid = series[["level", "node", "line"]].merge(periods, how="cross")
    frame = with_covariates(grid, table, members, StatementColumns(columns.id_col, columns.time_col, columns.lines,
                                                                   columns.levels, columns.known_cols, []))
    return frame[[KEY, TIME, *columns.known_cols]]


def check_leaf_plan(table: pd.DataFrame, statement) -> None:
    """Refuse a plan (`table`: the caller's leaf rows, dates parsed) lacking a row or a value for a leaf the statement
    forecasts in a period of its horizon, naming the leaves and periods: the base model would name its own series
    keys ('store|B|cost') instead. Leaves that have ended need no plan; leaves the statement never saw are warned
    about (their rows are not used)."""
    columns, panel = statement.columns_, statement.base_.panel_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ended series are reported when the statement is fitted
        extended, active = forecast_origin(panel, statement.base_.ended_after, report=False)
    series = statement.index_.series
    leaves = series.loc[series["level"] == statement.hierarchy_.level_names[-1], "key"]
    grid = horizon_grid(extended, int(statement.horizon), active).merge(panel.series_ids, on=SERIES)
    needed = grid[grid[KEY].isin(leaves)].merge(series[["key", "node"]], left_on=KEY, right_on="key")
    needed = needed[["node", PANEL_TIME]].drop_duplicates()
    plan = table.rename(columns={columns.id_col: "node", columns.time_col: PANEL_TIME}).astype({"node": str})
    known = series.loc[series["key"].isin(leaves), ["node"]].drop_duplicates()
    unknown = sorted(set(plan["node"]) - set(known["node"]))
    respelled = respelled_ids(pd.DataFrame({"node": unknown}), known, ["node"])
    if unknown:
        warn_at_caller(f"known_future has rows for {columns.id_col} {shorten(unknown)}, which the statement's history "
                       f"does not hold: they are not used{respelled}.")
    merged = needed.merge(plan, on=["node", PANEL_TIME], how="left", indicator=True)
    absent = merged["_merge"] == "left_only"
    problems = []
    if absent.any():
        problems.append(f"no row for {by_leaf(merged[absent], columns.id_col)}{off_calendar(plan, panel)}{respelled}")
    for column in columns.known_cols:
        empty = merged[column].isna() & ~absent
        if empty.any():
            problems.append(f"{column!r} empty for {by_leaf(merged[empty], columns.id_col)}")
    if problems:
        raise DataContractError("known_future does not cover the forecast horizon: " + "; ".join(problems) + ".")


def by_leaf(rows: pd.DataFrame, id_col: str) -> str:
    """"store 'B' (2023-07-01, 2023-08-01), store 'C' (2023-08-01)": rows' periods grouped by leaf, for messages."""
    grouped = rows.groupby("node", sort=True)[PANEL_TIME].agg(lambda t: shorten([d.date() for d in sorted(t)]))
    return shorten([f"{id_col} {node!r} ({dates})" for node, dates in grouped.items()], show=str)
