"""Accept pandas or polars frames and hand back the kind the caller gave us.

Inside the library everything is pandas; this module is the only border crossing.
"""

from __future__ import annotations

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


def from_pandas(frame: pd.DataFrame, kind: FrameKind) -> Any:
    """Convert a pandas result back to the caller's kind."""
    if kind == "pandas":
        return frame.reset_index(drop=True)
    import polars as pl

    return pl.from_pandas(frame.reset_index(drop=True))
