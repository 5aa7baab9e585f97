"""Train/test splits for honest evaluation."""

from __future__ import annotations

import numbers

import pandas as pd

from bizai.errors import DataContractError
from bizai.frames import from_pandas, to_pandas
from bizai.recsys.dataset import event_times, seconds_per_unit
from bizai.schema import require_columns, require_non_empty


def leave_last_out_split(events, user_col: str = "user_id", time_col: str = "timestamp"):
    """Each user's last interaction goes to test, the rest to train. Users with one interaction stay in train.

    Ties in time are broken by row order (the later row is 'last'), so the split is deterministic. Times are
    ordered as times (text dates parsed as the models parse them, e.g. '12/9/2011 8:26' after '12/10/2010'), not
    as text.
    """
    frame, kind = to_pandas(events)
    require_non_empty(frame, "events")
    require_columns(frame, [user_col, time_col], "events")
    frame = frame.reset_index(drop=True)
    order = (pd.DataFrame({"user": frame[user_col], "time": event_times(frame, time_col)})
             .sort_values(["user", "time"], kind="stable").index)
    ordered = frame.loc[order]
    is_last = ~ordered.duplicated(user_col, keep="last")
    has_history = ordered.groupby(user_col)[user_col].transform("size") >= 2
    test = ordered[is_last & has_history]
    train = ordered.drop(index=test.index)
    return from_pandas(train.sort_index(), kind), from_pandas(test.sort_index(), kind)


def as_timestamp(cutoff) -> pd.Timestamp:
    """A cut-off date as a naive timestamp (one with a zone at its UTC time), or a DataContractError saying so."""
    try:
        stamp = pd.Timestamp(cutoff)
    except (ValueError, TypeError) as exc:
        raise DataContractError(f"Cut-off {cutoff!r} is not a date; expected e.g. '2024-01-31'.") from exc
    return stamp.tz_convert(None) if stamp.tzinfo is not None else stamp


def time_split(events, time_col: str = "timestamp", cutoff=None, test_share: float = 0.1):
    """Everything before `cutoff` trains, the rest tests: what a nightly job sees. Without a cutoff, the
    latest `test_share` of interactions (by time) form the test set."""
    frame, kind = to_pandas(events)
    require_non_empty(frame, "events")
    require_columns(frame, [time_col], "events")
    times = event_times(frame, time_col).to_numpy()  # text dates compared as dates, not as text
    if cutoff is None:
        if not 0 < test_share < 1:
            raise DataContractError(f"test_share must be between 0 and 1, got {test_share}.")
        cutoff = pd.Series(times).quantile(1 - test_share, interpolation="higher")
    elif pd.api.types.is_datetime64_any_dtype(times):
        if isinstance(cutoff, numbers.Real):  # pandas would read it as nanoseconds after 1970
            share = f", or test_share={cutoff!r} for the latest share of events" if 0 < cutoff < 1 else ""
            raise DataContractError(f"Cut-off {cutoff!r} is a number where the log's times are dates: give a date "
                                    f"(e.g. '2024-01-31'){share}.")
        cutoff = as_timestamp(cutoff).to_datetime64()
    elif not isinstance(cutoff, numbers.Real):  # a date against epoch seconds (or milliseconds): in the log's unit
        cutoff = (as_timestamp(cutoff) - pd.Timestamp("1970-01-01")).total_seconds() / seconds_per_unit(
            pd.Series(times))
    train, test = frame[times < cutoff], frame[times >= cutoff]
    if train.empty or test.empty:
        unit = None if pd.api.types.is_datetime64_any_dtype(times) else seconds_per_unit(pd.Series(times))
        shown = [shown_time(value, unit) for value in (cutoff, times.min(), times.max())]
        raise DataContractError(f"Cut-off {shown[0]} leaves the {'train' if train.empty else 'test'} set empty: the "
                                f"events run from {shown[1]} to {shown[2]}; choose a time between.")
    return from_pandas(train, kind), from_pandas(test, kind)


def shown_time(value, seconds_per_unit: float | None = None) -> str:
    """A time as a message shows it: a date at midnight as its date ('2024-01-31'), else to the second; an epoch
    number (`seconds_per_unit` given) with the date it is: '1704067200 (2024-01-01)'."""
    if seconds_per_unit is not None:
        return f"{value:.0f} ({shown_time(pd.Timestamp(float(value) * seconds_per_unit, unit='s'))})"
    stamp = pd.Timestamp(value)
    return str(stamp.date()) if stamp == stamp.normalize() else str(stamp.floor("s"))
