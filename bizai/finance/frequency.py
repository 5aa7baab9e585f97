"""The frequency of a panel's dates: checked when given, inferred when not, and hinted when it looks wrong.

pandas infers a frequency only from a gap-free run of dates, and real panels have gaps (a closed week, business
days around a bank holiday, a month with no sales). When the longest series is not gap-free, the frequency is taken
from the most common step between a series' consecutive dates: of the calendar frequencies with that step, the one
on which every date lies and that spans the fewest periods (business days before calendar days).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.errors import DataContractError
from bizai.schema import SERIES, TARGET, TIME, shorten, warn_at_caller

log = logging.getLogger(__name__)

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def most_common_step(times: pd.Series, series: pd.Series) -> pd.Timedelta | None:
    """The most common positive step between consecutive dates of one series (None when no series has two)."""
    order = np.lexsort((times.to_numpy(), series.to_numpy()))
    stamps, codes = times.to_numpy()[order], series.to_numpy()[order]
    steps = np.diff(stamps)[(codes[1:] == codes[:-1])]
    steps = steps[steps > np.timedelta64(0)]
    if not len(steps):
        return None
    values, counts = np.unique(steps, return_counts=True)
    return pd.Timedelta(values[counts.argmax()])


def frequencies_with_step(step: pd.Timedelta) -> list[str]:
    """Calendar frequencies whose periods are about `step` long (a month is 28 to 31 days, half a month 13 to 16)."""
    days = step / pd.Timedelta(days=1)
    if days < 1:
        return [to_offset(step).freqstr]
    found = []
    if days == 1:
        found += ["B", "D"]
    if days % 7 == 0:
        weeks = int(days // 7)
        found += [f"{'' if weeks == 1 else weeks}W-{day}" for day in WEEKDAYS]
    if 13 <= days <= 16:
        found += ["SMS", "SME"]
    if 28 <= days <= 31:
        found += ["MS", "ME", "BMS", "BME"]
    if 89 <= days <= 92:
        found += [f"Q{edge}-{month}" for edge in "SE" for month in MONTHS[:3]] + ["BQS", "BQE"]
    if 365 <= days <= 366:
        found += [f"Y{edge}-{month}" for edge in "SE" for month in MONTHS]
    return found or ([f"{int(days)}D"] if days.is_integer() else [])


def step_text(step: pd.Timedelta) -> str:
    """'7 days', or pandas' text for steps that are not whole days."""
    days = step / pd.Timedelta(days=1)
    return f"{int(days)} day{'s' if days != 1 else ''}" if days.is_integer() else str(step)


def dates_off(dates: pd.DatetimeIndex, freq: str) -> pd.DatetimeIndex:
    """The dates that do not lie on `freq`."""
    offset = to_offset(freq)
    return dates[[not offset.is_on_offset(t) for t in dates]]


def frequency_from_steps(times: pd.Series, series: pd.Series) -> tuple[str | None, str]:
    """(the frequency with the most common step that every date lies on, spanning the fewest periods; or None and
    why no frequency fits)."""
    step = most_common_step(times, series)
    if step is None:
        return None, "no series has two dates"
    candidates = frequencies_with_step(step)
    dates = pd.DatetimeIndex(times.unique())
    misses = {freq: dates_off(dates, freq) for freq in candidates}
    fitting = [freq for freq in candidates if not len(misses[freq])]
    if fitting:
        return min(fitting, key=lambda freq: len(pd.date_range(dates.min(), dates.max(), freq=freq))), ""
    if not candidates:
        return None, f"the most common step between dates, {step_text(step)}, is no calendar frequency"
    closest = min(candidates, key=lambda freq: len(misses[freq]))
    shown = shorten([str(t.date() if t == t.normalize() else t) for t in misses[closest].sort_values()])
    return None, (f"the most common step between dates ({step_text(step)}) suggests {closest!r}, but {len(misses[closest])} "
                  f"date(s) are not on it: {shown}")


# Read without a frequency, dates fill at least this share of the periods of the frequency they step by to be on a
# calendar: monthly dates on the 1st read the wrong way round are the 1st to 12th of January (daily, a thirtieth full).
DENSE_SHARE = 0.5


def calendar_test(freq: str | None = None, start: pd.Timestamp | None = None,
                  end: pd.Timestamp | None = None) -> Callable[[pd.Series], bool]:
    """A test that one reading of text dates (day/month or month/day, see schema.coerce_datetime) is the data's
    calendar: with `freq`, every date lies on it and between `start` and `end` (when given); without, the dates
    step by a calendar frequency and fill at least DENSE_SHARE of its periods from the first date to the last."""
    def plausible(dates: pd.Series) -> bool:
        index = pd.DatetimeIndex(dates.unique())
        if freq is not None:
            within = (start is None or index.min() >= start) and (end is None or index.max() <= end)
            return bool(within) and not len(dates_off(index, freq))
        found, _ = frequency_from_steps(pd.Series(index), pd.Series(0, index=range(len(index))))
        if found is None:
            return False
        return len(index) >= DENSE_SHARE * len(pd.date_range(index.min(), index.max(), freq=found))
    return plausible


def inferred_freq(times: pd.Series, series: pd.Series) -> str | None:
    """The frequency of the dates: pandas' guess from the longest series when it has no gap, else the frequency
    of the most common step (see the module docstring); None when neither finds one."""
    return inferred_freq_and_reason(times, series)[0]


def inferred_freq_and_reason(times: pd.Series, series: pd.Series) -> tuple[str | None, str]:
    """inferred_freq, with why none was found."""
    longest = series.value_counts().index[0]
    sample = pd.DatetimeIndex(np.sort(times[series == longest].unique()))
    guess = pd.infer_freq(sample) if len(sample) >= 3 else None
    if guess is not None:
        return guess, ""
    return frequency_from_steps(times, series)


# Aliases pandas 3 no longer reads, by the names it reads them under now (habits of pandas before 2.2: 'M' was the
# month end, 'H' the hour).
RENAMED_ALIASES = {"M": "ME", "Q": "QE", "A": "YE", "Y": "YE", "BM": "BME", "BQ": "BQE", "BA": "BYE", "BY": "BYE",
                   "AS": "YS", "BAS": "BYS", "H": "h", "BH": "bh", "T": "min", "S": "s", "L": "ms", "U": "us", "N": "ns"}
# Frequencies named in words, and the aliases that say them.
FREQUENCY_WORDS = {"hourly": "'h'", "daily": "'D' (or 'B' for business days)", "weekly": "'W-MON' or 'W-SUN' (the "
                   "weekday the weeks are dated by)", "monthly": "'MS' (dates on the 1st) or 'ME' (month ends)",
                   "quarterly": "'QS' (quarters dated by their first day) or 'QE' (by their last)",
                   "yearly": "'YS' or 'YE'"}
WORD_ADJECTIVES = {"hour": "hourly", "day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly",
                   "year": "yearly", "annual": "yearly", "annually": "yearly"}
MAX_SPANNED_PERIODS = 5_000_000  # periods a panel's dates may span at its frequency beyond 10 per distinct date


def pandas_frequency(freq: str, warn: bool = True) -> str:
    """`freq` as pandas reads it: an alias pandas 3 renamed ('M', 'Q', 'H', also '2M', 'Q-DEC') as its new name (with
    a warning at the caller's line, where `warn`: the estimators warn once); a frequency in words or an unknown name
    is refused, saying which aliases mean it."""
    alias = re.fullmatch(r"(\d*)([A-Za-z]+)(-[A-Za-z]{3})?", str(freq).strip())
    if alias and alias.group(2) in RENAMED_ALIASES:
        renamed = f"{alias.group(1)}{RENAMED_ALIASES[alias.group(2)]}{alias.group(3) or ''}"
        if warn:
            warn_at_caller(f"freq={freq!r} is pandas' name before version 2.2; read as {renamed!r}, its name now.")
        return renamed
    try:
        to_offset(freq)
    except ValueError as exc:
        word = str(freq).strip().lower()
        adjective = WORD_ADJECTIVES.get(word, word)
        hint = (f"for {adjective} data pass {FREQUENCY_WORDS[adjective]}" if adjective in FREQUENCY_WORDS
                else "such as 'D', 'W-SUN', 'MS', 'QS'")
        raise DataContractError(f"Frequency {freq!r} is not a pandas frequency: {hint}.") from exc
    return freq


def resolve_freq(times: pd.Series, series: pd.Series, freq: str | None) -> str:
    """Check `freq` (or infer it) and that every date sits on it; name the first dates that do not. Refuse a
    frequency at which the dates would span millions of mostly empty periods (monthly dates at 'ms', milliseconds,
    written for 'MS'), before the panel is filled to them."""
    if freq is None:
        freq, reason = inferred_freq_and_reason(times, series)
        if freq is None:
            raise DataContractError(f"Could not infer the frequency of the dates: {reason}. Pass freq= explicitly "
                                    "(e.g. 'D', 'B', 'W-MON', 'MS', 'QS') or fix those dates.")
        log.info("Inferred the frequency %r from the dates.", freq)
    offset = to_offset(pandas_frequency(freq, warn=False))
    freq = offset.freqstr
    off = dates_off(pd.DatetimeIndex(times.unique()), freq)
    if len(off):
        raise DataContractError(
            f"Dates do not fit the frequency {freq!r}: {shorten([str(t.date()) for t in off.sort_values()])}. "
            "Use the matching frequency (e.g. 'MS' for first-of-month, 'ME' for month-end, 'W-MON' for Monday weeks)."
        )
    refuse_sparse_frequency(times, series, offset)
    return offset.freqstr


def refuse_sparse_frequency(times: pd.Series, series: pd.Series, offset) -> None:
    """Refuse a fixed-length frequency (hours, seconds) at which the dates span far more periods than they fill."""
    if not isinstance(offset, pd.offsets.Tick) or times.empty:
        return
    spanned = (times.max() - times.min()) // pd.Timedelta(offset) + 1
    distinct = times.nunique()
    if spanned <= max(MAX_SPANNED_PERIODS, 10 * distinct):
        return
    likely = inferred_freq(times, series)
    hint = f" The dates look like {likely!r}: pass freq={likely!r} if that is their frequency." if likely else ""
    raise DataContractError(
        f"At frequency {offset.freqstr!r} the dates from {times.min()} to {times.max()} span {spanned:,} periods, of "
        f"which {distinct:,} have data: the rest would be filled as gaps.{hint}")


def coarser_freq_hint(frame: pd.DataFrame, freq: str, n_filled: int) -> str:
    """A hint when most of the filled panel is empty and the observed dates fit a coarser frequency (monthly sales
    declared daily): the forecast would then be one of empty days."""
    if n_filled <= len(frame) - n_filled:
        return ""
    observed = frame.loc[frame[TARGET].notna()]
    likely = inferred_freq(observed[TIME], observed[SERIES])
    if likely is None or to_offset(likely) == to_offset(freq):
        return ""
    return (f". {n_filled} of {len(frame)} periods at frequency {freq!r} are empty; the dates look like {likely!r}: "
            f"pass freq={likely!r} if that is their frequency")
