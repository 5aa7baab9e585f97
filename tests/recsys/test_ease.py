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
        with pytest.raises(DataContractError, match="regularization must be a positive number"):
            EASERecommender(regularization=bad).fit(events, user_col="user_id", item_col="item_id")
