"""A wide sheet's totals: a Total column, a year among months, Total and subtotal rows. Read as data they would be
forecast as one more period or store and counted twice in every sum, so they are left out, with a warning."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from bizai.schema import rows_at, shorten, warn_at_caller
from bizai.wide.periods import YEAR

TOTAL_NAME = re.compile(r"(?:grand\s+)?(?:total|sum|ytd|year[\s-]+to[\s-]+date|full[\s-]+year|fy\s*'?\d*)\b.*", re.I)
TOTAL_LABEL = re.compile(r"(?:grand\s+)?(?:sum|all)|.*\b(?:sub)?totals?\b.*", re.I)  # Total, North subtotal


def named_as_total(column: object) -> bool:
    """Whether a column's name says it totals the others (Total, YTD, FY 2024)."""
    return bool(TOTAL_NAME.fullmatch(str(column).strip()))


def without_total_columns(data: pd.DataFrame, periods: list) -> tuple[pd.DataFrame, list]:
    """`data` and its periods without the columns that total a row: a year among finer periods (2023 beside
    Jan-24), a numeric column named Total, YTD or FY; warned about, as they are left out."""
    years = [column for column in periods if YEAR.fullmatch(str(column).strip())]
    years = years if len(years) < len(periods) else []
    named = [column for column in data.columns if column not in periods and named_as_total(column)
             and pd.api.types.is_numeric_dtype(data[column])]
    if years or named:
        warn_at_caller(f"Column(s) {shorten(map(str, [*named, *years]))} of the wide table hold totals (a row's sum, "
                       "or a whole year among finer periods) and are left out: bizai sums periods itself.")
    return data.drop(columns=[*named, *years]), [p for p in periods if p not in years]


def without_total_rows(data: pd.DataFrame, labels: list, periods: list, line_col: str | None) -> pd.DataFrame:
    """`data` without the rows labelled as totals (Total, Grand total, North subtotal) when each equals, period by
    period, the sum of the other rows of its line, or of those since the total before it (a block's subtotal):
    left out with a warning. A row so labelled that adds up to neither is kept and warned about, as it would be
    forecast as one more entity and counted twice in any sum."""
    labelled = pd.Series(False, index=data.index)
    named = None
    for column in labels:
        if column == line_col:
            continue
        total = data[column].astype("string").str.strip().str.fullmatch(TOTAL_LABEL.pattern, case=False)
        total = total.fillna(False).astype(bool)
        if total.any() and named is None:
            named = f"{data.loc[total, column].iloc[0]!r} in column {column!r}"
        labelled |= total
    if not labelled.any():
        return data
    values = data[periods].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    groups = data[line_col].to_numpy() if line_col is not None else np.zeros(len(data))
    is_total, position_of = labelled.to_numpy(), np.arange(len(data))
    adds_up = []
    for position in np.flatnonzero(is_total):
        same = groups == groups[position]
        others = same & ~is_total
        before = np.flatnonzero(same & is_total & (position_of < position))
        block = others & (position_of > (before[-1] if len(before) else -1)) & (position_of < position)
        adds_up.append(any(np.allclose(np.nansum(values[rows], axis=0), np.nan_to_num(values[position]), rtol=1e-6,
                                       atol=1e-6) for rows in (others, block) if rows.any()))
    rows = rows_at(data, labelled)
    if all(adds_up):
        warn_at_caller(f"Rows {rows} of the wide table are labelled {named} and equal the sum of the rows they total: "
                       "left out (bizai sums entities itself).")
        return data[~is_total]
    warn_at_caller(f"Rows {rows} of the wide table are labelled {named}, but not all add up to the rows above them: "
                   "kept, though a sheet's total row is read as one more entity and counted twice in any sum; drop it "
                   "if it is one.")
    return data

