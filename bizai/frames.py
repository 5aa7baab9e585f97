"""Accept pandas or polars frames and hand back the kind the caller gave us.

Inside the library everything is pandas; this module is the only border crossing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

FrameKind = Literal["pandas", "polars"]


def frame_kind(frame: Any) -> FrameKind:
    """Tell whether `frame` is a pandas or a polars frame; anything else is a TypeError."""
    if isinstance(frame, pd.DataFrame):
        return "pandas"
    module = type(frame).__module__
    if module.startswith("polars"):
        return "polars"
    raise TypeError(f"Expected a pandas or polars DataFrame, got {type(frame).__name__}.")


def to_pandas(frame: Any) -> tuple[pd.DataFrame, FrameKind]:
    """Return (pandas copy of `frame`, kind of the original). Polars LazyFrames are collected."""
    if type(frame).__name__ == "LazyFrame" and type(frame).__module__.startswith("polars"):
        frame = frame.collect()
    kind = frame_kind(frame)
    if kind == "pandas":
        return frame.copy(), kind
    return frame.to_pandas(), kind


def date_columns(frame: Any) -> tuple[str, ...]:
    """The columns of a polars frame holding calendar dates (pl.Date; none for pandas). pandas turns them into
    datetimes; results give them back as dates, so they join with the caller's frames (polars refuses to join a
    date on a datetime)."""
    if frame is None or frame_kind(frame) != "polars":
        return ()
    import polars as pl

    schema = frame.collect_schema() if hasattr(frame, "collect_schema") else frame.schema
    return tuple(name for name, dtype in schema.items() if dtype == pl.Date)


def with_cutoff(date_cols: Iterable[str], time_col: str) -> tuple[str, ...]:
    """The date columns of a backtest's output: a window's `cutoff` is a date exactly when the time column is."""
    date_cols = tuple(date_cols)
    return (*date_cols, "cutoff") if time_col in date_cols else date_cols


def from_pandas(frame: pd.DataFrame, kind: FrameKind, date_cols: Iterable[str] = ()) -> Any:
    """Convert a pandas result back to the caller's kind; for polars, `date_cols` (see date_columns) become
    pl.Date again."""
    if kind == "pandas":
        return frame.reset_index(drop=True)
    import polars as pl

    out = pl.from_pandas(frame.reset_index(drop=True))
    dates = [name for name in date_cols if name in out.columns and out.schema[name] != pl.Date]
    return out.with_columns(pl.col(dates).cast(pl.Date)) if dates else out
