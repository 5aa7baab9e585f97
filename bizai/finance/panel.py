"""The forecasting data contract: a long panel of many series, validated once and made regular.

Callers pass their own column names; inside bizai the panel uses SERIES (int code), TIME and TARGET plus
the covariates under their own names. Missing periods inside a series are added (target NaN) and reported.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.errors import DataContractError
from bizai.finance.frequency import calendar_test, coarser_freq_hint, pandas_frequency, resolve_freq
from bizai.schema import (
    ID_JOIN,
    SERIES,
    TARGET,
    TIME,
    align_id_kind,
    as_list,
    coerce_datetime,
    coerce_numeric,
    distant_date_rows,
    forbid_reserved,
    forbid_taken_names,
    require_columns,
    require_non_empty,
    require_one_id_kind,
    require_unique,
    row_labels,
    rows_at,
    shorten,
    warn_at_caller,
)
from bizai.spelling import respelled_ids, spelling_keys, unknown_ids

log = logging.getLogger(__name__)


@contextlib.contextmanager
def quiet_panel_reports():
    """Hold back the panel's per-series warnings (filled gaps, series forecast across their last gaps, respelled
    ids) where the caller reports them its own way: a statement per leaf, an update only for the periods it added."""
    previous = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(previous)


# Periods per natural season, by the kind of calendar offset (business variants count like the plain ones).
SEASON_BY_OFFSET = (
    (pd.offsets.BusinessDay, 5), (pd.offsets.Day, 7), (pd.offsets.Week, 52), (pd.offsets.SemiMonthBegin, 24),
    (pd.offsets.SemiMonthEnd, 24), (pd.offsets.MonthBegin, 12), (pd.offsets.MonthEnd, 12),
    (pd.offsets.BusinessMonthBegin, 12), (pd.offsets.BusinessMonthEnd, 12), (pd.offsets.QuarterBegin, 4),
    (pd.offsets.QuarterEnd, 4), (pd.offsets.BQuarterBegin, 4), (pd.offsets.BQuarterEnd, 4), (pd.offsets.Hour, 24),
)


# Columns that forecasts, backtests, drivers and what-ifs add beside the caller's id and time columns.
FORECAST_RESULT_COLUMNS = {
    "forecast": "the point forecast", "actual": "a backtest's actual value", "cutoff": "a backtest's last training period",
    "model": "the model that made a backtest forecast", "feature": "a driver's name", "contribution": "a driver's effect",
    "importance": "a feature's share of importance", "forecast_plan": "a what-if's forecast on the plan",
    "forecast_what_if": "a what-if's changed forecast", "change": "a what-if's change",
}
QUANTILE_COLUMN = r"p\d+(\.\d+)?"  # p10, p50, p2.5: the quantile columns (finance.base.quantile_label)


@dataclass(frozen=True)
class SeriesColumns:
    """Which caller columns play which role."""

    id_cols: list[str]
    time_col: str
    target_col: str
    static_cols: list[str] = field(default_factory=list)
    known_cols: list[str] = field(default_factory=list)
    past_cols: list[str] = field(default_factory=list)

    @property
    def covariates(self) -> list[str]:
        """Static, known and past covariates, in that order."""
        return [*self.static_cols, *self.known_cols, *self.past_cols]

    @property
    def all_columns(self) -> list[str]:
        """Every column the caller's frame must have."""
        return [*self.id_cols, self.time_col, self.target_col, *self.covariates]


@dataclass
class Panel:
    """A validated, regular panel. `frame` is sorted by (SERIES, TIME) and has no missing periods."""

    frame: pd.DataFrame
    columns: SeriesColumns
    freq: str
    series_ids: pd.DataFrame  # SERIES -> caller id columns
    filled: pd.DataFrame  # caller id columns + time of every period that was added

    @property
    def season_length(self) -> int:
        """Periods in a season for the panel's frequency (12 for monthly, 52 for weekly, ...)."""
        return season_length(self.freq)

    @property
    def categorical_cols(self) -> list[str]:
        """Covariates holding categories rather than numbers."""
        return [c for c in self.columns.covariates if not pd.api.types.is_numeric_dtype(self.frame[c])]

    def subset(self, rows) -> Panel:
        """The same panel restricted to `rows` (a boolean mask over `frame`)."""
        return Panel(self.frame[rows].reset_index(drop=True), self.columns, self.freq, self.series_ids, self.filled)

    def short_series(self, min_history: int) -> pd.Index:
        """Codes of the series with fewer than `min_history` observed (non-missing) periods."""
        observed = self.frame.groupby(SERIES)[TARGET].count()
        return observed.index[observed < min_history]

    def series_labels(self, codes) -> list[str]:
        """Readable ids ('Agency_01 / SKU_02') of the series `codes`, for messages."""
        return self.series_ids.set_index(SERIES).loc[codes].astype(str).agg(ID_JOIN.join, axis=1).tolist()

    def last_times(self) -> pd.Series:
        """Each series' last period."""
        return self.frame.groupby(SERIES)[TIME].max()

    def to_caller(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Replace SERIES/TIME by the caller's id and time columns, keeping the other columns."""
        return caller_rows(frame, self.series_ids, self.columns)


def caller_rows(frame: pd.DataFrame, series_ids: pd.DataFrame, columns: SeriesColumns) -> pd.DataFrame:
    """`frame` with SERIES/TIME replaced by the caller's id and time columns (first), the other columns kept."""
    out = frame.merge(series_ids, on=SERIES, how="left").drop(columns=SERIES)
    out = out.rename(columns={TIME: columns.time_col})
    first = [*columns.id_cols, columns.time_col]
    return out[first + [c for c in out.columns if c not in first]]


def season_length(freq: str) -> int:
    """Periods in one season: 12 for monthly (MS, ME, BMS, BME), 52 for weekly, 26 for '2W', 1 for yearly."""
    offset = to_offset(freq)
    base = next((periods for kind, periods in SEASON_BY_OFFSET if type(offset) is kind), 1)
    return max(1, round(base / period_multiple(freq))) if base > 1 else 1


def period_multiple(freq: str) -> int:
    """How many single periods one period of `freq` spans: 2 for '2MS', 1 for 'MS'."""
    return abs(int(getattr(to_offset(freq), "n", 1) or 1))


def prepare_panel(data: pd.DataFrame, columns: SeriesColumns, freq: str | None,
                  allow_distant_dates: bool = False, what: str = "training") -> Panel:
    """Validate `data` against `columns` and return a regular Panel; errors name the frame as `what` ("training",
    or "history" for the newer history a fitted model forecasts from).

    Dates far from the rest (a year typed 2204) are refused, naming the rows, unless `allow_distant_dates`.
    """
    require_non_empty(data, what)
    require_columns(data, columns.all_columns, what)
    freq = pandas_frequency(freq, warn=False) if freq is not None else None  # the estimators warn of renamed aliases
    forbid_reserved(columns.all_columns)
    forbid_taken_names([*(("id column", c) for c in columns.id_cols), ("time column", columns.time_col)],
                       FORECAST_RESULT_COLUMNS, QUANTILE_COLUMN, "a forecast quantile")
    roles = columns.all_columns
    doubled = sorted({c for c in roles if roles.count(c) > 1})
    if doubled:
        raise DataContractError(f"Column(s) {shorten(doubled)} are given more than one role; each column has one role.")
    frame = data[list(dict.fromkeys(roles))].copy()
    for col in columns.id_cols:
        if frame[col].isna().any():
            rows = rows_at(frame, frame[col].isna())
            raise DataContractError(f"Id column {col!r} is empty in rows {rows}; every row needs an id.")
        require_one_id_kind(frame[col], col, what)
    frame[TIME] = coerce_datetime(frame, columns.time_col, what, plausible=calendar_test(freq))
    if not allow_distant_dates:
        refuse_distant_dates(frame, columns.time_col)
    frame[TARGET] = coerce_numeric(frame, columns.target_col, what, allow_missing=False,
                                   missing_hint="Drop those rows (a dropped period is filled and reported) or fill them.")
    for col in [*columns.static_cols, *columns.known_cols, *columns.past_cols]:
        if frame[col].isna().all():  # a misspelt export or a join that matched nothing, most likely
            log.warning("Column %r of the %s frame is empty in every row: it tells the model nothing.", col, what)
    for col in [*columns.known_cols, *columns.past_cols]:
        if pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            frame[col] = coerce_numeric(frame, col, what)
        else:
            frame[col] = frame[col].astype("string").astype("category")
    series_ids, frame[SERIES] = coded_series(frame, columns.id_cols)
    report_respelled_series(series_ids, columns.id_cols, what)
    order, repeated = panel_order(frame[SERIES].to_numpy(), frame[TIME])
    if repeated:  # the full check names the rows
        require_unique(frame.assign(**{columns.time_col: frame[TIME]}), [*columns.id_cols, columns.time_col], what)
    freq = resolve_freq(frame[TIME], frame[SERIES], freq)
    frame = constant_statics(frame, columns)
    # the ids live on in series_ids: sorting 7 million rows of text ids cost more than the rest of the sort
    frame = frame.drop(columns=columns.id_cols).take(order).reset_index(drop=True)
    frame, filled = fill_missing_periods(frame, columns, freq, series_ids)
    keep = [SERIES, TIME, TARGET, *columns.covariates]
    filled_report = caller_rows(filled, series_ids, columns)
    if len(filled_report):
        log.warning(
            "Filled %d missing period(s) in %d series (target left empty): %s%s",
            len(filled_report),
            filled[SERIES].nunique(),
            shorten(row_labels(filled_report)),
            coarser_freq_hint(frame, freq, len(filled_report)),
        )
    return Panel(frame[keep].reset_index(drop=True), columns, freq, series_ids, filled_report)


def coded_series(frame: pd.DataFrame, id_cols: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct ids, sorted, with their SERIES code (0, 1, ... in that order), and each row's code.

    Factorised, not merged back on the ids: a merge on text ids cost 0.7 s of a 7-million-row fit."""
    if len(id_cols) == 1:
        appearance = pd.factorize(frame[id_cols[0]])[0]
    else:
        appearance = frame.groupby(id_cols, sort=False, observed=True).ngroup().to_numpy()
    # both number ids in order of first appearance: a row holds a new id where its number passes all before it
    new = appearance > np.maximum.accumulate(np.r_[-1, appearance[:-1]])
    distinct = frame[id_cols].iloc[np.flatnonzero(new)].reset_index(drop=True)
    order = distinct.sort_values(id_cols).index.to_numpy()
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    series_ids = distinct.loc[order].reset_index(drop=True)
    series_ids[SERIES] = np.arange(len(series_ids), dtype=np.int64)
    return series_ids, rank[appearance]


def panel_order(codes: np.ndarray, times: pd.Series) -> tuple[np.ndarray, bool]:
    """The positions that sort rows by (series code, time), and whether two rows share a series and time (they
    are then neighbours in that order): one stable sort of an integer key, where a pandas sort on both columns and
    a duplicated() check each cost half a second on 7 million rows."""
    time_rank = pd.factorize(times, sort=True)[0].astype(np.int64)
    key = codes.astype(np.int64) * (int(time_rank.max(initial=0)) + 1) + time_rank
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    return order, bool(np.any(ordered[1:] == ordered[:-1]))


def refuse_distant_dates(frame: pd.DataFrame, time_col: str) -> None:
    """Refuse dates far from the rest (usually typos such as 2102 for 2021), naming the rows."""
    distant = distant_date_rows(frame[TIME])
    if distant.any():
        rest = frame.loc[~distant, TIME]
        shown = shorten(sorted({str(t.date()) for t in frame.loc[distant, TIME]}))
        raise DataContractError(
            f"Column {time_col!r} has dates far from the rest of the data in rows {rows_at(frame, distant)} "
            f"({shown}, while the other dates run from {rest.min().date()} to {rest.max().date()}): a mistyped year? "
            "Fix them, or allow them (allow_distant_dates=True, --allow-distant-dates)."
        )


def future_calendar(panel: Panel, horizon: int, dates: pd.Series):
    """The calendar test (frequency.calendar_test) for `dates` given after a fit (a plan, newer history): on the
    panel's frequency, from its first date to as many periods after its last as the horizon and the dates given
    could reach, so a plan for the year ahead of a 3-month horizon reads as well as one for those 3 months."""
    times = panel.frame[TIME]
    periods = horizon + dates.nunique()
    return calendar_test(panel.freq, start=times.min(), end=times.max() + periods * to_offset(panel.freq))


def check_horizon_in_range(panel: Panel, horizon: int) -> None:
    """The last forecast date must be a date pandas can hold (up to 2262): refuse at fit, not fail at predict."""
    last = panel.frame[TIME].max()
    try:
        end = last + horizon * to_offset(panel.freq)
        pd.Timestamp(end).as_unit("ns")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime) as exc:
        raise DataContractError(
            f"horizon {horizon} at frequency {panel.freq!r} after {last.date()} runs past {pd.Timestamp.max.date()}, "
            "the last date bizai can represent; use a shorter horizon."
        ) from exc


def constant_statics(frame: pd.DataFrame, columns: SeriesColumns) -> pd.DataFrame:
    """Static columns as one value per series: a blank cell takes its series' value (a sheet that writes a store's
    region on its first row only; logged); a series holding two values is refused, naming it and its values."""
    for col in columns.static_cols:
        counts = frame.groupby(SERIES)[col].nunique()  # blanks not counted
        if (counts > 1).any():
            rows = frame[frame[SERIES].isin(counts.index[counts > 1])]
            values = rows.groupby(SERIES)[col].agg(lambda v: shorten(sorted(map(str, v.dropna().unique())), 3))
            labels = rows.drop_duplicates(SERIES).set_index(SERIES)[columns.id_cols].astype(str).agg("/".join, axis=1)
            shown = shorten([f"{labels[code]!r} ({values[code]})" for code in values.index], show=str)
            raise DataContractError(f"Static column {col!r} changes over time within series {shown}; static columns "
                                    "must be constant per series (use known_cols or past_cols for changing values).")
        blank = frame[col].isna()
        if blank.any() and not blank.all():
            frame[col] = frame.groupby(SERIES)[col].transform("first")  # the series' one value
            log.info("Static column %r was empty in %d row(s): filled with each series' value.", col,
                     int((blank & frame[col].notna()).sum()))
    return frame


def base_positions(times: pd.Series, freq: str, origin: pd.Timestamp) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Each time's number on the grid of single `freq` periods from `origin` ('2MS' counts months, 'W-SUN' weeks;
    -1 for a time off it), and that grid."""
    grid = pd.date_range(origin, max(times.max(), origin), freq=to_offset(freq).base)
    return grid.get_indexer(pd.DatetimeIndex(times)), grid


def series_starts(codes: np.ndarray) -> np.ndarray:
    """Whether each row of a frame sorted by series (`codes`, its SERIES column) is its series' first."""
    return np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)


def fill_missing_periods(frame: pd.DataFrame, columns: SeriesColumns, freq: str,
                         series_ids: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add the missing periods inside each series of `frame` (sorted by SERIES and TIME, unique; target and
    covariates NaN, static columns carried); returns the frame, still sorted, and the added (SERIES, TIME) rows.

    Periods are counted from each series' own first date, so series of a multiple frequency need not share a
    phase (one store reporting every two months from January, another from February, at '2MS'); a date that is not
    a whole number of periods after its series' first date is refused, naming it (`series_ids` gives the names)."""
    multiple = period_multiple(freq)
    base, grid = base_positions(frame[TIME], freq, frame[TIME].min())
    codes = frame[SERIES].to_numpy()
    starts = series_starts(codes)
    first = base[starts]  # each series' first date on the grid, in series order
    since_first = base - np.repeat(first, np.diff(np.r_[np.flatnonzero(starts), len(codes)]))
    off = (base < 0) | (since_first % multiple != 0)
    if off.any():
        rows = caller_rows(frame.loc[off, [SERIES, TIME]], series_ids, columns)
        raise DataContractError(
            f"{int(off.sum())} date(s) are not a whole number of {freq!r} periods after the first date of their "
            f"series: {shorten(row_labels(rows))}. Each series' dates must step by the frequency; pass the "
            "frequency they do step by."
        )
    positions = since_first // multiple
    lengths = positions[np.r_[starts[1:], True]] + 1  # from each series' last row
    if int(lengths.sum()) == len(frame):  # rows are unique per period, so nothing is missing: skip the merge
        complete = frame.reset_index(drop=True)
        return complete, complete.loc[[], [SERIES, TIME]]
    periods = np.concatenate([np.arange(n) for n in lengths])
    full = pd.DataFrame({SERIES: codes[starts].repeat(lengths), "__pos": periods})
    merged = full.merge(frame.assign(__pos=positions), on=[SERIES, "__pos"], how="left")
    missing = merged[TIME].isna()
    merged[TIME] = grid[first.repeat(lengths) + periods * multiple]  # the merge keeps the order of `full`
    for col in columns.static_cols:  # constant per series (checked): its first value fills it
        merged[col] = merged.groupby(SERIES)[col].transform("first")
    filled = merged.loc[missing, [SERIES, TIME]]
    return merged.drop(columns="__pos"), filled  # a left merge keeps the order of `full`: series, then period


def longest_gaps(panel: Panel) -> pd.Series:
    """Per SERIES code, the longest run of periods without data inside its history (0 for a series with none)."""
    frame = panel.frame[[SERIES, TARGET]]
    gap = frame[TARGET].isna()
    run = (gap != gap.groupby(frame[SERIES]).shift()).cumsum()
    lengths = gap[gap].groupby([frame.loc[gap, SERIES], run[gap]]).size()
    longest = lengths.groupby(level=0).max() if len(lengths) else pd.Series(dtype="int64")
    return longest.reindex(panel.series_ids[SERIES].to_numpy(), fill_value=0).astype("int64")


def trailing_gaps(panel: Panel) -> pd.Series:
    """Per SERIES code, how many periods lie between its last row and the panel's last date."""
    last = panel.last_times()
    positions = base_positions(last, panel.freq, last.min())[0]  # single periods: series may differ in phase
    return pd.Series((positions.max() - positions) // period_multiple(panel.freq), index=last.index, dtype="int64")


def trailing_periods(panel: Panel, gaps: pd.Series) -> pd.DataFrame:
    """The empty periods (target and covariates missing, statics carried) after the last row of each series in
    `gaps` (SERIES code -> its `trailing_gaps`) up to the panel's last date: rows of `panel.frame`'s columns."""
    gaps = gaps[gaps > 0]
    if gaps.empty:
        return panel.frame.iloc[:0]
    offset = to_offset(panel.freq)
    last_rows = panel.frame.groupby(SERIES).tail(1).set_index(SERIES).loc[gaps.index]
    repeats = np.repeat(np.arange(len(gaps)), gaps.to_numpy())
    steps = np.concatenate([np.arange(1, k + 1) for k in gaps.to_numpy()])
    added = last_rows.iloc[repeats].reset_index()
    added[TIME] = [t + k * offset for t, k in zip(added[TIME], steps, strict=True)]
    added[TIME] = added[TIME].astype(panel.frame[TIME].dtype)
    for col in [TARGET, *panel.columns.known_cols, *panel.columns.past_cols]:
        added[col] = np.nan if not isinstance(added[col].dtype, pd.CategoricalDtype) else pd.NA
    return added[panel.frame.columns]


def extend_trailing_gaps(panel: Panel, gaps: pd.Series) -> tuple[Panel, pd.DataFrame]:
    """`panel` with the `trailing_periods` of the series in `gaps` added, so that their forecasts start where every
    other series' do. Returns the panel and the added rows (caller's id and time columns)."""
    added = trailing_periods(panel, gaps)
    if added.empty:
        return panel, pd.DataFrame(columns=[*panel.columns.id_cols, panel.columns.time_col])
    frame = pd.concat([panel.frame, added], ignore_index=True).sort_values([SERIES, TIME], ignore_index=True)
    report = panel.to_caller(added[[SERIES, TIME]])
    return Panel(frame, panel.columns, panel.freq, panel.series_ids, panel.filled), report


def horizon_grid(panel: Panel, horizon: int, series: np.ndarray) -> pd.DataFrame:
    """SERIES, TIME and `__step` (1..horizon) for the periods after each series' last date."""
    last = panel.last_times().loc[series]
    offset = to_offset(panel.freq)
    steps = np.tile(np.arange(1, horizon + 1), len(series))
    grid = pd.DataFrame({SERIES: np.repeat(series, horizon), "__step": steps})
    last_index = pd.DatetimeIndex(last.to_numpy())
    with warnings.catch_warnings():  # an offset pandas cannot vectorise goes date by date, as the old loop did
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        by_step = [(last_index + k * offset).as_unit("ns").to_numpy() for k in range(1, horizon + 1)]
    grid[TIME] = np.column_stack(by_step).ravel() if by_step and len(series) else np.array([], "datetime64[ns]")
    return grid


FILL_KNOWN = ("carry",)


def prepare_future(
    known_future: pd.DataFrame | None, panel: Panel, horizon: int, series: np.ndarray, fill_known: str | None = None
) -> pd.DataFrame:
    """The horizon grid for `series`, with known covariates taken from the caller's `known_future`.

    Raises naming the series, dates and columns missing from `known_future`, unless `fill_known="carry"`: then a
    missing row or value takes the series' last planned value before it (or, for the first periods, its last
    value in the history), and a warning names the rows filled.
    """
    if fill_known is not None and fill_known not in FILL_KNOWN:
        raise DataContractError(f"fill_known must be None (refuse gaps) or {' or '.join(map(repr, FILL_KNOWN))} (a missing "
                                f"planned value takes the series' last one before it), got {fill_known!r}.")
    cols = panel.columns
    grid = horizon_grid(panel, horizon, series)
    if not cols.known_cols:
        return grid
    if known_future is None:
        raise DataContractError(
            f"This model uses known covariates {shorten(cols.known_cols)}: pass known_future= with their values for "
            f"the next {horizon} period(s) of each series (columns {shorten([*cols.id_cols, cols.time_col])})."
        )
    require_columns(known_future, [*cols.id_cols, cols.time_col, *cols.known_cols], "known_future")
    future = known_future[[*cols.id_cols, cols.time_col, *cols.known_cols]].copy()
    calendar = future_calendar(panel, horizon, future[cols.time_col])
    future[TIME] = coerce_datetime(future, cols.time_col, "known_future", plausible=calendar)
    for id_col in cols.id_cols:  # ids compared as the labels they were at fit time, converted only exactly
        reference = require_one_id_kind(panel.series_ids[id_col], id_col, "training")
        future[id_col] = align_id_kind(future[id_col], reference, id_col, "known_future")
        if reference == "number":
            future[id_col] = future[id_col].astype(panel.series_ids[id_col].dtype)
    require_unique(future.assign(**{cols.time_col: future[TIME]}), [*cols.id_cols, cols.time_col], "known_future")
    future = future.drop(columns=cols.time_col).merge(panel.series_ids, on=cols.id_cols, how="left", indicator="_known")
    unknown = future.loc[future["_known"] == "left_only", cols.id_cols].drop_duplicates()
    respelled = respelled_ids(unknown, panel.series_ids, cols.id_cols)
    if len(unknown):  # a plan for stores the history lacks: say so rather than drop them unseen
        warn_at_caller(f"known_future has rows for {len(unknown)} series the history does not hold, which get no "
                       f"forecast: {shorten(row_labels(unknown))}{respelled}.")
    stranger = "" if respelled or len(unknown) == 0 or (future["_known"] == "both").any() else (
        f" (none of known_future's series is one of the history's: {shorten(row_labels(unknown), 3)} against "
        f"{shorten(row_labels(panel.series_ids[cols.id_cols]), 3)})")  # another id column, or another system's codes
    future = future[future["_known"] == "both"].drop(columns="_known")
    merged = grid.merge(future.drop(columns=cols.id_cols), on=[SERIES, TIME], how="left", indicator=True)
    absent = merged["_merge"] == "left_only"
    if fill_known == "carry":
        merged = carry_known_forward(merged, panel)
        absent = absent & merged[cols.known_cols].isna().any(axis=1)
    problems = []
    if absent.any():
        labels = row_labels(panel.to_caller(merged.loc[absent, [SERIES, TIME]]))
        problems.append(f"no row for {len(labels)} (series, date) pair(s): {shorten(labels)}{off_calendar(future, panel)}"
                        f"{respelled}{stranger}")
    for col in cols.known_cols:
        empty = merged[col].isna() & ~absent
        if empty.any():
            rows = row_labels(panel.to_caller(merged.loc[empty, [SERIES, TIME]]))
            problems.append(f"column {col!r} empty for {shorten(rows)}")
    if problems:
        raise DataContractError("known_future does not cover the forecast horizon: " + "; ".join(problems) + ".")
    merged = merged.drop(columns="_merge")
    for col in cols.known_cols:
        if isinstance(panel.frame[col].dtype, pd.CategoricalDtype):
            merged[col] = known_categories(merged, col, panel)
        else:
            merged[col] = coerce_numeric(merged, col, "known_future")
    return merged


def report_respelled_series(series_ids: pd.DataFrame, id_cols: list[str], what: str) -> None:
    """Warn about series whose ids differ only in spaces around them or letter case ('S001' and 'S001 ', an Excel
    cell's trailing space): they are forecast as separate series, each with part of the history."""
    if len(series_ids) < 2:
        return
    keys = spelling_keys(series_ids, id_cols)
    alike = keys.duplicated(keep=False).to_numpy()
    if alike.any():
        labels = pd.Series(row_labels(series_ids[id_cols]))[alike].groupby(keys[alike].to_numpy()).agg(list)
        shown = shorten([" and ".join(map(repr, group)) for group in labels], 3, show=str)
        log.warning("The %s frame has series whose ids differ only in spaces or letter case: %s. They are forecast as "
                    "separate series, each with part of the history; if each pair is one series, write its ids alike.",
                    what, shown)


def refuse_respelled_series(new: pd.DataFrame, history: pd.DataFrame, id_cols: list[str]) -> None:
    """Refuse an update whose new series are known ones spelt in another case or with spaces (an export that
    lower-cased 'S001'): appended, they would start stub series while the real ones looked closed."""
    known = history[id_cols].drop_duplicates()
    respelled = respelled_ids(unknown_ids(new, known, id_cols), known, id_cols)
    if respelled:
        raise DataContractError(f"The update holds series the model does not know{respelled}.")


def report_new_gaps(filled: pd.DataFrame, time_col: str, end: pd.Timestamp) -> None:
    """Warn about the missing periods an update added (after the old end `end`), in the caller's terms; the
    history's own gaps were reported when it was fitted."""
    new = filled[filled[time_col] > end] if len(filled) else filled
    if len(new):
        log.warning("Filled %d missing period(s) after %s (target left empty): %s", len(new), end.date(),
                    shorten(row_labels(new)))


def report_trailing_gaps(added: pd.DataFrame, series: int, end, columns: SeriesColumns, report: bool = True) -> None:
    """Name the `series` forecast across the empty periods `added` after their last row (caller ids and times),
    at warning level, or at debug level without `report` (backtest windows: the forecast itself reports them)."""
    if len(added):
        log.log(logging.WARNING if report else logging.DEBUG,
                "%d series have no data for their last period(s) before %s, within their usual gaps: forecast with "
                "those periods left empty: %s", series, end,
                shorten(trailing_gap_labels(added, columns.id_cols, columns.time_col)))


def trailing_gap_labels(added: pd.DataFrame, id_cols: list[str], time_col: str) -> list[str]:
    """One label per series of the empty periods added after its last row ('S001 (2 periods from 2024-03-01)'),
    not one per period: a series missing 30 weeks is one line of the message."""
    grouped = added.groupby(id_cols, sort=True)[time_col].agg(["min", "size"]).reset_index()
    ids = row_labels(grouped[id_cols])
    return [f"{label} ({count} period{'s' if count > 1 else ''} from {pd.Timestamp(first).date()})"
            for label, first, count in zip(ids, grouped["min"], grouped["size"], strict=True)]


def known_categories(merged: pd.DataFrame, col: str, panel: Panel) -> pd.Categorical:
    """A categorical known covariate of the horizon on the training's categories; a value the training never held
    (a new promotion type) is warned about, naming it and its rows: the model reads it as missing."""
    text = merged[col].astype("string")
    categories = panel.frame[col].cat.categories
    unseen = (text.notna() & ~text.isin(categories)).to_numpy()
    # unseen values become missing before coding: pandas 4 will refuse a Categorical of values outside its categories
    coded = pd.Categorical(text.where(~unseen), categories=categories)
    if unseen.any():
        rows = row_labels(panel.to_caller(merged.loc[unseen, [SERIES, TIME]]))
        log.warning("known_future column %r holds %s, never seen in training, in %d row(s) (%s): the model reads "
                    "them as missing values.", col, shorten(sorted(text[unseen].unique())), len(rows), shorten(rows))
    return coded


def off_calendar(future: pd.DataFrame, panel: Panel) -> str:
    """A note on the plan's dates that lie off the model's calendar (weeks dated Monday where the history's end on
    Sunday, mid-month dates for monthly periods): why rows that look present do not match, else ''."""
    offset = to_offset(panel.freq)
    dates = pd.Series(pd.unique(future[TIME].dropna())).sort_values()
    off = dates[~dates.map(offset.is_on_offset).astype(bool)]
    if off.empty:
        return ""
    return (f" (known_future's dates {shorten([t.date() for t in off])} are not on the model's calendar, "
            f"{panel.freq!r} periods such as {panel.last_times().max().date()}: date the plan as the history is dated)")


def carry_known_forward(merged: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Fill empty known covariates of the horizon grid (sorted by series and time) with the series' last planned
    value before them, else its last value in the history; warn naming the rows filled."""
    cols = panel.columns
    before = merged[cols.known_cols].isna().any(axis=1)
    for col in cols.known_cols:
        history = panel.frame.dropna(subset=[col]).groupby(SERIES)[col].last()
        carried = merged.groupby(SERIES)[col].ffill()
        merged[col] = carried.where(carried.notna(), merged[SERIES].map(history).astype(object))
    filled = before & merged[cols.known_cols].notna().all(axis=1)
    if filled.any():
        rows = row_labels(panel.to_caller(merged.loc[filled, [SERIES, TIME]]))
        warn_at_caller(f"known_future had no value for {int(filled.sum())} (series, date) row(s); the last planned "
                       f"value was carried forward (fill_known='carry'): {shorten(rows)}.")
    return merged


def columns_from_arguments(id_col, time_col, target_col, static_cols, known_cols, past_cols) -> SeriesColumns:
    """SeriesColumns from fit's arguments (a name or a list for each role), checked for clashes between roles."""
    ids = as_list(id_col)
    if not ids:
        raise DataContractError("id_col must name at least one column.")
    return SeriesColumns(ids, time_col, target_col, as_list(static_cols), as_list(known_cols), as_list(past_cols))


def rows_with_ids(frame: pd.DataFrame, ids: dict | None) -> pd.Series:
    """Rows of `frame` whose id columns equal `ids` ({column: value, or a list of values}, compared as text, as
    ids are shown and typed); every row for None."""
    rows = pd.Series(True, index=frame.index)
    for col, value in (ids or {}).items():
        values = value if isinstance(value, list | tuple | set | pd.Series | pd.Index | np.ndarray) else [value]
        rows &= frame[col].astype(str).isin([str(v) for v in values])
    return rows


def require_id_filter(ids: dict | None, columns: SeriesColumns) -> None:
    """`ids` ({id column: value(s)}) names only id columns."""
    if ids is not None and not isinstance(ids, dict):
        raise DataContractError(f"ids must be a dict {{id column: value or list of values}}, e.g. "
                                f"{{{columns.id_cols[0]!r}: ...}}; got {type(ids).__name__}.")
    not_ids = [col for col in (ids or {}) if col not in columns.id_cols]
    if not_ids:
        raise DataContractError(f"{not_ids[0]!r} is not an id column; expected one of {columns.id_cols}.")
