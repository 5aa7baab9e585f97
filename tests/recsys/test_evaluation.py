"""Splitters and metrics against hand-computed cases; evaluate end to end."""

import numpy as np
import pandas as pd
import pytest

from bizai.errors import DataContractError, NotFittedError
from bizai.recsys import PopularityRecommender, evaluate, leave_last_out_split, time_split
from bizai.recsys.metrics import catalogue_coverage, novelty, ranking_metrics


def test_leave_last_out_takes_each_users_last_event_and_breaks_ties_by_row_order():
    events = pd.DataFrame({"user_id": ["a", "a", "a", "b", "b", "c"], "item_id": [1, 2, 3, 4, 5, 6],
                           "timestamp": [1, 3, 3, 5, 2, 9]})
    train, test = leave_last_out_split(events, "user_id", "timestamp")
    assert sorted(zip(test["user_id"], test["item_id"], strict=True)) == [("a", 3), ("b", 4)]
    assert set(train["item_id"]) == {1, 2, 5, 6}  # 'c' has a single event: kept for training only


def test_time_split_cuts_globally():
    events = pd.DataFrame({"user_id": list("aabb"), "item_id": [1, 2, 3, 4], "timestamp": [1, 5, 2, 6]})
    train, test = time_split(events, "timestamp", cutoff=5)
    assert set(train["item_id"]) == {1, 3} and set(test["item_id"]) == {2, 4}


def test_text_dates_split_in_time_order_not_text_order():
    """A shop's export writes '12/9/2011 8:26' (US month first): as text it sorts before '12/10/2010 9:00'."""
    events = pd.DataFrame({"user_id": list("aaabb"), "item_id": [1, 2, 3, 4, 5],
                           "timestamp": ["12/10/2010 9:00", "12/9/2011 8:26", "1/5/2011 10:00", "2/1/2011 7:00",
                                         "11/30/2011 7:00"]})
    train, test = leave_last_out_split(events, "user_id", "timestamp")
    assert sorted(test["item_id"]) == [2, 5] and test["timestamp"].tolist()[0] == "12/9/2011 8:26"
    train, test = time_split(events, "timestamp", test_share=0.4)
    assert set(test["item_id"]) == {2, 5} and set(train["item_id"]) == {1, 3, 4}
    train, test = time_split(events, "timestamp", cutoff="2011-06-01")
    assert set(test["item_id"]) == {2, 5}


def test_ranking_metrics_by_hand():
    recommended = [["x", "y", "z"], ["p", "q", "r"]]
    relevant = [{"y"}, {"s"}]
    m = ranking_metrics(recommended, relevant, k=3)
    assert m["hr"] == pytest.approx(0.5)
    assert m["recall"] == pytest.approx(0.5)
    assert m["ndcg"] == pytest.approx((1 / np.log2(3)) / 2)
    assert m["mrr"] == pytest.approx(0.25)
    assert m["map"] == pytest.approx(0.25)
    two = ranking_metrics([["a", "b", "c"]], [{"a", "c"}], k=3)
    assert two["map"] == pytest.approx((1 + 2 / 3) / 2)
    assert two["ndcg"] == pytest.approx((1 + 1 / np.log2(4)) / (1 + 1 / np.log2(3)))
    assert catalogue_coverage(recommended, 12) == pytest.approx(0.5)
    assert novelty([["a"]], pd.Series({"a": 2}), n_users=8) == pytest.approx(2.0)


def test_evaluate_returns_a_row_per_k(events):
    train, test = leave_last_out_split(events, "user_id", "timestamp")
    table = evaluate(PopularityRecommender(), train, test, k=(5, 10), user_col="user_id", item_col="item_id")
    assert list(table["k"]) == [5, 10]
    assert {"hr", "recall", "ndcg", "map", "mrr", "coverage", "novelty", "users"} <= set(table.columns)
    assert (table["hr"].diff().dropna() >= 0).all()


def test_evaluate_refuses_bad_arguments_by_name(events):
    train, test = leave_last_out_split(events, "user_id", "timestamp")
    for k in (0, "10", (10, 2.5), (), True):
        with pytest.raises(DataContractError, match=r"k must be a whole number of at least 1, or a list of them"):
            evaluate(PopularityRecommender(), train, test, k=k)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        evaluate(PopularityRecommender(), train, test, refit=False)
    with pytest.raises(DataContractError, match=r"refit must be True or False, or None"):
        evaluate(PopularityRecommender(), train, test, refit="no")  # a truthy text: it refitted
    with pytest.raises(DataContractError, match=r"filter_seen must be True or False, got 'no'"):
        evaluate(PopularityRecommender(), train, test, filter_seen="no")
    with pytest.raises(DataContractError, match=r"The test frame is missing column\(s\) 'item_id'"):
        evaluate(PopularityRecommender(), train, test.rename(columns={"item_id": "item"}))
    with pytest.raises(DataContractError, match="The test frame is empty"):
        evaluate(PopularityRecommender(), train, test.head(0))
    assert list(evaluate(PopularityRecommender(), train, test, k=np.int64(3))["k"]) == [3]
