"""evaluate(model, train, test): fit on train (unless already fitted), recommend for the test users (seen items
filtered unless filter_seen=False), and score against what they really did next."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd

from bizai.errors import DataContractError, check_is_fitted
from bizai.frames import to_pandas
from bizai.hyperparams import Flag, check_argument
from bizai.recsys.metrics import catalogue_coverage, novelty, ranking_metrics
from bizai.schema import coerce_numeric, require_columns, require_non_empty
from bizai.verdict import Verdict

log = logging.getLogger(__name__)


def evaluate(model, train, test, k: int | Iterable[int] = (10, 20), refit: bool | None = None,
             filter_seen: bool = True, **fit_columns):
    """A table: one row per k with hr, recall, ndcg, map, mrr, coverage, novelty and the user count.

    filter_seen=False scores lists that may hold items the user already had: where repeat purchase is normal
    (retail), the next basket is mostly items bought before, and a list without them misses what matters.

    fit_columns (user_col=, item_col=, time_col=, ...) are passed to `fit` when the model is fitted here
    (always when refit=True, or when the model is not fitted yet). Test users unknown to the model are left out
    and counted in the log: ranking metrics are about users the model can know.
    """
    ks = cutoffs(k)
    check_argument("refit", refit, Flag(optional=True))
    check_argument("filter_seen", filter_seen, Flag())
    if refit or (refit is None and getattr(model, "data_", None) is None):
        model.fit(train, **fit_columns)
    check_is_fitted(model, "data_")  # refit=False on a model never fitted
    cols = model.data_.columns
    test_frame, _ = to_pandas(test)
    train_frame, _ = to_pandas(train)
    for frame, what in ((train_frame, "train"), (test_frame, "test")):
        require_non_empty(frame, what)
        require_columns(frame, [cols.user_col, cols.item_col], what)
    if cols.quantity_col is not None:  # order lines: what they bought next, not what they sent back
        test_frame = test_frame[coerce_numeric(test_frame, cols.quantity_col, "test") > 0]
    truth = test_frame.groupby(cols.user_col)[cols.item_col].agg(set)
    known = truth.index[model.data_.users.to_internal(truth.index, strict=False) >= 0]
    if len(known) < len(truth):
        log.warning("%d test user(s) unknown to the model are not evaluated", len(truth) - len(known))
    if not len(known):
        raise DataContractError("No test user is known to the model: nothing to evaluate.")
    recs = to_pandas(model.recommend(known.to_numpy(), k=max(ks), filter_seen=filter_seen))[0]
    lists = recs.sort_values([cols.user_col, "rank"]).groupby(cols.user_col)[cols.item_col].agg(list)
    recommended = [lists.get(user, []) for user in known]
    relevant = [truth[user] for user in known]
    popularity = train_frame.drop_duplicates([cols.user_col, cols.item_col]).groupby(cols.item_col).size()
    n_users = train_frame[cols.user_col].nunique()
    rows = []
    for cut in ks:
        cut_lists = [items[:cut] for items in recommended]
        rows.append({"k": cut, **ranking_metrics(recommended, relevant, cut),
                     "coverage": catalogue_coverage(cut_lists, model.data_.n_items),
                     "novelty": novelty(cut_lists, popularity, n_users), "users": len(known)})
    table = pd.DataFrame(rows)
    model.evaluation_ = table.to_dict("records")
    return table


def cutoffs(k) -> list[int]:
    """The list lengths to score, sorted: k=10 or k=(10, 20); refused unless whole numbers of at least 1."""
    values = [k] if isinstance(k, int | np.integer) or not isinstance(k, Iterable) or isinstance(k, str) else list(k)
    if not values or any(isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 1 for v in values):
        raise DataContractError(f"k must be a whole number of at least 1, or a list of them such as (10, 20); got "
                                f"{k!r}.")
    return sorted({int(v) for v in values})


METRIC_NAMES = {"hr": "hit rate", "recall": "recall", "ndcg": "NDCG", "map": "MAP", "mrr": "MRR",
                "coverage": "catalogue coverage", "novelty": "novelty", "users": "customers"}
METRIC_MEANINGS = {
    "hit rate": "share of customers whose next item was in their list",
    "recall": "share of each customer's next items found in their list",
    "NDCG": "hit rate that counts a hit higher in the list more",
    "catalogue coverage": "share of the catalogue recommended to anyone",
}


def readable_evaluation(table: pd.DataFrame) -> pd.DataFrame:
    """`evaluate`'s table with plain column names; recall is dropped when it repeats the hit rate (one held-out
    item per customer, as in leave-last-out)."""
    out = table.copy()
    if "recall" in out and "hr" in out and out["recall"].equals(out["hr"]):
        out = out.drop(columns="recall")
    return out.rename(columns=METRIC_NAMES)


def verdict(candidate: pd.DataFrame, baseline: pd.DataFrame, name: str, baseline_name: str = "popularity",
            metric: str = "ndcg", margin: float = 0.05) -> Verdict:
    """One sentence: is `name` better than `baseline_name` on `metric` (tables from `evaluate` on the same split),
    at which k, and by how much. Within `margin` (relative) counts as no better; good only when better at every
    k."""
    joined = candidate.merge(baseline, on="k", suffixes=("", "_baseline"))
    if joined.empty:
        raise DataContractError("The two evaluation tables share no k: evaluate both with the same k.")
    lifts = joined[metric] / joined[f"{metric}_baseline"].where(joined[f"{metric}_baseline"] > 0) - 1
    label = METRIC_NAMES.get(metric, metric)
    better = [f"top {k}: {lift:+.0%}" for k, lift in zip(joined["k"], lifts, strict=True) if lift > margin]
    worse = [f"top {k}: {lift:+.0%}" for k, lift in zip(joined["k"], lifts, strict=True) if lift < -margin]
    if better and not worse:
        return Verdict(f"{name} is better than {baseline_name} here ({label} {', '.join(better)}): use it.", True)
    if worse and not better:
        return Verdict(f"{name} is worse than {baseline_name} here ({label} {', '.join(worse)}): recommending the "
                       f"most popular items would serve these customers better.", False)
    if better:
        return Verdict(f"{name} beats {baseline_name} at {', '.join(better)} but loses at {', '.join(worse)} "
                       f"({label}).", False)
    return Verdict(f"{name} is no better than {baseline_name} here ({label} within {margin:.0%} at every k).", False)
