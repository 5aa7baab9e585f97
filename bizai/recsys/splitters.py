"""Train/test splits for honest evaluation."""

from __future__ import annotations

import pandas as pd

from bizai.errors import DataContractError
from bizai.frames import from_pandas, to_pandas
from bizai.schema import require_columns, require_non_empty


def leave_last_out_split(events, user_col: str = "user_id", time_col: str = "timestamp"):
    """Each user's last interaction goes to test, the rest to train. Users with one interaction stay in train.

    Ties in time are broken by row order (the later row is 'last'), so the split is deterministic.
    """
    frame, kind = to_pandas(events)
    require_non_empty(frame, "events")
    require_columns(frame, [user_col, time_col], "events")
    ordered = frame.reset_index(drop=True).sort_values([user_col, time_col], kind="stable")
    is_last = ~ordered.duplicated(user_col, keep="last")
    has_history = ordered.groupby(user_col)[user_col].transform("size") >= 2
    test = ordered[is_last & has_history]
    train = ordered.drop(index=test.index)
    return from_pandas(train.sort_index(), kind), from_pandas(test.sort_index(), kind)


def time_split(events, time_col: str = "timestamp", cutoff=None, test_share: float = 0.1):
    """Everything before `cutoff` trains, the rest tests: what a nightly job sees. Without a cutoff, the
    latest `test_share` of interactions (by time) form the test set."""
    frame, kind = to_pandas(events)
    require_non_empty(frame, "events")
    require_columns(frame, [time_col], "events")
    times = frame[time_col]
    if cutoff is None:
        if not 0 < test_share < 1:
            raise DataContractError(f"test_share must be between 0 and 1, got {test_share}.")
        cutoff = times.quantile(1 - test_share, interpolation="higher")
    elif pd.api.types.is_datetime64_any_dtype(times):
        cutoff = pd.Timestamp(cutoff)
    train, test = frame[times < cutoff], frame[times >= cutoff]
    if train.empty or test.empty:
        raise DataContractError(f"Cut-off {cutoff} leaves an empty train or test set; choose a date inside the data.")
    return from_pandas(train, kind), from_pandas(test, kind)
