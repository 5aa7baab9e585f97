"""Each part of a multi-column series id (chain and store, agency and sku) is a category feature of LightGBM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai.errors import DataContractError
from bizai.finance import ProfitForecaster

FAST_LGBM = {"n_estimators": 60, "min_child_samples": 5}
COLUMNS = dict(id_col=["product", "store"], time_col="month", target_col="units", known_cols=["promo"])


def products_by_store(seed: int = 0, with_actuals: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three products sold in four stores; a promotion lifts P1 by 60% and cuts P3 by 40% (it draws buyers to P1) in
    every store. 36 months of history and the next 6 (their units only `with_actuals`)."""
    rng = np.random.default_rng(seed)
    times = pd.date_range("2021-01-01", periods=42, freq="MS")
    t = np.arange(len(times))
    rows = []
    for product, lift in (("P1", 0.6), ("P2", 0.0), ("P3", -0.4)):
        for store in range(4):
            promo = rng.integers(0, 2, len(t))
            units = 50 * (store + 1) * (1 + 0.3 * np.sin(2 * np.pi * t / 12)) * (1 + lift * promo)
            rows.append(pd.DataFrame({"product": product, "store": f"S{store}", "month": times, "promo": promo,
                                      "units": units + rng.normal(0, 2, len(t))}))
    full = pd.concat(rows, ignore_index=True)
    history = full[full["month"] < times[36]].reset_index(drop=True)
    future = full[full["month"] >= times[36]].reset_index(drop=True)
    return history, future if with_actuals else future.drop(columns="units")


def fitted(history, model_params=None, **columns):
    params = {**FAST_LGBM, **(model_params or {})}
    return ProfitForecaster(model="lightgbm", horizon=6, random_state=0, model_params=params).fit(
        history, **{**COLUMNS, **columns})


def test_each_part_of_a_two_column_id_is_a_feature_the_trees_use():
    history, _ = products_by_store()
    importance = fitted(history).feature_importance().set_index("feature")["importance"]
    assert {"static_product", "static_store"} <= set(importance.index)
    assert importance["static_product"] > 0


def test_a_one_column_id_is_not_a_feature_and_id_features_false_leaves_the_parts_out():
    history, _ = products_by_store()
    joined = history.assign(series=history["product"] + "/" + history["store"])
    assert not any(name.startswith("static_") for name in fitted(joined, id_col="series").feature_importance()["feature"])
    plain = fitted(history, model_params={"id_features": False}).feature_importance()["feature"]
    assert not {"static_product", "static_store"} & set(plain)


def test_id_features_must_be_true_or_false():
    history, _ = products_by_store()
    with pytest.raises(DataContractError, match="id_features must be True or False, got 'yes'"):
        fitted(history, model_params={"id_features": "yes"})


def test_forecasts_for_some_series_match_the_forecasts_for_all():
    # The id parts present differ between the two calls: LightGBM must map each value to the category it was
    # trained with, not to its position among the values present.
    history, future = products_by_store()
    model = fitted(history)
    everything = model.predict(known_future=future)
    chosen = lambda frame: frame[frame["product"].isin(["P2", "P3"]) & (frame["store"] != "S0")]  # noqa: E731
    some = model.predict(known_future=chosen(future), data=chosen(history))
    expected = chosen(everything).reset_index(drop=True)
    pd.testing.assert_frame_equal(some.reset_index(drop=True), expected)


def test_id_parts_let_every_store_learn_how_a_product_answers_a_promotion():
    # A series' own history shows its promotion response only faintly; the product's other stores show it plainly.
    history, future = products_by_store()
    actual = products_by_store(with_actuals=True)[1]
    errors = {}
    for wanted in (True, False):
        predicted = fitted(history, model_params={"id_features": wanted}).predict(known_future=future)
        merged = predicted.merge(actual, on=["product", "store", "month"])
        errors[wanted] = float(np.mean(np.abs(merged["units"] - merged["forecast"])))
    assert errors[True] < 0.75 * errors[False], errors


def test_a_part_with_too_many_values_is_left_out(monkeypatch):
    import bizai.finance.features as features

    monkeypatch.setattr(features, "MAX_ID_PART_LEVELS", 3)  # three products, four stores
    history, _ = products_by_store()
    names = set(fitted(history).feature_importance()["feature"])
    assert "static_product" in names
    assert "static_store" not in names
