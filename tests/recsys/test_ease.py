"""EASE: closed-form item-to-item weights, the same as a ridge regression of each item on all the others."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from bizai.errors import DataContractError
from bizai.recsys import EASERecommender


def baskets(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(60):
        bought = rng.choice(12, size=rng.integers(2, 6), replace=False)
        if 0 in bought:  # item 0 nearly always comes with item 1
            bought = np.union1d(bought, [1])
        rows += [{"user_id": f"u{user}", "item_id": f"i{item:02d}"} for item in bought]
    return pd.DataFrame(rows)


def test_weights_are_each_items_ridge_regression_on_the_others():
    model = EASERecommender(regularization=0.5).fit(baskets(), user_col="user_id", item_col="item_id")
    matrix = model.matrix_.toarray().astype(float)
    for item in (0, 5, 11):
        others = np.delete(np.arange(matrix.shape[1]), item)
        ridge = Ridge(alpha=model.penalty_, fit_intercept=False).fit(matrix[:, others], matrix[:, item])
        np.testing.assert_allclose(model.weights_[others, item], ridge.coef_, rtol=1e-4, atol=1e-6)
        assert model.weights_[item, item] == 0.0  # no item predicts itself


def test_an_item_bought_together_is_recommended_and_explained():
    events = baskets()
    model = EASERecommender(regularization=0.5).fit(events, user_col="user_id", item_col="item_id")
    lonely = pd.DataFrame({"user_id": ["new"], "item_id": ["i00"]})
    model.update(lonely)
    assert model.recommend(["new"], k=1)["item_id"].iloc[0] == "i01"
    explained = model.explain("new", "i01")
    assert explained["history_item_id"].tolist() == ["i00"] and explained["contribution"].iloc[0] > 0
    assert model.similar_items(["i00"], k=1)["similar_item_id"].iloc[0] == "i01"


def test_a_catalogue_too_large_or_a_bad_penalty_is_refused_clearly():
    events = baskets()
    with pytest.raises(DataContractError, match="12 items need about .* above max_items=10"):
        EASERecommender(max_items=10).fit(events, user_col="user_id", item_col="item_id")
    for bad in (0, -1.0, "high", True):
        with pytest.raises(DataContractError, match=r"EASERecommender: regularization must be a number above 0, got"):
            EASERecommender(regularization=bad).fit(events, user_col="user_id", item_col="item_id")


def shifting_taste() -> pd.DataFrame:
    """A year ago buyers of A also bought B (40 of them); in the last week buyers of A buy C (15 of them)."""
    now = pd.Timestamp("2024-06-30")
    old = [{"user_id": f"old{u}", "item_id": item, "at": now - pd.Timedelta(days=365)}
           for u in range(40) for item in ("A", "B")]
    new = [{"user_id": f"new{u}", "item_id": item, "at": now - pd.Timedelta(days=3)}
           for u in range(15) for item in ("A", "C")]
    filler = [{"user_id": f"f{u}", "item_id": item, "at": now - pd.Timedelta(days=100)}
              for u in range(20) for item in ("D", "E", "B", "C")[u % 2: u % 2 + 2]]
    return pd.DataFrame(old + new + filler)


def test_a_recency_half_life_follows_what_people_buy_now():
    events, columns = shifting_taste(), dict(user_col="user_id", item_col="item_id", time_col="at")
    customer = pd.DataFrame({"user_id": ["me"], "item_id": ["A"], "at": [pd.Timestamp("2024-06-30")]})
    timeless = EASERecommender(regularization=0.5).fit(events, **columns)
    timeless.update(customer)
    recent = EASERecommender(regularization=0.5, half_life_days=30).fit(events, **columns)
    recent.update(customer)
    assert timeless.recommend(["me"], k=1)["item_id"].iloc[0] == "B"
    assert recent.recommend(["me"], k=1)["item_id"].iloc[0] == "C"


def test_the_profile_carries_each_pairs_latest_discount():
    events = pd.DataFrame({"user_id": ["u", "u", "u", "v"], "item_id": ["A", "A", "B", "B"],
                           "at": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-31", "2024-03-01"])})
    model = EASERecommender(half_life_days=30).fit(events, user_col="user_id", item_col="item_id", time_col="at")
    profile = dict(zip(model.data_.items.to_external(np.arange(2)), model.matrix_[0].toarray().ravel(), strict=True))
    assert profile["A"] == pytest.approx(1.0)  # bought again on the latest day: no discount
    assert profile["B"] == pytest.approx(0.5, rel=1e-6)  # last bought 30 days before the latest event


def test_a_half_life_without_times_or_a_bad_one_is_refused():
    events = shifting_taste()
    with pytest.raises(DataContractError, match="half_life_days needs time_col"):
        EASERecommender(half_life_days=30).fit(events, user_col="user_id", item_col="item_id")
    for bad in (0, -5, "month", True):
        with pytest.raises(DataContractError, match=r"EASERecommender: half_life_days must be a number above 0, or None, got"):
            EASERecommender(half_life_days=bad).fit(events, user_col="user_id", item_col="item_id", time_col="at")
