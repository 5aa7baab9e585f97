"""Column contracts and validators, written once. Every error names the column, rows or values at fault
and says what was expected, so a user can fix the input without reading our code."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from bizai.errors import DataContractError

# Internal names of the canonical forecasting panel. Callers never see them: outputs use their names.
SERIES = "__series"
TIME = "__time"
TARGET = "__target"
RESERVED = (SERIES, TIME, TARGET)


def shorten(values: Iterable[object], limit: int = 5) -> str:
    """'a, b, c (and 12 more)': a readable list of offenders."""
    values = list(values)
    shown = ", ".join(repr(v) if isinstance(v, str) else str(v) for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """Normalise a column argument that may be one name, several names or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def require_non_empty(frame: pd.DataFrame, what: str) -> None:
    if len(frame) == 0:
        raise DataContractError(f"The {what} frame is empty: expected at least one row.")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Every column must exist; suggest the closest existing name for each missing one."""
    available = [str(c) for c in frame.columns]
    missing = [c for c in dict.fromkeys(columns) if c not in frame.columns]
    if not missing:
        return
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, available, n=1, cutoff=0.6)
        hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise DataContractError(
        f"The {what} frame is missing column(s) {', '.join(hints)}. Available columns: {shorten(available, 20)}."
    )


def forbid_reserved(columns: Iterable[str]) -> None:
    clash = [c for c in columns if c in RESERVED]
    if clash:
        raise DataContractError(f"Column name(s) {shorten(clash)} are reserved by bizai; please rename them.")


def coerce_numeric(frame: pd.DataFrame, column: str, what: str, allow_missing: bool = True) -> pd.Series:
    """Return `column` as float64; raise naming the rows whose values are not numbers."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        series = series.astype("float64")
    if not pd.api.types.is_numeric_dtype(series):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            rows = list(frame.index[bad])
            examples = shorten(series[bad].astype(str).unique().tolist(), 3)
            raise DataContractError(
                f"Column {column!r} of the {what} frame must be numeric, but rows {shorten(rows)} hold "
                f"non-numeric values such as {examples}."
            )
        series = converted
    series = series.astype("float64")
    if not allow_missing and series.isna().any():
        rows = list(frame.index[series.isna()])
        raise DataContractError(
            f"Column {column!r} of the {what} frame has missing values (NaN) in rows {shorten(rows)}; "
            "expected a number in every row. Drop those rows (a dropped period is filled and reported) or "
            "fill them."
        )
    if np.isinf(series).any():
        rows = list(frame.index[np.isinf(series)])
        raise DataContractError(f"Column {column!r} of the {what} frame has infinite values in rows {shorten(rows)}.")
    return series


def coerce_datetime(frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """Parse `column` as timestamps (timezone dropped); raise naming the rows that could not be parsed."""
    series = frame[column]
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
    else:
        parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = parsed.isna() & series.notna()
    missing = series.isna()
    if bad.any() or missing.any():
        rows = list(frame.index[bad | missing])
        examples = shorten(series[bad | missing].astype(str).unique().tolist(), 3)
        raise DataContractError(
            f"Column {column!r} of the {what} frame has values that are not dates in rows {shorten(rows)} "
            f"(for example {examples}); expected dates such as 2024-01-31."
        )
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def require_unique(frame: pd.DataFrame, keys: list[str], what: str) -> None:
    """No two rows may share the same key, e.g. (store_id, month)."""
    duplicated = frame.duplicated(subset=keys, keep=False)
    if duplicated.any():
        rows = list(frame.index[duplicated])
        first = frame.loc[duplicated, keys].head(1).to_dict("records")[0]
        raise DataContractError(
            f"The {what} frame has {int(duplicated.sum())} rows sharing the same ({', '.join(keys)}), for example "
            f"{first} (rows {shorten(rows)}). Expected one row per key: aggregate or drop the duplicates."
        )
