"""Which columns of a wide table are periods, and the dates they name.

A column is a period when its name reads as a date on its own: a date cell in an Excel header, 2024-01-31,
2024-01, Jan-24, Jan 2024, 2024 Q1, 2024-W05, 01/2024, 31/01/2024, 20240131, or a year (2024).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import MONTH_NUMBERS, coerce_datetime, period_label_dates, shorten

MIN_PERIODS = 2  # one date-named column is a coincidence; two or more are a layout
YEAR = re.compile(r"\d{4}")
DATE_KEY = re.compile(r"\d{8}")
DAY_MONTH_YEAR = re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-](?:\d{2}|\d{4})")
NAMED_MONTH = re.compile(r"(?:\d{1,2}[-/ ])?(?P<month>[^\W\d_]{3,9})\.?[-/ ']?(?:\d{4}|\d{2})")  # Jan 2024, 31-Jan-24
ISO_START = re.compile(r"\d{4}-\d{1,2}")
# Periods numbered without their year ('Wk 5', 'Week 12', 'Q1', 'P3'); month names alone are MONTH_NUMBERS' keys.
UNDATED = re.compile(r"(?:w|wk|week|q|qtr|quarter|p|period)\.?\s*-?\s*\d{1,2}", re.IGNORECASE)


def reads_as_period(name: Any) -> bool:
    """Whether a column name reads as a date or period on its own (see the module docstring)."""
    if isinstance(name, (dt.date, np.datetime64, pd.Period)):  # Excel date cells in a header; a Timestamp is a date
        return True
    if isinstance(name, (int, np.integer)) and not isinstance(name, (bool, np.bool_)):
        name = str(name)
    if not isinstance(name, str):
        return False
    text = name.strip()
    if YEAR.fullmatch(text):
        return 1900 <= int(text) <= 2100
    if DATE_KEY.fullmatch(text):
        return pd.notna(pd.to_datetime(text, format="%Y%m%d", errors="coerce"))
    if DAY_MONTH_YEAR.fullmatch(text) or period_label_dates(pd.Series([text], dtype="string")) is not None:
        return True
    named = NAMED_MONTH.fullmatch(text)
    if named:
        return named["month"].lower() in MONTH_NUMBERS
    return bool(ISO_START.match(text)) and pd.notna(pd.to_datetime(text, format="ISO8601", errors="coerce"))


def period_columns(frame: pd.DataFrame) -> list:
    """The columns of `frame` named as periods, when there are at least MIN_PERIODS of them; else []."""
    found = [column for column in frame.columns if reads_as_period(column)]
    return found if len(found) >= MIN_PERIODS else []


def require_periods(data: pd.DataFrame) -> list:
    """The period columns, refusing a table without them (naming month names and numbered periods written without
    a year)."""
    periods = period_columns(data)
    if not periods:
        months = [str(c) for c in data.columns if str(c).strip().lower()[:3] in MONTH_NUMBERS]
        numbered = [str(c) for c in data.columns if UNDATED.fullmatch(str(c).strip())]
        hint = (f" Month names without a year ({shorten(months, 3)}) are not enough: write them as Jan-24 or "
                "2024-01.") if months else ""
        hint += (f" Periods numbered without a year ({shorten(numbered, 3)}) are not enough: write weeks as "
                 "2024-W05, quarters as 2024 Q1, months as 2024-03.") if numbered else ""
        raise DataContractError(
            f"The wide table has no columns named as periods (expected names such as 2024-01, Jan-24 or 2024 Q1); "
            f"its columns are {shorten(map(str, data.columns), 12)}.{hint}")
    return periods


def period_dates(periods: Sequence) -> pd.Series:
    """The period columns' names as dates, read as one calendar; refused when two name the same period."""
    from bizai.finance.frequency import calendar_test

    texts = pd.DataFrame({"period": [period_text(name) for name in periods]},
                         index=pd.Index([str(name) for name in periods]))
    try:
        dates = coerce_datetime(texts, "period", "wide table's header", plausible=calendar_test())
    except DataContractError as exc:
        why = ("each reads both day first and month first, and both readings make a calendar"
               if "ambiguous" in str(exc) else "they are not all written the one way")
        raise DataContractError(
            f"The wide table's period columns ({shorten(texts.index, 4)}) do not read as one calendar: {why}. Name "
            "every period column the one way, such as 2024-01-31, 2024-01 or Jan-24.") from None
    repeated = dates.duplicated(keep=False)
    if repeated.any():
        raise DataContractError(f"Columns {shorten(texts.index[repeated.to_numpy()])} of the wide table name the same "
                                "period; keep one.")
    return dates.reset_index(drop=True)


def period_text(name: Any) -> str:
    """A period column's name as text that the date reader takes (Excel date cells as ISO dates)."""
    if isinstance(name, pd.Period):
        return name.to_timestamp().isoformat()
    if isinstance(name, (dt.date, np.datetime64)):
        return pd.Timestamp(name).isoformat()
    return str(name).strip()

