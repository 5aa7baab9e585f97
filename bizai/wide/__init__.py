"""Wide tables, as finance sheets are laid out (one row per store, or per store and line; one column per month), read
as the long tables bizai forecasts from: one row per entity and period. Also the transposed layout: one row per
period, one column per entity (long_from_entity_columns).

The period columns are told by their names (periods); the other columns label the rows: ids, attributes, and
optionally the line (measure) each row holds. Totals are left out (totals).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.frames import date_columns, from_pandas, to_pandas
from bizai.schema import did_you_mean, readable, rows_at, shorten, warn_at_caller
from bizai.wide.periods import period_columns, period_dates, reads_as_period, require_periods
from bizai.wide.totals import named_as_total, without_total_columns, without_total_rows

UNNAMED = re.compile(r"\s*|Unnamed: \d+|column_\d+")  # a blank header cell as polars, pandas' Excel reader name it


def wide_hint(frame: pd.DataFrame, missing: Sequence[str] = ()) -> str:
    """A sentence for a missing-column error when `frame` looks wide (one column per period; or one per entity,
    when the `missing` columns are several: such a table lacks both the id and the value column); else ''."""
    periods = period_columns(frame)
    if periods:
        return (f" The table looks wide: {len(periods)} columns are named as periods "
                f"({shorten(map(str, periods), 3)}), while bizai reads one row per entity and period. Reshape it with "
                "bizai.finance.long_from_wide (on the command line: --wide; the dashboard offers it on upload).")
    dates = dates_down(frame) if len(missing) > 1 else None
    if dates is None:
        return ""
    entities = [str(c) for c in frame.columns if c != dates]
    return (f" The table may hold one column per entity ({shorten(entities, 3)}) beside {dates!r}, one row per "
            "period: reshape it with bizai.finance.long_from_entity_columns (on the command line: --wide).")


def dates_down(frame: pd.DataFrame) -> str | None:
    """The one column of distinct dates of a table whose other columns (two or more) all hold numbers: the layout
    of a sheet with a column per entity (month | Store A | Store B); else None."""
    other = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
             or pd.api.types.is_bool_dtype(frame[c])]
    if len(other) != 1 or len(frame.columns) < 3 or not frame[other[0]].is_unique:
        return None
    values = frame[other[0]]
    if not pd.api.types.is_datetime64_any_dtype(values):
        sample = values.dropna().astype(str).head(20)
        if sample.empty or pd.to_datetime(sample, format="mixed", errors="coerce").isna().any():
            return None
    return other[0]


def long_from_entity_columns(frame: Any, time_col: str, id_col: str, value_col: str) -> Any:
    """A table with one row per period and one column per entity (a sheet of month | Store A | Store B, or pandas'
    pivot output with the dates as its index) as one row per entity and period: `id_col` (the column names),
    `time_col`, `value_col`, entity by entity. Blank cells are periods without a figure (no row). A Total column
    is left out with a warning. Refused, naming what is wrong: no `time_col`, repeated periods, a column that
    holds text."""
    data, kind = to_pandas(frame)
    if time_col not in data.columns and (data.index.name == time_col
                                         or pd.api.types.is_datetime64_any_dtype(data.index)):
        data = data.rename_axis(time_col).reset_index()
    names = [str(c) for c in data.columns]
    if time_col not in data.columns:
        raise DataContractError(f"The table has no column {time_col!r} of periods{did_you_mean(time_col, names)}; "
                                f"its columns are {shorten(names, 12)}.")
    for role, name in (("id_col", id_col), ("value_col", value_col)):
        if name == time_col or name in names:
            raise DataContractError(f"{role}={name!r} is already a column of the table; choose another name.")
    entities = [column for column in data.columns if column != time_col]
    if not entities:
        raise DataContractError(f"The table has no column besides {time_col!r}: no entity to read.")
    totals = [c for c in entities if named_as_total(c)]
    if totals:
        warn_at_caller(f"Column(s) {shorten(map(str, totals))} of the table hold totals and are left out: bizai sums "
                       "entities itself.")
        entities = [c for c in entities if c not in totals]
    text = [str(c) for c in entities if not pd.api.types.is_numeric_dtype(data[c])
            or pd.api.types.is_bool_dtype(data[c])]
    if text:
        raise DataContractError(
            f"Column(s) {shorten(text)} of the table hold text, not figures: with one column per entity, every "
            f"column but {time_col!r} must be one entity's figures; drop them or give a long table.")
    repeated = data[time_col].duplicated(keep=False)
    if repeated.any():
        raise DataContractError(f"Rows {rows_at(data, repeated)} of the table hold the same {time_col!r} "
                                f"({readable(data.loc[repeated, time_col].iloc[0])}): one row per period.")
    long = data.melt(id_vars=[time_col], value_vars=entities, var_name=id_col, value_name=value_col)
    long = long[long[value_col].notna()][[id_col, time_col, value_col]]
    return from_pandas(long, kind, date_columns(frame))


def long_from_wide(frame: Any, time_col: str, value_col: str | None = None, line_col: str | None = None) -> Any:
    """A wide table (one column per period) as a long one: the label columns, `time_col` (the periods as dates)
    and the values, in the row order of the sheet.

    The cells hold either one measure, named `value_col` (a sheet of sales: store, Jan-24, Feb-24, ...), or the
    measure that each row's `line_col` names (a P&L sheet: store, line = revenue | cost, Jan-24, ...), which become
    one column each. Give exactly one of the two. Cells left blank are periods without a value: a store not yet
    open or already closed (rows with no value in any line are dropped; the forecasters treat gaps as they do in
    any long table). Totals are left out with a warning: a column named Total, YTD or FY, a year's column among
    months, rows labelled Total or subtotal that add up (a row so labelled that does not is kept, and warned about).
    Refused, naming what is wrong: no period columns, periods that do not read as one calendar or that repeat
    (2024-01 beside Jan-24), label cells left blank (a label written once above its block), two rows with the same
    labels. A pandas frame whose labels are its index (pivot's output, not reset) is read with them as columns.
    Returns the kind of frame it was given.
    """
    data, kind = to_pandas(frame)
    if any(name is not None for name in data.index.names):
        data = data.reset_index()
    data.columns.name = None
    if (value_col is None) == (line_col is None):
        raise ValueError("Give value_col (the one measure every cell holds, e.g. 'sales') or line_col (the column "
                         "naming the measure each row holds, e.g. 'line'), not both or neither.")
    data, periods = without_total_columns(data, require_periods(data))
    labels = [column for column in data.columns if column not in periods]
    require_labels(data, labels, time_col, value_col, line_col)
    dates = period_dates(periods)
    keys = [column for column in labels if column != line_col]
    if line_col is not None:  # 'revenue ' is the line 'revenue', in this check as in the result's column names
        data[line_col] = data[line_col].astype(str).str.strip()
    data = without_total_rows(data, labels, periods, line_col)
    refuse_repeated_rows(data, labels)
    order = "__sheet_row"
    long = data.assign(**{order: np.arange(len(data))}).melt(
        id_vars=[order, *labels], value_vars=periods, var_name=time_col, value_name=value_col or "__value")
    long[time_col] = long[time_col].map(dict(zip(periods, dates, strict=True)))
    if line_col is None:
        long = long[long[value_col].notna()].sort_values([order, time_col], kind="stable")
        return from_pandas(long.drop(columns=order), kind)
    lines = list(pd.unique(data[line_col]))
    clashing = sorted(set(lines) & {*map(str, keys), time_col})
    if clashing:
        raise DataContractError(f"Column {line_col!r} names lines {shorten(clashing)}, which are also the names of "
                                "label columns or the time column; rename one.")
    first_row = long.groupby(keys, sort=False, dropna=False)[order].transform("min") if keys else 0
    long = long.assign(**{order: first_row})
    wide_lines = long.pivot(index=[order, *keys, time_col], columns=line_col, values="__value")
    wide_lines = wide_lines.dropna(how="all").reindex(columns=lines).reset_index()
    wide_lines.columns.name = None
    wide_lines = wide_lines.sort_values([order, time_col], kind="stable").drop(columns=order)
    return from_pandas(wide_lines, kind)


def long_with_measures(frame: Any, time_col: str, measures: Sequence[str]) -> Any:
    """long_from_wide for a table that must yield the columns `measures` (a target and its covariates; a
    statement's lines): the cells hold the measure that a label column names on each row when one column names
    them all (a P&L sheet's 'line'), else the one measure when only one is asked for."""
    data, kind = to_pandas(frame)
    labels = [column for column in data.columns if not reads_as_period(column)]
    for column in labels:
        spelt = spelt_as(data[column], measures)
        if spelt is not None:  # 'Revenue ' on the sheet is the line 'revenue' asked for
            return long_from_wide(from_pandas(data.assign(**{column: spelt}), kind), time_col, line_col=column)
    if len(measures) == 1:
        return long_from_wide(frame, time_col, value_col=measures[0])
    # the lines: of the labels that change within the others (a store's revenue row, its cost row), the one with the
    # fewest names
    varying = [c for c in labels if len(labels) > 1 and not data[c].is_unique and data.groupby(
        [o for o in labels if o != c], dropna=False)[c].nunique().max() > 1]
    closest = min(varying, key=lambda c: data[c].nunique(), default=None)
    holds = (f" ({closest!r} holds {shorten(pd.unique(data[closest].astype(str).str.strip()).tolist(), 6)})"
             if closest is not None else "")
    raise DataContractError(
        f"A wide table that holds {shorten(measures)} needs a column naming the measure on each row (a column "
        f"'line' holding {shorten(measures, 3)}); none of its label columns ({shorten(map(str, labels), 8)}) holds "
        f"them all{holds}.")


def spelt_as(values: pd.Series, measures: Sequence[str]) -> pd.Series | None:
    """`values` with each one that names a measure, whatever its case and surrounding spaces, written as the
    measure is; None unless every measure is named, each by one spelling."""
    text = values.astype("string").str.strip()
    wanted = {str(m).strip().casefold(): m for m in measures}
    found = {key: set(text[text.str.casefold() == key].dropna()) for key in wanted}
    if any(len(spellings) != 1 for spellings in found.values()):
        return None
    return text.map(lambda v: wanted.get(v.casefold(), v) if isinstance(v, str) else v).astype(object)


def with_corner_named(frame: pd.DataFrame, id_cols: Sequence[str], time_col: str) -> pd.DataFrame:
    """`frame` with its one unnamed column (a pivot table's blank top-left cell) named as the column it must be:
    the id column, beside period columns; the time column, beside entity columns. Else `frame` unchanged."""
    unnamed = [c for c in frame.columns if isinstance(c, str) and UNNAMED.fullmatch(c)]
    missing_ids = [c for c in id_cols if c not in frame.columns]
    if len(unnamed) != 1:
        return frame
    if period_columns(frame):
        name = missing_ids[0] if len(missing_ids) == 1 else None
    else:
        name = time_col if time_col not in frame.columns else None
    return frame.rename(columns={unnamed[0]: name}) if name else frame


def require_labels(data: pd.DataFrame, labels: list, time_col: str, value_col: str | None,
                   line_col: str | None) -> None:
    """The label columns: `line_col` among them, no name the result needs, no blank cells."""
    names = [str(column) for column in labels]
    if line_col is not None and line_col not in labels:
        raise DataContractError(f"The wide table has no column {line_col!r} naming each row's line"
                                f"{did_you_mean(line_col, names)}; its label columns are {shorten(names, 12)}.")
    for role, name in (("time_col", time_col), ("value_col", value_col)):
        if name is not None and name in names:
            raise DataContractError(f"{role}={name!r} is already a column of the wide table; choose another name.")
    for column in labels:
        values = data[column]
        blank = values.isna() | values.astype("string").str.strip().eq("").fillna(False)
        if blank.any():
            raise DataContractError(
                f"Column {column!r} of the wide table is blank in rows {rows_at(data, blank)}: a label written once "
                "above its block (merged cells) must be repeated on every row it labels.")


def refuse_repeated_rows(data: pd.DataFrame, labels: list) -> None:
    """Two rows with the same labels would give one entity two values per period."""
    if not labels:
        if len(data) > 1:
            raise DataContractError(f"The wide table has {len(data)} rows but no label column saying which entity "
                                    "(or line) each row is; add one.")
        return
    repeated = data.duplicated(labels, keep=False)
    if repeated.any():
        raise DataContractError(
            f"Rows {rows_at(data, repeated)} of the wide table carry the same labels "
            f"({shorten(map(str, data.loc[repeated, labels].iloc[0].tolist()))}): each entity (and line) needs one row.")

