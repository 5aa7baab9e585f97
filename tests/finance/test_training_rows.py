"""The LightGBM training table's row cap: rows whose target is recent are kept first, older ones sampled with the
seed; under the cap every row is kept; the forecaster still forecasts every series; a bad cap is refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.finance import ProfitForecaster
from bizai.finance.base import ModelSettings
from bizai.finance.features import PanelLayout, capped_rows, training_rows, usable_rows
from bizai.finance.lightgbm_model import LightGBMModel
from bizai.schema import SERIES, TARGET, TIME
from tests.conftest import FIT_COLUMNS, make_panel

MONTHS = pd.date_range("2020-01-01", periods=40, freq="MS")


def frame(n_series=20) -> pd.DataFrame:
    return pd.DataFrame({SERIES: np.repeat(np.arange(n_series), len(MONTHS)), TIME: np.tile(MONTHS, n_series),
                         TARGET: np.arange(n_series * len(MONTHS), dtype=float)})


def test_under_the_cap_every_row_with_an_observed_target_is_kept():
    data = frame()
    rows = training_rows(data, 3, max_rows=None, recent_from=None, seed=0)
    assert [len(r) for r in rows] == [20 * 39, 20 * 38, 20 * 37]
    assert [len(r) for r in training_rows(data, 3, 10_000, MONTHS[-12], 0)] == [20 * 39, 20 * 38, 20 * 37]


def test_over_the_cap_recent_targets_are_all_kept_and_older_ones_sampled_to_fill_it():
    data = frame()
    recent_from = MONTHS[-12]  # targets in the last 11 months are recent: 20 series x (11 + 10 + 9) rows
    rows = training_rows(data, 3, max_rows=1000, recent_from=recent_from, seed=0)
    total = sum(len(r) for r in rows)
    assert 900 <= total <= 1100
    recent_kept = sum(int((data[TIME].to_numpy()[r] > recent_from - pd.DateOffset(months=s)).sum())
                      for s, r in enumerate(rows, start=1))
    assert recent_kept == 20 * (11 + 11 + 11)
    assert all(data.groupby(SERIES)[TIME].shift(-s).notna().to_numpy()[rows[s - 1]].all() for s in (1, 2, 3))


def test_the_sample_follows_the_seed():
    data = frame()
    first = training_rows(data, 3, 800, MONTHS[-6], seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(first, training_rows(data, 3, 800, MONTHS[-6], seed=1), strict=True))
    assert not all(np.array_equal(a, b)
                   for a, b in zip(first, training_rows(data, 3, 800, MONTHS[-6], seed=2), strict=True))


def test_when_recent_rows_alone_exceed_the_cap_only_recent_rows_are_sampled():
    data = frame()
    rows = training_rows(data, 3, 200, MONTHS[0], seed=0)  # every target is recent
    assert 150 <= sum(len(r) for r in rows) <= 250


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


def test_the_median_grows_larger_trees_than_the_interval_boosters_unless_the_caller_sets_them():
    from bizai.finance.lightgbm_model import DEFAULT_PARAMS, MEDIAN_PARAMS

    model = LightGBMModel(ModelSettings(3, (0.1, 0.5, 0.9), 0, False))
    leaves = {median: (model.lightgbm_params(median)["num_leaves"], model.lightgbm_params(median)["min_child_samples"])
              for median in (True, False)}
    assert leaves[True] == (MEDIAN_PARAMS["num_leaves"], MEDIAN_PARAMS["min_child_samples"])
    assert leaves[False] == (DEFAULT_PARAMS["num_leaves"], DEFAULT_PARAMS["min_child_samples"])
    assert leaves[True][0] > leaves[False][0]
    chosen = LightGBMModel(ModelSettings(3, (0.1, 0.5, 0.9), 0, False), num_leaves=15, min_child_samples=5)
    assert {(chosen.lightgbm_params(m)["num_leaves"], chosen.lightgbm_params(m)["min_child_samples"])
            for m in (True, False)} == {(15, 5)}


@pytest.mark.parametrize(("name", "words"), [
    ("lag_1", "last profit"), ("lag_3", "profit, 3 periods before the forecast start"),
    ("seasonal_lag", "profit, same period last year"), ("mean_6", "profit, average of the last 6 periods"),
    ("known_promo", "promo (planned for the forecast period)"), ("known_promo_at_origin", "promo (at the forecast start)"),
    ("known_promo_vs_recent", "promo (planned, against its recent average)"),
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

    from bizai.finance.lightgbm_model import mean_one

    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", random_state=0, show_progress=False,
                          model_params={"n_estimators": 30, "interval_weighting": interval_weighting})
    history, future = make_panel()
    fc.fit(history, **FIT_COLUMNS)
    model = fc.fitted_model_
    features, target, _ = model.training_data(fc.panel_)
    apart = {}
    for q, weighted in ((0.1, interval_weighting == "scale"), (0.5, True), (0.9, interval_weighting == "scale")):
        apart[q] = lgb.LGBMRegressor(objective="quantile", alpha=q, **model.lightgbm_params(median=q == 0.5))
        weights = mean_one(features["scale"].to_numpy()) if weighted else None  # scales averaging 1: unit-free
        apart[q].fit(features[model.feature_names_], target, sample_weight=weights)
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


def test_rows_drawn_by_weight_give_each_series_its_share_of_each_tier():
    """Over the cap, a draw in proportion to the weights fills the cap exactly, recent targets first, and gives
    every series draws in proportion to its weight within each tier (systematic sampling: to within one draw)."""
    data = frame(n_series=10)
    layout = PanelLayout.of(data)
    usable = usable_rows(data, 3, layout)
    weights = np.repeat(np.arange(1.0, 11.0), len(MONTHS))  # series k weighs k + 1
    recent_from = MONTHS[-12]
    drawn = capped_rows(data, usable, 600, recent_from, 0, weights=weights)
    assert sum(len(rows) for rows in drawn) == 600
    assert all(usable[s][rows].all() and (np.diff(rows) >= 0).all() for s, rows in enumerate(drawn))
    recent = [data[TIME].to_numpy()[rows] > recent_from - pd.DateOffset(months=s) for s, rows in
              enumerate(drawn, start=1)]
    n_recent = 10 * (11 + 11 + 11)  # all of them fit: the recent tier keeps its size, the old tier fills the rest
    assert sum(int(r.sum()) for r in recent) == n_recent
    for tier, size in ((True, n_recent), (False, 600 - n_recent)):
        series = np.concatenate([data[SERIES].to_numpy()[rows][r == tier]
                                 for rows, r in zip(drawn, recent, strict=True)])
        share = np.bincount(series, minlength=10)
        expected = size * np.arange(1, 11) / 55
        assert np.abs(share - expected).max() <= 1.5, (tier, share, expected)
    heavy = capped_rows(data, usable, 600, recent_from, 0, weights=np.where(weights == 10, 1e6, 1.0))
    last = np.concatenate(heavy)
    assert len(last) == 600 and len(np.unique(last)) < 600  # a dominant series' rows are drawn more than once
    again = capped_rows(data, usable, 600, recent_from, 0, weights=weights)
    assert all(np.array_equal(a, b) for a, b in zip(drawn, again, strict=True))


def test_over_the_cap_the_median_trains_unweighted_on_its_draw_by_scale_and_the_intervals_on_the_uniform_one():
    """Each booster must be the one LightGBM trains alone on its rows (binned as the whole table is): the median
    on the rows drawn in proportion to the series scale, without weights; P10 and P90 on the uniform draw."""
    import lightgbm as lgb

    from bizai.finance.lightgbm_model import core_params

    history, future = make_panel(n_series=8, periods=48)
    fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                          model_params={"n_estimators": 30, "max_training_rows": 1000}).fit(history, **FIT_COLUMNS)
    model = fc.fitted_model_
    features, target, median_mask = model.training_data(fc.panel_)
    assert median_mask is not None and median_mask.sum() == 1000 and 900 <= (~median_mask).sum() <= 1100
    median_rows, interval_rows = np.flatnonzero(median_mask), np.flatnonzero(~median_mask)
    # the draw by scale favours big series: their share of the median's rows exceeds their share of the uniform's
    big = features["scale"].to_numpy() > np.median(features["scale"])
    assert big[median_rows].mean() > big[interval_rows].mean() + 0.1
    names = model.feature_names_
    binned = lgb.Dataset(features[names], target, params=core_params(model.lightgbm_params()), free_raw_data=False)
    for q, rows in ((0.1, interval_rows), (0.5, median_rows), (0.9, interval_rows)):
        params = core_params({**model.lightgbm_params(median=q == 0.5), "objective": "quantile", "alpha": q})
        alone = lgb.train(params, binned.construct().subset(rows), num_boost_round=params.pop("n_estimators"))
        np.testing.assert_array_equal(model.booster(q).predict(features[names]), alone.predict(features[names]))
    assert fc.predict(known_future=future)["forecast"].notna().all()


def test_a_median_only_fit_over_the_cap_draws_no_uniform_rows():
    history, _ = make_panel(n_series=8, periods=48)
    fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                          quantiles=(0.5,), model_params={"n_estimators": 10, "max_training_rows": 1000})
    fc.fit(history, **FIT_COLUMNS)
    features, _, median_mask = fc.fitted_model_.training_data(fc.panel_)
    assert len(features) == median_mask.sum() == 1000


def test_equal_sample_weighting_keeps_one_uniform_draw_for_every_booster():
    history, _ = make_panel(n_series=8, periods=48)
    fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                          model_params={"n_estimators": 10, "max_training_rows": 1000, "sample_weighting": "equal"})
    fc.fit(history, **FIT_COLUMNS)
    features, _, median_mask = fc.fitted_model_.training_data(fc.panel_)
    assert median_mask is None and 900 <= len(features) <= 1100


def test_repeated_share_counts_rows_drawn_again():
    from bizai.finance.lightgbm_model import repeated_share

    assert repeated_share([np.array([1, 2, 3]), np.array([1, 4])]) == 0.0
    assert repeated_share([np.array([1, 1, 1, 2]), np.array([5, 5])]) == pytest.approx(3 / 6)
    assert repeated_share([np.zeros(0, np.int64)]) == 0.0


def test_a_series_dwarfing_the_rest_keeps_the_weighted_median_on_the_uniform_draw():
    """A company total beside its stores would be drawn by scale over and over: the draw is dropped and the
    median trains weighted on the uniform draw (no rows of its own)."""
    history, _ = make_panel(n_series=8, periods=48)
    giant = history[history["store"] == history["store"].iloc[0]].assign(store="total")
    giant["profit"] = giant["profit"].abs() * 1000
    fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                          model_params={"n_estimators": 10, "max_training_rows": 1000})
    fc.fit(pd.concat([history, giant], ignore_index=True), **FIT_COLUMNS)
    features, _, median_mask = fc.fitted_model_.training_data(fc.panel_)
    assert median_mask is None and 900 <= len(features) <= 1100
