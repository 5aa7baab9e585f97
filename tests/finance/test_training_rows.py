"""The LightGBM training table's row cap: rows whose target is recent are kept first, older ones sampled with the
seed; under the cap every row is kept; the forecaster still forecasts every series; a bad cap is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.finance import ProfitForecaster
from bizai.finance.base import ModelSettings
from bizai.finance.features import training_rows
from bizai.finance.lightgbm_model import LightGBMModel
from bizai.schema import SERIES, TARGET, TIME
from tests.conftest import FIT_COLUMNS, make_panel

MONTHS = pd.date_range("2020-01-01", periods=40, freq="MS")


def frame(n_series=20) -> pd.DataFrame:
    return pd.DataFrame({SERIES: np.repeat(np.arange(n_series), len(MONTHS)), TIME: np.tile(MONTHS, n_series),
                         TARGET: np.arange(n_series * len(MONTHS), dtype=float)})


def test_under_the_cap_every_row_with_an_observed_target_is_kept():
    data = frame()
    masks = training_rows(data, 3, max_rows=None, recent_from=None, seed=0)
    assert [int(m.sum()) for m in masks] == [20 * 39, 20 * 38, 20 * 37]
    assert [int(m.sum()) for m in training_rows(data, 3, 10_000, MONTHS[-12], 0)] == [20 * 39, 20 * 38, 20 * 37]


def test_over_the_cap_recent_targets_are_all_kept_and_older_ones_sampled_to_fill_it():
    data = frame()
    recent_from = MONTHS[-12]  # targets in the last 11 months are recent: 20 series x (11 + 10 + 9) rows
    masks = training_rows(data, 3, max_rows=1000, recent_from=recent_from, seed=0)
    total = sum(int(m.sum()) for m in masks)
    assert 900 <= total <= 1100
    recent_kept = sum(int((m & (data[TIME] > recent_from - pd.DateOffset(months=s)).to_numpy()).sum())
                      for s, m in enumerate(masks, start=1))
    assert recent_kept == 20 * (11 + 11 + 11)
    assert all((masks[s - 1] <= (data.groupby(SERIES)[TIME].shift(-s).notna()).to_numpy()).all() for s in (1, 2, 3))


def test_the_sample_follows_the_seed():
    data = frame()
    first = training_rows(data, 3, 800, MONTHS[-6], seed=1)
    assert all((a == b).all() for a, b in zip(first, training_rows(data, 3, 800, MONTHS[-6], seed=1), strict=True))
    assert any((a != b).any() for a, b in zip(first, training_rows(data, 3, 800, MONTHS[-6], seed=2), strict=True))


def test_when_recent_rows_alone_exceed_the_cap_only_recent_rows_are_sampled():
    data = frame()
    masks = training_rows(data, 3, 200, MONTHS[0], seed=0)  # every target is recent
    assert 150 <= sum(int(m.sum()) for m in masks) <= 250


def test_a_capped_lightgbm_still_forecasts_every_series_close_to_the_uncapped_one():
    history, future = make_panel(n_series=6, periods=48)
    params = {"n_estimators": 60}
    full = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, model_params=params)
    capped = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0,
                              model_params={**params, "max_training_rows": 1000})
    a = full.fit(history, **FIT_COLUMNS).predict(known_future=future)
    b = capped.fit(history, **FIT_COLUMNS).predict(known_future=future)
    assert len(b) == len(a) == 36 and b["forecast"].notna().all()
    assert not np.allclose(a["forecast"], b["forecast"])  # the cap changed the training rows
    assert np.abs(a["forecast"] - b["forecast"]).mean() < 0.1 * a["forecast"].abs().mean()


@pytest.mark.parametrize("bad", [0, 10, 2.5, "many", True])
def test_a_bad_cap_is_refused_by_name(bad):
    history, _ = make_panel()
    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", model_params={"max_training_rows": bad})
    with pytest.raises(DataContractError, match="max_training_rows must be None"):
        fc.fit(history, **FIT_COLUMNS)


def test_interval_boosters_take_half_the_trees_at_twice_the_learning_rate():
    model = LightGBMModel(ModelSettings(3, (0.1, 0.5, 0.9), 0, False), n_estimators=100, learning_rate=0.05)
    assert (model.lightgbm_params()["n_estimators"], model.lightgbm_params()["learning_rate"]) == (100, 0.05)
    assert (model.lightgbm_params(median=False)["n_estimators"], model.lightgbm_params(median=False)["learning_rate"]) \
        == (50, 0.1)


@pytest.mark.parametrize(("name", "words"), [
    ("lag_1", "last profit"), ("lag_3", "profit, 3 periods before the forecast start"),
    ("seasonal_lag", "profit, same period last year"), ("mean_6", "profit, average of the last 6 periods"),
    ("known_promo", "promo (planned for the forecast period)"), ("known_promo_at_origin", "promo (at the forecast start)"),
    ("past_revenue_lag_1", "revenue (last period)"), ("static_region", "region"), ("cal_month", "month of the year"),
    ("step", "periods ahead"), ("something_new", "something_new")])
def test_features_are_described_in_the_users_words(name, words):
    from bizai.finance.features import describe_feature

    assert describe_feature(name, "profit", 12) == words


def test_every_feature_of_a_fitted_model_gets_words():
    from bizai.finance.features import describe_feature

    history, _ = make_panel()
    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", model_params={"n_estimators": 5}).fit(
        history, **FIT_COLUMNS)
    names = fc.feature_importance()["feature"]
    described = [describe_feature(name, "profit", 12) for name in names]
    untouched = [name for name, words in zip(names, described, strict=True) if name == words]
    assert untouched == [], untouched


@pytest.mark.parametrize("interval_weighting", ["equal", "scale"])
def test_the_boosters_sharing_one_dataset_equal_boosters_trained_apart(interval_weighting):
    """One binned Dataset serves every quantile with its own weights: each booster must be the one LightGBM would
    train on its own (the weights of the one before must not linger)."""
    import lightgbm as lgb

    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", random_state=0, show_progress=False,
                          model_params={"n_estimators": 30, "interval_weighting": interval_weighting})
    history, future = make_panel()
    fc.fit(history, **FIT_COLUMNS)
    model = fc.fitted_model_
    features, target = model.training_data(fc.panel_)
    apart = {}
    for q, weighted in ((0.1, interval_weighting == "scale"), (0.5, True), (0.9, interval_weighting == "scale")):
        apart[q] = lgb.LGBMRegressor(objective="quantile", alpha=q, **model.lightgbm_params(median=q == 0.5))
        apart[q].fit(features[model.feature_names_], target, sample_weight=features["scale"] if weighted else None)
        np.testing.assert_array_equal(model.booster(q).predict(features[model.feature_names_]),
                                      apart[q].predict(features[model.feature_names_]))
    # models saved by earlier versions hold scikit-learn regressors: they forecast and explain the same
    forecast, drivers = fc.predict(known_future=future), fc.feature_importance()
    model.boosters_ = apart
    pd.testing.assert_frame_equal(fc.predict(known_future=future), forecast)
    pd.testing.assert_frame_equal(fc.feature_importance(), drivers)


def test_interval_weighting_changes_the_interval_boosters_only():
    history, _ = make_panel()
    models = {w: ProfitForecaster(model="lightgbm", horizon=3, freq="MS", random_state=0, show_progress=False,
                                  model_params={"n_estimators": 30, "interval_weighting": w})
              .fit(history, **FIT_COLUMNS) for w in ("equal", "scale")}
    table = models["equal"].fitted_model_.training_data(models["equal"].panel_)[0]
    predicted = {w: {q: fc.fitted_model_.booster(q).predict(table[fc.fitted_model_.feature_names_]) for q in (0.5, 0.9)}
                 for w, fc in models.items()}
    np.testing.assert_array_equal(predicted["equal"][0.5], predicted["scale"][0.5])
    assert not np.allclose(predicted["equal"][0.9], predicted["scale"][0.9])


@pytest.mark.parametrize("name", ["interval_weighting", "sample_weighting"])
def test_a_bad_weighting_is_refused_by_name(name):
    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", model_params={name: "size"})
    with pytest.raises(DataContractError, match=f"{name} must be one of 'scale', 'equal', got 'size'"):
        fc.fit(make_panel()[0], **FIT_COLUMNS)
