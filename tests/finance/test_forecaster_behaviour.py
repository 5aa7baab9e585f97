"""Leakage, gaps, short series, frequencies, backtests, auto, drivers and charts."""

from __future__ import annotations

import warnings

import altair as alt
import numpy as np
import pandas as pd
import pytest

from bizai.errors import DataContractError
from bizai.finance import ProfitForecaster
from tests.conftest import FIT_COLUMNS, make_panel

FAST_LGBM = {"n_estimators": 40}


def test_backtest_does_not_leak_the_future(panel):
    """Scrambling targets after a cutoff must not change that cutoff's forecasts (model features or backtest)."""
    history, _ = panel
    model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, model_params=FAST_LGBM)
    first = model.backtest(history, n_windows=2, **FIT_COLUMNS).forecasts
    cutoff = first["cutoff"].min()
    scrambled = history.copy()
    after = scrambled["month"] > cutoff
    scrambled.loc[after, "profit"] = np.random.default_rng(1).normal(0, 1e6, after.sum())
    scrambled.loc[after, "revenue"] = -1.0
    second = model.backtest(scrambled, n_windows=2, **FIT_COLUMNS).forecasts
    a = first[first["cutoff"] == cutoff].reset_index(drop=True)
    b = second[second["cutoff"] == cutoff].reset_index(drop=True)
    pd.testing.assert_series_equal(a["forecast"], b["forecast"])
    assert not np.allclose(a["actual"], b["actual"])


def test_backtest_result_has_actuals_cutoffs_and_metrics(panel):
    history, _ = panel
    result = ProfitForecaster(model="seasonal_naive", horizon=3, freq="MS").backtest(
        history, n_windows=3, **FIT_COLUMNS)
    assert result.forecasts["cutoff"].nunique() == 3
    assert {"actual", "forecast", "p10", "p90", "model"} <= set(result.forecasts.columns)
    row = result.metrics.iloc[0]
    assert row["model"] == "seasonal_naive"
    for metric in ("mae", "rmse", "wape", "smape", "mase", "pinball_p50", "coverage_p10_p90"):
        assert np.isfinite(row[metric]), metric
    assert len(result.window_metrics) == 3


def test_lightgbm_beats_naive_on_seasonal_data():
    history, _ = make_panel(n_series=6, periods=48, seed=3)
    scores = {}
    for name in ("naive", "lightgbm"):
        model = ProfitForecaster(model=name, horizon=6, freq="MS", random_state=0, model_params=None)
        scores[name] = model.backtest(history, n_windows=2, **FIT_COLUMNS).metrics.iloc[0]["mae"]
    assert scores["lightgbm"] < scores["naive"]


def test_auto_keeps_the_best_candidate_and_shows_the_leaderboard(panel):
    history, future = panel
    model = ProfitForecaster(model="auto", horizon=6, freq="MS", random_state=0).fit(history, **FIT_COLUMNS)
    board = model.leaderboard_
    assert set(board["model"]) >= {"naive", "seasonal_naive", "lightgbm"}
    assert board["mae"].is_monotonic_increasing
    assert model.model_name_ == board.iloc[0]["model"]
    assert len(model.predict(known_future=future)) == 30


def test_missing_periods_are_filled_and_reported(panel):
    history, future = panel
    gappy = history.drop(index=[5, 6, 40])
    model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", model_params=FAST_LGBM).fit(gappy, **FIT_COLUMNS)
    assert len(model.panel_.filled) == 3
    assert set(model.panel_.filled["store"]) == {"S0", "S1"}
    assert model.predict(known_future=future)["forecast"].notna().all()


def test_short_series_get_a_fallback_and_a_warning(panel):
    history, future = panel
    short = history[(history["store"] != "S4") | (history["month"] >= "2023-11-01")]
    with pytest.warns(UserWarning, match="fallback.*S4"):
        model = ProfitForecaster(model="seasonal_naive", horizon=6, freq="MS").fit(short, **FIT_COLUMNS)
    out = model.predict(known_future=future)
    last = short[short["store"] == "S4"].sort_values("month")["profit"].iloc[-1]
    assert np.allclose(out.loc[out["store"] == "S4", "forecast"], last)


def test_series_that_ended_are_not_forecast(panel):
    history, future = panel
    ended = history[(history["store"] != "S2") | (history["month"] <= "2022-06-01")]
    model = ProfitForecaster(model="naive", horizon=6, freq="MS").fit(ended, **FIT_COLUMNS)
    with pytest.warns(UserWarning, match="ended.*S2"):
        out = model.predict(known_future=future)
    assert "S2" not in set(out["store"])


@pytest.mark.parametrize("freq", ["D", "W-MON", "W-SUN", "QS"])
def test_other_frequencies(freq):
    start = {"W-MON": "2021-01-04", "W-SUN": "2021-01-03"}.get(freq, "2021-01-01")
    history, future = make_panel(n_series=3, periods=40, freq=freq, start=start)
    model = ProfitForecaster(model="lightgbm", horizon=4, freq=freq, model_params=FAST_LGBM, random_state=0)
    out = model.fit(history, **FIT_COLUMNS).predict(known_future=future)
    assert len(out) == 12
    expected = pd.date_range(history["month"].max(), periods=5, freq=freq)[1:]
    assert sorted(out["month"].unique()) == list(expected)


def test_frequency_is_inferred_when_not_given(panel):
    model = ProfitForecaster(model="naive", horizon=2).fit(panel[0], **FIT_COLUMNS)
    assert model.panel_.freq == "MS"


def test_several_id_columns_are_kept(panel):
    history, future = panel
    history = history.assign(chain=np.where(history["store"] < "S2", "A", "B"))
    future = future.assign(chain=np.where(future["store"] < "S2", "A", "B"))
    columns = {**FIT_COLUMNS, "id_col": ["chain", "store"]}
    out = ProfitForecaster(model="naive", horizon=6).fit(history, **columns).predict(known_future=future)
    assert list(out.columns[:3]) == ["chain", "store", "month"]


def test_negative_profit_is_forecast_without_blow_up(panel):
    history, future = panel
    negative = history.assign(profit=history["profit"] - 400)
    assert (negative["profit"] < 0).any()
    out = ProfitForecaster(model="lightgbm", horizon=6, model_params=FAST_LGBM, random_state=0).fit(
        negative, **FIT_COLUMNS).predict(known_future=future)
    assert np.isfinite(out["forecast"]).all()
    assert (out["forecast"] < 0).any()


def test_feature_importance_and_contributions(panel):
    history, future = panel
    model = ProfitForecaster(model="lightgbm", horizon=6, model_params=FAST_LGBM, random_state=0).fit(
        history, **FIT_COLUMNS)
    importance = model.feature_importance()
    assert np.isclose(importance["importance"].sum(), 1.0)
    assert {"known_promo", "seasonal_lag", "static_region"} <= set(importance["feature"])
    contributions = model.contributions(known_future=future)
    totals = contributions.groupby(["store", "month"])["contribution"].sum().reset_index()
    predicted = model.predict(known_future=future).merge(totals, on=["store", "month"])
    # SHAP values add up to the raw median-model output; quantile sorting never moves the median here.
    np.testing.assert_allclose(predicted["contribution"], predicted["p50"], rtol=1e-4)
    # the series asked for only (SHAP costs milliseconds a forecast): the same values as in the whole table
    stores = sorted(history["store"].unique())[:2]
    some = model.contributions(known_future=future, ids={"store": stores})
    assert set(some["store"]) == set(stores)
    whole = contributions[contributions["store"].isin(stores)].reset_index(drop=True)
    pd.testing.assert_frame_equal(some.reset_index(drop=True), whole)
    assert set(model.contributions(known_future=future, ids={"store": stores[0]})["store"]) == {stores[0]}
    assert set(model.contributions(known_future=future, ids={"store": pd.Index(stores)})["store"]) == set(stores)
    with pytest.raises(DataContractError, match="'region' is not an id column"):
        model.contributions(known_future=future, ids={"region": "North"})
    with pytest.raises(DataContractError, match="No series that is forecast matches ids="):
        model.contributions(known_future=future, ids={"store": "nowhere"})


def test_feature_importance_refused_for_baselines(panel):
    model = ProfitForecaster(model="naive").fit(panel[0], **FIT_COLUMNS)
    with pytest.raises(Exception, match="no feature importance"):
        model.feature_importance()


def test_naive_bands_from_a_sample_of_a_long_history_match_the_whole(monkeypatch):
    """Over MAX_ERRORS rows the naive model learns its bands from one seeded sample of rows: the same widths each
    fit, and close to those learnt from every row."""
    from bizai.finance import baselines

    history, _ = make_panel(n_series=40, periods=120, seed=3)
    widths = lambda: ProfitForecaster(model="naive", horizon=3).fit(  # noqa: E731
        history, **FIT_COLUMNS).fitted_model_.offsets_
    whole = widths()
    monkeypatch.setattr(baselines, "MAX_ERRORS", 2000)  # of 4,800 rows
    sampled, again = widths(), widths()
    assert sampled == again
    assert sampled != whole
    for step in whole:
        for q in whole[step]:
            assert sampled[step][q] == pytest.approx(whole[step][q], rel=0.15)


def test_plot_draws_history_band_and_forecast(panel):
    history, future = panel
    model = ProfitForecaster(model="naive", horizon=6).fit(history, **FIT_COLUMNS)
    for series in ("S1", None):
        chart = model.plot(id=series, forecast=model.predict(known_future=future))
        assert isinstance(chart, alt.LayerChart)
        spec = chart.to_dict()
        assert [layer["mark"]["type"] for layer in spec["layer"]] == ["area", "line", "line"]
    # a model with known covariates predicts for the chart from the plan it is given
    assert model.plot(id="S1", known_future=future).to_dict() == model.plot(
        id="S1", forecast=model.predict(known_future=future)).to_dict()


def test_quantile_labels_follow_the_levels(panel):
    history, future = panel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = ProfitForecaster(model="naive", horizon=6, quantiles=(0.05, 0.5, 0.95)).fit(
            history, **FIT_COLUMNS).predict(known_future=future)
    assert list(out.columns[-3:]) == ["p5", "p50", "p95"]


def test_predict_batches_give_the_same_forecasts_as_predict(panel):
    history, future = panel
    model = ProfitForecaster(model="lightgbm", horizon=6, model_params=FAST_LGBM, random_state=0).fit(
        history, **FIT_COLUMNS)
    batches = list(model.predict_batches(known_future=future, series_per_batch=2))
    assert [batch["store"].nunique() for batch in batches] == [2, 2, 1]
    pd.testing.assert_frame_equal(pd.concat(batches, ignore_index=True), model.predict(known_future=future))


def test_calibrated_intervals_come_from_backtest_errors(panel):
    from bizai.errors import DataContractError

    history, future = panel
    raw = ProfitForecaster(model="naive", horizon=6, freq="MS").fit(history, **FIT_COLUMNS).predict(known_future=future)
    model = ProfitForecaster(model="naive", horizon=6, freq="MS", calibration_windows=3).fit(history, **FIT_COLUMNS)
    calibrated = model.predict(known_future=future)
    assert set(model.calibration_) == {"level", "coverage_before", "coverage_after"}
    assert np.allclose(calibrated["forecast"], raw["forecast"]) and np.allclose(calibrated["p50"], raw["p50"])
    assert not np.allclose(calibrated["p90"], raw["p90"])
    assert (calibrated["p10"] <= calibrated["p50"]).all() and (calibrated["p50"] <= calibrated["p90"]).all()
    widths = (calibrated["p90"] - calibrated["p10"]).groupby(calibrated["store"]).mean()
    assert widths.is_monotonic_increasing  # bigger stores (S0 < S1 < ...) get wider ranges: scaled per series
    with pytest.raises(DataContractError, match="calibration_windows must be 0"):
        ProfitForecaster(calibration_windows=1).fit(history, **FIT_COLUMNS)


def test_a_calibrated_lightgbm_trains_the_median_alone_and_still_gives_every_band(panel):
    history, future = panel
    model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", calibration_windows=2, quantiles=(0.1, 0.5, 0.9),
                             model_params=FAST_LGBM, random_state=0).fit(history, **FIT_COLUMNS)
    assert list(model.fitted_model_.boosters_) == [0.5]  # its own interval boosters would be replaced anyway
    out = model.predict(known_future=future)
    assert list(out.columns[-4:]) == ["forecast", "p10", "p50", "p90"]
    assert (out["p10"] < out["p50"]).all() and (out["p50"] < out["p90"]).all()
    assert model.calibration_["coverage_before"] is None and 0 <= model.calibration_["coverage_after"] <= 1


@pytest.mark.parametrize("unit", [1e-6, 1e3])
def test_lightgbm_forecasts_do_not_depend_on_the_targets_units(panel, unit):
    # weights in the target's units met LightGBM's reg_lambda: profits in millions forecast 1.7% apart from units
    history, future = make_panel(n_series=8, periods=36)
    columns = {**FIT_COLUMNS, "past_cols": []}

    def forecast(frame):
        model = ProfitForecaster(model="lightgbm", horizon=3, random_state=0, model_params={"n_estimators": 40})
        return model.fit(frame, **columns).predict(known_future=future)

    base, scaled = forecast(history), forecast(history.assign(profit=history["profit"] * unit))
    np.testing.assert_allclose(scaled["forecast"] / unit, base["forecast"], rtol=1e-6)
    np.testing.assert_allclose(scaled["p90"] / unit, base["p90"], rtol=1e-6)
