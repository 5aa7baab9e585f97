"""Column contracts and validators, written once. Every error names the column, rows or values at fault
and says what was expected, so a user can fix the input without reading our code."""

from __future__ import annotations

import calendar
import difflib
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from bizai.errors import BizaiWarning, DataContractError

# Internal names of the canonical forecasting panel. Callers never see them: outputs use their names.
SERIES = "__series"
TIME = "__time"
TARGET = "__target"
RESERVED = (SERIES, TIME, TARGET)


PACKAGE_FOLDER = os.path.dirname(os.path.abspath(__file__))


def warn_at_caller(message: str) -> None:
    """A BizaiWarning (a UserWarning) shown at the first line outside bizai (the caller's fit or predict), however
    deep in the library it was found, so it reads as about the caller's data, not bizai's code."""
    frame, level = sys._getframe(1), 2  # stacklevel 2: the function that called this one
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(PACKAGE_FOLDER + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, BizaiWarning, stacklevel=level)


def shorten(values: Iterable[object], limit: int = 5, show: Callable[[object], str] | None = None) -> str:
    """'a, b, c (and 12 more)': a readable list of offenders (each as `show` writes it; default `readable`)."""
    values = list(values)
    shown = ", ".join((show or readable)(v) for v in values[:limit])
    return shown + (f" (and {len(values) - limit} more)" if len(values) > limit else "")


def readable(value: object) -> str:
    """One offender as a message shows it: text quoted, a midnight timestamp as its date (2024-03-01)."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return str(value.date())
    return str(value)


def rows_at(frame: pd.DataFrame, mask) -> str:
    """The rows where `mask` holds, for a message: by the frame's index labels, or by position (counted from 0)
    when labels repeat (frames concatenated without ignore_index), where "rows 0, 0" would not say which rows."""
    if frame.index.is_unique:
        return shorten(list(frame.index[mask]))
    positions = np.flatnonzero(np.asarray(mask, dtype=bool)).tolist()
    return f"{shorten(positions)} (positions counted from 0: the index repeats labels)"


ID_JOIN = " / "  # an entity named by several id columns, as every message, chart, page and statement shows it: '1 / 5'


def row_labels(rows: pd.DataFrame) -> list[str]:
    """Readable labels of rows in the caller's id and time columns ('S001 2024-03-01'), for messages."""
    return rows.astype(str).agg(" ".join, axis=1).tolist()


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """Normalise a column argument that may be one name, several names or None."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def require_non_empty(frame: pd.DataFrame, what: str) -> None:
    """Refuse an empty frame, naming what it is."""
    if len(frame) == 0:
        raise DataContractError(f"The {what} frame is empty: expected at least one row.")


def did_you_mean(name: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the closest of `choices` to a misspelt `name`, or '' when none is close. A name
    that differs only in case or surrounding spaces ('y' for 'Y', 'sales ' for 'sales') is the closest, however
    short (difflib's ratio misses those)."""
    choices = [str(c) for c in choices]
    same_letters = [c for c in choices if c.strip().casefold() == str(name).strip().casefold()]
    match = same_letters[:1] or difflib.get_close_matches(str(name), choices, n=1, cutoff=cutoff)
    return f" (did you mean {match[0]!r}?)" if match else ""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Every column must exist once; suggest the closest existing name for each missing one, and say when it is
    the frame's index (a frame indexed by date or id) or when the frame is wide (one column per period)."""
    available = [str(c) for c in frame.columns]
    wanted = list(dict.fromkeys(columns))
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        index_names = [name for name in frame.index.names if name is not None]
        hints = [f"{name!r}" + (" (it is the frame's index: call .reset_index() first)" if name in index_names
                                else listed_in_one_string(name, available) or did_you_mean(name, available))
                 for name in missing]
        from bizai.wide import wide_hint  # imports this module

        raise DataContractError(
            f"The {what} frame is missing column(s) {', '.join(hints)}. Available columns: {shorten(available, 20)}."
            + wide_hint(frame, missing)
        )
    doubled = [c for c in wanted if available.count(str(c)) > 1]
    if doubled:
        raise DataContractError(f"The {what} frame has more than one column named {shorten(doubled)}; "
                                "give each column a distinct name.")


def listed_in_one_string(name: object, available: list[str]) -> str:
    """' (several columns in one string: pass a list, [...])' when `name` is columns joined by commas ('a,b', as the
    CLI takes them); else ''."""
    parts = [part.strip() for part in str(name).split(",")]
    if len(parts) > 1 and all(part in available for part in parts):
        return f" (several columns in one string: pass a list, {parts!r})"
    return ""


def forbid_reserved(columns: Iterable[str]) -> None:
    """Refuse columns whose names bizai uses internally."""
    clash = [c for c in columns if c in RESERVED]
    if clash:
        raise DataContractError(f"Column name(s) {shorten(clash)} are reserved by bizai; please rename them.")


def forbid_taken_names(named: Iterable[tuple[str, str]], taken: dict[str, str], pattern: str | None = None,
                       pattern_means: str = "") -> None:
    """Refuse caller columns (`named`: (role, column) pairs) that share a name with a column bizai adds beside them
    (`taken`: name -> what it holds; or any name matching `pattern`, meaning `pattern_means`): a frame would carry
    two columns of one name, and joins and reads of it pick the wrong one."""
    for role, column in named:
        meaning = taken.get(column) or (pattern_means if pattern and re.fullmatch(pattern, str(column)) else None)
        if meaning:
            raise DataContractError(
                f"The {role} {column!r} shares its name with a column bizai adds beside it ({column!r}: {meaning}); "
                "rename that column before fitting.")


# How numbers are written as text in files (bizai.io reads such columns as numbers).
# 1.234,5 or 1234,5 or 12: a number written with a decimal comma (and dots between thousands)
DECIMAL_COMMA_NUMBER = r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"
# 1,234.5 or 1234.5 or 12: a number written with commas between thousands (quoted in a comma-separated file)
THOUSANDS_COMMA_NUMBER = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
# 1,234.5 or 1,234,567: commas that can only be thousands. '1,250' alone could be a decimal comma (Google Sheets
# quotes '1,25' in a comma-separated file in European locales), so a column is read as numbers only with one of these.
THOUSANDS_ONLY = r"^[+-]?\d{1,3}(?:,\d{3})+\.\d+$|^[+-]?\d{1,3}(?:,\d{3}){2,}(?:\.\d+)?$"


def coerce_numeric(frame: pd.DataFrame, column: str, what: str, allow_missing: bool = True,
                   missing_hint: str = "Drop those rows or fill them.") -> pd.Series:
    """Return `column` as float64; raise naming the rows whose values are not numbers (or missing, unless
    `allow_missing`; `missing_hint` says what to do about them)."""
    series = frame[column]
    if pd.api.types.is_bool_dtype(series):
        series = series.astype("float64")
    if not pd.api.types.is_numeric_dtype(series):
        converted = pd.to_numeric(series, errors="coerce")
        bad = converted.isna() & series.notna()
        if bad.any():
            rows = rows_at(frame, bad)
            examples = shorten(series[bad].astype(str).unique().tolist(), 3)
            text = series[bad].astype(str).str.strip()
            written = text.str.contains(DECIMAL_COMMA_NUMBER) | text.str.contains(THOUSANDS_COMMA_NUMBER)
            hint = (" They look like numbers with decimal commas or thousands separators, written as text: "
                    "bizai.io.read_table reads them in a CSV or an Excel sheet when some value's commas can only be "
                    "thousands (1,234.5 or 1,234,567); else give pandas.read_csv its thousands= (and decimal=) marks, "
                    "or format the cells as numbers in Excel." if written.all() else "")
            from bizai.amounts import amounts as finance_amounts  # imports this module

            distinct = text.unique().tolist()
            if not hint and (finance_amounts(distinct) or finance_amounts(distinct, decimal_comma=True)):
                hint = (" They look like amounts in a finance format (currency symbols, parentheses or a trailing "
                        "minus for negatives, percentages): bizai.io.read_table reads them as numbers in a CSV or an Excel "
                        "sheet.")
            raise DataContractError(
                f"Column {column!r} of the {what} frame must be numeric, but rows {rows} hold "
                f"non-numeric values such as {examples}.{hint}"
            )
        series = converted
    series = series.astype("float64")
    if not allow_missing and series.isna().any():
        rows = rows_at(frame, series.isna())
        raise DataContractError(
            f"Column {column!r} of the {what} frame has missing values (NaN) in rows {rows}; "
            f"expected a number in every row. {missing_hint}"
        )
    if np.isinf(series).any():
        rows = rows_at(frame, np.isinf(series))
        raise DataContractError(f"Column {column!r} of the {what} frame has infinite values in rows {rows}.")
    return series


# A clock time followed by a UTC offset ("...T01:00:00+02:00", "...Z"): the offset is dropped, the wall-clock
# time kept, so local timestamps across a daylight-saving change stay on their business calendar.
UTC_OFFSET = r"^(.*\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def coerce_datetime(frame: pd.DataFrame, column: str, what: str,
                    plausible: Callable[[pd.Series], bool] | None = None) -> pd.Series:
    """Parse `column` as timezone-naive timestamps (local wall-clock time); raise naming the rows at fault.

    Text dates must share one format: ISO dates (2024-01-31) always; otherwise one day/month order that reads
    every value. Mixed formats (31/01/2024 among 2024-01-31) are refused. When every value reads both as dd/mm and
    as mm/dd with different results (monthly dates on the 1st: 01/02/2024 ... 01/12/2024), the order is taken only
    where exactly one reading passes `plausible` (the caller's calendar test, given the distinct dates of a
    reading; finance.frequency.calendar_test) and a warning says so; else it is refused rather than guessed.
    Numbers are not dates, except whole numbers that all read as yyyymmdd (20240131, a warehouse's date key).
    A pandas Period column reads as each period's start.
    """
    series = frame[column]
    if isinstance(series.dtype, pd.PeriodDtype):  # each period by its first moment (a W-SUN week: its Monday)
        series = series.dt.to_timestamp()
    if pd.api.types.is_datetime64_any_dtype(series):
        parsed = series
        if getattr(parsed.dt, "tz", None) is not None:
            parsed = parsed.dt.tz_localize(None)
        missing = parsed.isna()
        if missing.any():
            raise DataContractError(f"Column {column!r} of the {what} frame has missing dates in rows "
                                    f"{rows_at(frame, missing)}; expected a date in every row.")
        return in_nanoseconds(parsed, frame, column, what)
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return numbers_as_dates(frame, column, what, plausible)
    text = series.astype("string").str.strip()
    missing = text.isna() | (text == "")
    if missing.any():
        raise DataContractError(f"Column {column!r} of the {what} frame has missing dates in rows "
                                f"{rows_at(frame, missing)}; expected a date in every row.")
    unique = pd.Series(pd.unique(text), dtype="string")
    parsed_unique = parse_date_texts(unique.str.replace(UTC_OFFSET, r"\1", regex=True), frame, text, column, what,
                                     plausible)
    lookup = pd.Series(parsed_unique.to_numpy(), index=unique.to_numpy())
    return in_nanoseconds(pd.Series(lookup.loc[text.to_numpy()].to_numpy(), index=frame.index, name=column), frame,
                          column, what)


def in_nanoseconds(parsed: pd.Series, frame: pd.DataFrame, column: str, what: str) -> pd.Series:
    """`parsed` as bizai's nanosecond timestamps; raise naming the rows whose dates lie outside the years those hold
    (a warehouse's 9999-12-31 for 'open', a text date read without its year), not with pandas' overflow error."""
    try:
        return parsed.astype("datetime64[ns]")
    except pd.errors.OutOfBoundsDatetime:
        outside = ((parsed < pd.Timestamp.min) | (parsed > pd.Timestamp.max)).to_numpy()
        shown = shorten(frame[column][outside].astype(str).unique().tolist(), 3)
        raise DataContractError(
            f"Column {column!r} of the {what} frame has dates outside the years {pd.Timestamp.min.year + 1}-"
            f"{pd.Timestamp.max.year - 1} that bizai holds, in rows {rows_at(frame, outside)} ({shown}): drop "
            "placeholder dates such as 9999-12-31, or write the full year.") from None


def on_clock(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """`frame` with `columns` as bizai's naive datetimes, whatever type the caller's gave them back (a Period, a time
    zone, a unit: frames.date_columns), so results can be charted, summed and compared with the history again."""
    return frame.assign(**{column: coerce_datetime(frame, column, "forecast") for column in columns})


def numbers_as_dates(frame: pd.DataFrame, column: str, what: str,
                     plausible: Callable[[pd.Series], bool] | None = None) -> pd.Series:
    """A numeric `column` as dates when it holds yyyymmdd date keys (date_keys), yyyymm months (month_keys), or
    Excel's serial dates (excel_serial_dates) that pass the caller's calendar test `plausible` (with a warning);
    else raise naming what is wrong."""
    series = frame[column]
    keys = date_keys(series)
    months = month_keys(series) if keys is None else None
    if months is not None:
        return months
    if keys is None:
        serials = excel_serial_dates(series)
        if serials is not None and plausible is not None and plausible(serials):
            first = series.iloc[0]
            warn_at_caller(
                f"Column {column!r} of the {what} frame holds numbers (e.g. {readable(first)}); read as Excel's serial "
                f"dates ({readable(first)} is {readable(serials.iloc[0])}), which put them on a regular calendar. "
                "Format the column as dates in Excel before saving to leave nothing to guess.")
            return serials
        serial_hint = (f" They could be Excel's serial dates ({readable(series.iloc[0])} is "
                       f"{readable(serials.iloc[0])}) but do not step on a regular calendar: format the column as "
                       "dates in Excel and save again." if serials is not None else "")
        raise DataContractError(
            f"Column {column!r} of the {what} frame holds numbers (e.g. {shorten(series.dropna().unique()[:3])}), "
            "not dates; expected dates such as 2024-01-31 (whole numbers are read as dates only when every one is "
            "a yyyymmdd date such as 20240131, a yyyymm month such as 202401, or an Excel serial date on a regular "
            "calendar)." + serial_hint
        )
    if series.isna().any():
        raise DataContractError(f"Column {column!r} of the {what} frame has missing dates in rows "
                                f"{rows_at(frame, series.isna())}; expected a date in every row.")
    bad = keys.isna()
    if bad.any():
        raise DataContractError(
            f"Column {column!r} of the {what} frame holds dates written as yyyymmdd numbers (e.g. "
            f"{shorten(series[~bad].unique()[:2])}), but rows {rows_at(frame, bad)} hold "
            f"{shorten(series[bad].unique()[:3])}, which are not such dates; expected a date in every row."
        )
    return keys


EXCEL_EPOCH = pd.Timestamp("1899-12-30")  # Excel's day 0 (its day 60 is a 29 February 1900 that never was)
EXCEL_SERIALS = (25_569, 73_051)  # 1970-01-01 to 2100-01-01: above the epoch days of any date before 2040


def excel_serial_dates(series: pd.Series) -> pd.Series | None:
    """Numbers as Excel's serial dates (days since 1899-12-30, a fraction being the time of day, to the second)
    when every one lies in EXCEL_SERIALS; else None. A date column formatted as General or Number reaches a CSV
    that way. The range keeps out counts, years, yyyymmdd keys and epoch seconds; the caller also asks for a
    regular calendar."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series) or series.isna().any():
        return None
    values = series.to_numpy(dtype="float64")
    if not len(values) or not ((values >= EXCEL_SERIALS[0]) & (values < EXCEL_SERIALS[1])).all():
        return None
    offsets = pd.to_timedelta(np.round(values * 86_400), unit="s")
    return pd.Series(EXCEL_EPOCH + offsets, index=series.index, name=series.name).astype("datetime64[ns]")


def date_keys(series: pd.Series) -> pd.Series | None:
    """Numbers written as yyyymmdd (20240131) as dates, NaT where a value is not such a date; None when fewer
    than half of them are (then they are counts, years or epoch seconds, not date keys).

    Eight digits that make a calendar date in the years pandas' timestamps hold (1678-2261) are not counts, prices
    or epoch seconds (those reach eight digits only in 1970-1973), so reading them as dates guesses nothing."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return None
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    whole = np.isfinite(values) & (np.mod(values, 1) == 0) & (values >= 16_780_101) & (values <= 22_611_231)
    text = pd.Series(np.where(whole, values, 0).astype(np.int64), index=series.index).astype(str).where(whole)
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce").astype("datetime64[ns]").rename(series.name)
    return parsed if parsed.notna().sum() * 2 >= len(parsed) > 0 else None


def month_keys(series: pd.Series) -> pd.Series | None:
    """Whole numbers written as yyyymm (202401: an ERP's or a warehouse's period key) as each month's first day;
    None unless every one is such a month. Six digits with a year of 1900-2199 and a month of 01-12 are no Excel
    serial date (those have five digits until 2173), count or yyyymmdd key, so reading them guesses nothing."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series) or series.isna().any():
        return None
    values = series.to_numpy(dtype="float64")
    if not len(values) or not ((np.mod(values, 1) == 0) & (values >= 190_001) & (values <= 219_912)).all():
        return None
    year, month = (values // 100).astype(int), (values % 100).astype(int)
    if not ((month >= 1) & (month <= 12)).all():
        return None
    return pd.Series(pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1})).to_numpy(),
                     index=series.index, name=series.name).astype("datetime64[ns]")


# Months and quarters as finance and statistics write them, each read as its first day. A label has no day, so
# 'Jan-24' (Excel's mmm-yy) is January 2024, not the 24th of a January of no year.
MONTH_NUMBERS = {name.lower(): number for number in range(1, 13)
                 for name in (calendar.month_abbr[number], calendar.month_name[number])} | {"sept": 9}
PERIOD_LABELS = (
    re.compile(r"(?P<year>\d{4})\s*[-/ ]?\s*Q(?P<quarter>[1-4])", re.IGNORECASE),  # 2024Q1, 2024-Q1, 2024 Q1
    re.compile(r"Q(?P<quarter>[1-4])\s*[-/ ]?\s*(?P<year>\d{4}|\d{2})", re.IGNORECASE),  # Q1 2024, Q1-2024, Q1-24
    re.compile(r"(?P<year>\d{4})M(?P<month>\d{1,2})", re.IGNORECASE),  # 2024M01: statistics offices
    re.compile(r"(?P<year>(?:19|20|21)\d{2})(?P<month>\d{2})"),  # 202401: an ERP's period key read as text
    re.compile(r"(?P<month>\d{1,2})[./-](?P<year>\d{4})"),  # 01.2024, 1/2024, 01-2024
    re.compile(r"(?P<month>[^\W\d_]{3,9})\.?[-/ ']?(?P<year>\d{2})"),  # Jan-24, Jan 24, Sept'24
)


# ISO 8601 weeks as retail calendars write them: 2024-W05, 2024W05, 2024-W05-3 (a weekday, Monday = 1).
ISO_WEEK = re.compile(r"(?P<year>\d{4})\s*-?\s*W(?P<week>\d{1,2})(?:-?(?P<day>[1-7]))?", re.IGNORECASE)


def period_label_dates(values: pd.Series) -> pd.Series | None:
    """Month or quarter labels (PERIOD_LABELS), every value written the one way, as each period's first day, or ISO
    weeks (ISO_WEEK) as their Monday (or the weekday given), NaT for a week 53 that the year lacks; None when they
    are not such labels. Two-digit years are 2000-2068 and 1969-1999, as strptime's %y reads them."""
    weeks = values.str.extract(f"^(?:{ISO_WEEK.pattern})$", flags=ISO_WEEK.flags)
    if weeks[["year", "week"]].notna().all(axis=None):
        text = weeks["year"] + "-W" + weeks["week"].str.zfill(2) + "-" + weeks["day"].fillna("1")
        return pd.to_datetime(text, format="%G-W%V-%u", errors="coerce").astype("datetime64[ns]")
    for pattern in PERIOD_LABELS:
        parts = values.str.extract(f"^(?:{pattern.pattern})$", flags=pattern.flags)
        if parts.isna().any(axis=None):
            continue
        year = parts["year"].astype(int)
        year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
        if "quarter" in parts:
            month = 3 * parts["quarter"].astype(int) - 2
        elif parts["month"].str.isdigit().all():
            month = parts["month"].astype(int)
        else:
            month = parts["month"].str.lower().map(MONTH_NUMBERS)
        if month.isna().any() or not month.between(1, 12).all():
            continue
        return pd.to_datetime(pd.DataFrame({"year": year, "month": month.astype(int), "day": 1}))
    return None


def parse_date_texts(values: pd.Series, frame: pd.DataFrame, text: pd.Series, column: str, what: str,
                     plausible: Callable[[pd.Series], bool] | None = None) -> pd.Series:
    """Parse distinct date texts with one format for all; see coerce_datetime for what is refused."""
    from pandas.tseries.api import guess_datetime_format

    def rows_of(bad_values) -> str:
        return rows_at(frame, text.isin(list(bad_values)))

    iso = pd.to_datetime(values, format="ISO8601", errors="coerce")
    if iso.notna().all():
        return iso
    labels = period_label_dates(values)
    if labels is not None:
        missing = values[labels.isna().to_numpy()]
        if len(missing):
            raise DataContractError(
                f"Column {column!r} of the {what} frame names weeks that do not exist in rows {rows_of(missing)} "
                f"({shorten(missing.tolist(), 3)}): only years that start or end on a Thursday have an ISO week 53.")
        return labels
    failed = values[iso.isna()]
    free_form = pd.to_datetime(values, format="mixed", errors="coerce")  # dateutil: reads "Jan 2024" too
    not_dates = failed[free_form[iso.isna()].isna().to_numpy()]
    if len(not_dates):
        raise DataContractError(
            f"Column {column!r} of the {what} frame has values that are not dates in rows {rows_of(not_dates)} "
            f"(for example {shorten(not_dates.head(3).tolist(), 3)}); expected dates such as 2024-01-31."
        )
    if iso.notna().any():
        raise DataContractError(
            f"Column {column!r} of the {what} frame mixes date formats: rows {rows_of(failed)} hold "
            f"{shorten(failed.head(3).tolist(), 3)} while other rows hold ISO dates such as {values[iso.notna()].iloc[0]!r}. "
            "Write every date in one format (YYYY-MM-DD is safest)."
        )
    formats = dict.fromkeys(f for f in (guess_datetime_format(values.iloc[0], dayfirst=False),
                                         guess_datetime_format(values.iloc[0], dayfirst=True)) if f)
    readings = {f: pd.to_datetime(values, format=f, errors="coerce") for f in formats}
    complete = {f: r for f, r in readings.items() if r.notna().all()}
    if len(complete) > 1 and not all(r.equals(next(iter(complete.values()))) for r in complete.values()):
        first, second = list(complete)[:2]
        on_calendar = [f for f, reading in complete.items() if plausible is not None and plausible(reading)]
        if len(on_calendar) == 1:
            chosen = on_calendar[0]
            warn_at_caller(
                f"Dates in column {column!r} of the {what} frame read both as {first} and as {second} (e.g. "
                f"{values.iloc[0]!r}); read as {chosen}, the only order that puts them on the data's calendar. "
                "Write them as YYYY-MM-DD to leave nothing to guess.")
            return complete[chosen]
        raise DataContractError(
            f"Dates in column {column!r} of the {what} frame are ambiguous: every value reads both as {first} and as "
            f"{second} (e.g. {values.iloc[0]!r}), and {'both orders' if on_calendar else 'neither order'} puts them on "
            "a regular calendar. Write them as YYYY-MM-DD."
        )
    if complete:
        return next(iter(complete.values()))
    shapes = values.str.replace(r"\d+", "9", regex=True).str.replace(r"[^\W\d_]+", "a", regex=True)
    if not readings and shapes.nunique() == 1:
        # No strptime format fits (e.g. "Jan 2024"), but every value is written the same way: read them freely.
        return free_form
    best_format, best = max(readings.items(), key=lambda item: int(item[1].notna().sum()))
    failed = values[best.isna()]
    raise DataContractError(
        f"Column {column!r} of the {what} frame has values that are not dates in the format {best_format} of the "
        f"others, in rows {rows_of(failed)} (for example {shorten(failed.head(3).tolist(), 3)}). Write every date in "
        "one format (YYYY-MM-DD is safest)."
    )


def distant_date_rows(times: pd.Series, minimum_gap: pd.Timedelta = pd.Timedelta(days=366)) -> pd.Series:
    """Rows whose date sits far from the bulk of the data, typically a mistyped year (2204 for 2024).

    A group of dates is distant when a gap wider than both `minimum_gap` and the time span of the rest separates
    it from more rows than it holds. Checked repeatedly, so a stray date at each end is found.
    """
    flagged = np.zeros(len(times), dtype=bool)  # by position: the caller's index may repeat labels
    for _ in range(5):
        remaining = times[~flagged]
        unique = np.sort(remaining.unique())
        if len(unique) < 3:
            break
        gaps = np.diff(unique)
        split = int(np.argmax(gaps))
        left = remaining <= unique[split]
        minority = left if left.sum() < (~left).sum() else ~left
        majority = remaining[~minority]
        if gaps[split] <= max(pd.Timedelta(majority.max() - majority.min()), minimum_gap):
            break
        flagged[np.flatnonzero(~flagged)[minority.to_numpy()]] = True
    return pd.Series(flagged, index=times.index)


WHOLE_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)")


def value_kind(value: object) -> str:
    """'number', 'text' or 'other': the kind of an id value, for comparing ids of the same kind."""
    if isinstance(value, bool | np.bool_):
        return "other"
    if isinstance(value, int | float | np.integer | np.floating):
        return "number"
    if isinstance(value, str):
        return "text"
    return "other"


def dtype_kind(values: pd.Series) -> str | None:
    """'number' or 'text' when the dtype alone says so; None for object columns, whose values must be looked at."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return "number"
    if pd.api.types.is_string_dtype(values) and not pd.api.types.is_object_dtype(values):
        return "text"
    return None


def require_one_id_kind(values: pd.Series, column: str, what: str) -> str:
    """Ids are labels of one kind: refuse a column mixing numbers and text (7 and "7" would look alike)."""
    if dtype_kind(values) is not None:
        return dtype_kind(values)
    kinds = values.dropna().map(value_kind)
    found = list(dict.fromkeys(kinds))
    if len(found) > 1 or found == ["other"]:
        examples = [values.dropna()[kinds == kind].iloc[0] for kind in found]
        raise DataContractError(
            f"Id column {column!r} of the {what} frame mixes kinds of values ({', '.join(found)}; e.g. "
            f"{shorten(examples)}). Ids are labels: give them all as text (or all as whole numbers)."
        )
    return found[0] if found else "text"


def align_id_kind(values: pd.Series, reference_kind: str, column: str, what: str, strict: bool = True) -> pd.Series:
    """`values` as ids of `reference_kind` (the kind seen at fit), converting only where nothing can change:
    whole numbers to and from their text ("7" <-> 7, never "007" -> 7). With `strict`, a column mixing kinds or an
    id that cannot be converted exactly is an error; otherwise such ids stay as they are (and match nothing)."""
    kind = require_one_id_kind(values, column, what) if strict else dtype_kind(values)
    if kind == reference_kind:
        return values
    if reference_kind == "text":
        def convert(value):
            if value_kind(value) == "number" and float(value).is_integer():
                return str(int(value))
            return value
    else:
        def convert(value):
            if isinstance(value, str) and WHOLE_NUMBER.fullmatch(value):
                return int(value)
            return value
    converted = values.astype(object).map(convert)
    bad = converted.map(value_kind) != reference_kind
    if strict and bad.any():
        raise DataContractError(
            f"Id column {column!r} of the {what} frame holds ids such as {shorten(values[bad].head(3).tolist(), 3)}, "
            f"but the model was fit on {reference_kind} ids, and these cannot be converted without changing them. "
            "Give the ids as they were at fit time."
        )
    if not bad.any():
        return converted.astype("int64") if reference_kind == "number" else converted.astype("string")
    return converted


def require_unique(frame: pd.DataFrame, keys: list[str], what: str) -> None:
    """No two rows may share the same key, e.g. (store_id, month)."""
    duplicated = frame.duplicated(subset=keys, keep=False)
    if duplicated.any():
        first = frame.loc[duplicated, keys].iloc[0]
        rows = rows_at(frame, duplicated & frame[keys].eq(first).all(axis=1))
        raise DataContractError(
            f"The {what} frame has {int(duplicated.sum())} rows sharing the same ({', '.join(keys)}), for example "
            f"{', '.join(f'{key}={shorten([value])}' for key, value in first.items())} (rows {rows}). Expected one "
            "row per key: aggregate or drop the duplicates."
        )
