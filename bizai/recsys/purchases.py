"""Retail purchase logs as recommenders read them: returns netted against purchases, quantities as weights.

A shop's order lines carry quantities, and a return or cancellation is a line with a negative quantity. A
recommender's weights must be >= 0, and an item the customer sent back is not one they liked: so each purchase
line keeps its time (sequence models read the order) but its quantity is scaled by the share of the customer's
purchases of that item that they kept, and items returned in full are dropped. Wholesale quantities (hundreds of
one item) would drown every other signal, so the weight is log(1 + quantity) by default.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.frames import from_pandas, to_pandas
from bizai.schema import coerce_numeric, require_columns, require_non_empty

WEIGHTINGS = ("log1p", "quantity", "one")


def net_purchases(lines, user_col: str, item_col: str, quantity_col: str, weighting: str = "log1p",
                  weight_col: str = "weight"):
    """The purchase lines (quantity > 0) of `lines` (pandas or polars) with `weight_col` added, returns netted.

    For each (user, item): kept share = max(bought - returned, 0) / bought, where returned is the sum of the
    negative quantities; each purchase line's quantity is multiplied by that share, and lines whose item was
    returned in full (or more) are dropped. weighting: "log1p" (log(1 + kept quantity), the default), "quantity"
    (the kept quantity itself) or "one" (every kept line weighs 1). Returns the kind of frame given.
    """
    frame, kind = to_pandas(lines)
    require_non_empty(frame, "purchase lines")
    out = netted_lines(frame, user_col, item_col, quantity_col, weighting, weight_col)
    if out.empty:
        raise DataContractError(f"No purchase is left in {quantity_col!r} once returns are netted: every line is a "
                                "return, or every item bought was returned.")
    return from_pandas(out, kind)


def netted_lines(frame: pd.DataFrame, user_col: str, item_col: str, quantity_col: str, weighting: str = "log1p",
                 weight_col: str = "weight") -> pd.DataFrame:
    """net_purchases on a pandas frame, empty when nothing is kept (an update's lines may all be returns)."""
    if weighting not in WEIGHTINGS:
        raise DataContractError(f"weighting must be one of {', '.join(WEIGHTINGS)}, got {weighting!r}.")
    require_columns(frame, [user_col, item_col, quantity_col], "purchase lines")
    quantity = coerce_numeric(frame, quantity_col, "purchase lines", allow_missing=False)
    bought = quantity.clip(lower=0).groupby([frame[user_col], frame[item_col]]).transform("sum")
    returned = (-quantity.clip(upper=0)).groupby([frame[user_col], frame[item_col]]).transform("sum")
    kept_share = ((bought - returned).clip(lower=0) / bought.where(bought > 0)).fillna(0.0)
    kept = quantity * kept_share
    purchases = (quantity > 0) & (kept > 0)
    out = frame[purchases].copy()
    kept = kept[purchases].to_numpy(dtype=float)
    out[weight_col] = np.log1p(kept) if weighting == "log1p" else kept if weighting == "quantity" else 1.0
    return out.reset_index(drop=True)
