"""evaluate(model, train, test): fit on train (unless already fitted), recommend for the test users with
seen items filtered, and score against what they really did next."""

from __future__ import annotations

import logging
from collections.abc import Iterable

import pandas as pd

from bizai.errors import DataContractError
from bizai.frames import to_pandas
from bizai.recsys.metrics import catalogue_coverage, novelty, ranking_metrics

log = logging.getLogger(__name__)


def evaluate(model, train, test, k: int | Iterable[int] = (10, 20), refit: bool | None = None, **fit_columns):
    """A table: one row per k with hr, recall, ndcg, map, mrr, coverage, novelty and the user count.

    fit_columns (user_col=, item_col=, time_col=, ...) are passed to `fit` when the model is fitted here
    (always when refit=True, or when the model is not fitted yet). Test users unknown to the model are left out
    and counted in the log: ranking metrics are about users the model can know.
    """
    ks = sorted({k} if isinstance(k, int) else set(k))
    if not ks or ks[0] < 1:
        raise DataContractError(f"k must be at least 1, got {ks}.")
    if refit or (refit is None and getattr(model, "data_", None) is None):
        model.fit(train, **fit_columns)
    cols = model.data_.columns
    test_frame, _ = to_pandas(test)
    train_frame, _ = to_pandas(train)
    truth = test_frame.groupby(cols.user_col)[cols.item_col].agg(set)
    known = truth.index[model.data_.users.to_internal(truth.index, strict=False) >= 0]
    if len(known) < len(truth):
        log.warning("%d test user(s) unknown to the model are not evaluated", len(truth) - len(known))
    if not len(known):
        raise DataContractError("No test user is known to the model: nothing to evaluate.")
    recs = to_pandas(model.recommend(known.to_numpy(), k=max(ks), filter_seen=True))[0]
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
