"""Accept pandas or polars frames and hand back the kind the caller gave us.

Inside the library everything is pandas; this module is the only border crossing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

FrameKind = Literal["pandas", "polars"]


def frame_kind(frame: Any) -> FrameKind:
    """Tell whether `frame` is a pandas or a polars frame; anything else is a TypeError."""
    if isinstance(frame, pd.DataFrame):
        return "pandas"
    module, name = type(frame).__module__, type(frame).__name__
    if module.startswith("polars") and name in ("DataFrame", "LazyFrame"):
        return "polars"
    given = f"a {name}" if module == "builtins" else f"{module.split('.')[0]}.{name}"
    hint = (" (one column): pass the table it came from, or series.to_frame()" if name == "Series" else
            ": make it a DataFrame first, e.g. pd.DataFrame(...)" if name in ("dict", "list", "ndarray") else
            ": make it a DataFrame first, e.g. table.to_pandas()" if name == "Table" else "")
    raise TypeError(f"Expected a pandas or polars DataFrame, got {given}{hint}.")


def to_pandas(frame: Any) -> tuple[pd.DataFrame, FrameKind]:
    """Return (pandas copy of `frame`, kind of the original). Polars LazyFrames are collected."""
    if type(frame).__name__ == "LazyFrame" and type(frame).__module__.startswith("polars"):
        frame = frame.collect()
    kind = frame_kind(frame)
    if kind == "pandas":
        return frame.copy(), kind
    return frame.to_pandas(), kind


@dataclass(frozen=True)
class TimeType:
    """How a caller's date or time column was typed, so results give it back the same way and join with the
    caller's frames: pandas refuses to merge a timezone-aware column on a naive one and merges a Period column on a
    datetime one to nothing, without a word; polars refuses to join a date on a datetime, or datetimes of different
    units (its default is microseconds, pandas' nanoseconds)."""

    kind: Literal["date", "datetime", "period"]
    unit: str = "ns"
    tz: Any = None  # a polars zone's name, or a pandas column's own tzinfo (a fixed offset, dateutil's, ...)
    freq: str | None = None  # a Period column's frequency ('M', 'Q-DEC', 'W-SUN', ...)


# date_columns' mapping, or (as models saved by earlier versions kept it) a tuple of the names of polars Dates.
TimeTypes = dict[str, TimeType] | Iterable[str]


def date_columns(frame: Any) -> dict[str, TimeType]:
    """The caller's date and time columns whose type bizai's internal naive nanosecond datetimes lose: polars
    Date and Datetime columns, pandas timezone-aware, Period and non-nanosecond datetime columns."""
    if frame is None:
        return {}
    if frame_kind(frame) == "pandas":
        return {name: found for name, dtype in frame.dtypes.items() if (found := pandas_time_type(dtype))}
    import polars as pl

    schema = frame.collect_schema() if hasattr(frame, "collect_schema") else frame.schema
    found = {}
    for name, dtype in schema.items():
        if dtype == pl.Date:
            found[name] = TimeType("date")
        elif isinstance(dtype, pl.Datetime):
            found[name] = TimeType("datetime", dtype.time_unit or "us", dtype.time_zone)
    return found


def pandas_time_type(dtype) -> TimeType | None:
    """The TimeType of a pandas column's dtype, or None when it is plain naive nanoseconds (or no time at all)."""
    if isinstance(dtype, pd.PeriodDtype):
        return TimeType("period", freq=str(dtype).removeprefix("period[").removesuffix("]"))  # 'M', not offset 'ME'
    if isinstance(dtype, pd.DatetimeTZDtype):
        return TimeType("datetime", dtype.unit, dtype.tz)
    if pd.api.types.is_datetime64_dtype(dtype) and np.datetime_data(dtype)[0] != "ns":
        return TimeType("datetime", np.datetime_data(dtype)[0])
    return None


def with_cutoff(date_cols: TimeTypes, time_col: str) -> dict[str, TimeType]:
    """The date columns of a backtest's output: a window's `cutoff` is typed like the time column."""
    types = as_time_types(date_cols)
    return {**types, "cutoff": types[time_col]} if time_col in types else types


def as_time_types(date_cols: TimeTypes) -> dict[str, TimeType]:
    """date_columns' mapping; a tuple of names (what models saved by earlier versions kept) means polars Dates."""
    if isinstance(date_cols, dict):
        return date_cols
    return {name: TimeType("date") for name in date_cols}


def from_pandas(frame: pd.DataFrame, kind: FrameKind, date_cols: TimeTypes = ()) -> Any:
    """Convert a pandas result back to the caller's kind, its date and time columns typed as the caller's were
    (`date_cols`: see date_columns)."""
    frame = frame.reset_index(drop=True)
    types = {name: t for name, t in as_time_types(date_cols).items()
             if name in frame.columns and pd.api.types.is_datetime64_dtype(frame[name])}
    if types:
        frame = frame.assign(**{name: as_pandas_time(frame[name], t, kind) for name, t in types.items()})
    if kind == "pandas":
        return frame
    import polars as pl

    out = pl.from_pandas(frame)
    casts = [pl.col(name).cast(pl.Date if t.kind == "date" else pl.Datetime(t.unit, t.tz)) for name, t in types.items()]
    return out.with_columns(casts) if casts else out


def as_pandas_time(values: pd.Series, time_type: TimeType, kind: FrameKind) -> pd.Series:
    """Naive datetimes (bizai's wall-clock times) typed as `time_type`; for polars only the time zone is set here
    (the unit and Date are cast in polars). Clock times that a daylight-saving change skips move forward; those it
    repeats take standard time."""
    if time_type.kind == "period":
        return values.astype(f"period[{time_type.freq}]") if kind == "pandas" else values
    if time_type.tz is not None:
        values = values.dt.tz_localize(time_type.tz, ambiguous=np.zeros(len(values), dtype=bool),
                                       nonexistent="shift_forward")
    if kind == "pandas" and time_type.kind == "datetime":
        unit, tz = time_type.unit, time_type.tz
        return values.astype(pd.DatetimeTZDtype(unit, tz) if tz is not None else f"datetime64[{unit}]")
    return values
