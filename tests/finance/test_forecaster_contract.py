"""The promise every forecasting model keeps, checked for each one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai import NotFittedError
from bizai.finance import ProfitForecaster
from bizai.finance.headline import forecast_headline
from bizai.finance.plots import backtest_chart
from tests.conftest import FIT_COLUMNS

TINY_TFT = {"max_epochs": 2, "limit_train_batches": 4, "hidden_size": 8, "hidden_continuous_size": 4,
            "attention_head_size": 1, "batch_size": 32}
MODELS = {"naive": None, "seasonal_naive": None, "lightgbm": {"n_estimators": 40}, "tft": TINY_TFT}


def forecaster(model: str) -> ProfitForecaster:
    return ProfitForecaster(model=model, horizon=6, freq="MS", random_state=0, model_params=MODELS[model])


@pytest.fixture(scope="module", params=list(MODELS))
def fitted(request, panel):
    history, future = panel
    model = forecaster(request.param)
    returned = model.fit(history, **FIT_COLUMNS)
    return request.param, model, returned, model.predict(known_future=future)


def test_fit_returns_self(fitted):
    _, model, returned, _ = fitted
    assert returned is model


def test_prediction_shape_and_columns(fitted, panel):
    _, _, _, prediction = fitted
    history, future = panel
    assert list(prediction.columns) == ["store", "month", "forecast", "p10", "p50", "p90"]
    assert len(prediction) == history["store"].nunique() * 6
    assert set(zip(prediction["store"], prediction["month"], strict=True)) == set(
        zip(future["store"], future["month"], strict=True))
    assert prediction[["forecast", "p10", "p50", "p90"]].notna().all().all()
    assert (prediction["p10"] <= prediction["p50"]).all() and (prediction["p50"] <= prediction["p90"]).all()
    assert np.allclose(prediction["forecast"], prediction["p50"])


def test_polars_in_polars_out(fitted, panel):
    name, _, _, prediction = fitted
    history, future = panel
    model = forecaster(name).fit(pl.from_pandas(history), **FIT_COLUMNS)
    out = model.predict(known_future=pl.from_pandas(future))
    assert isinstance(out, pl.DataFrame)
    assert np.allclose(out["forecast"].to_numpy(), prediction["forecast"].to_numpy(), rtol=1e-5)


@pytest.mark.parametrize(("given", "message"), [
    (lambda h: pl.from_pandas(h)["profit"], r"got polars\.Series \(one column\): .*series\.to_frame\(\)"),
    (lambda h: h["profit"], r"got pandas\.Series"),
    (lambda h: h.to_dict("list"), r"got a dict: make it a DataFrame first"),
    (lambda h: h.to_numpy(), r"got numpy\.ndarray: make it a DataFrame first"),
])
def test_what_is_not_a_frame_is_named_with_how_to_make_one(panel, given, message):
    with pytest.raises(TypeError, match=rf"Expected a pandas or polars DataFrame, {message}"):
        ProfitForecaster(model="naive", horizon=2).fit(given(panel[0]), **FIT_COLUMNS)


def test_a_polars_lazy_frame_is_collected_and_answered_with_a_polars_frame(panel):
    model = ProfitForecaster(model="naive", horizon=2).fit(pl.from_pandas(panel[0]).lazy(), **FIT_COLUMNS)
    assert isinstance(model.predict(known_future=pl.from_pandas(panel[1]).lazy()), pl.DataFrame)


def test_save_load_gives_identical_predictions(fitted, panel, tmp_path):
    _, model, _, prediction = fitted
    model.save(tmp_path / "model")
    loaded = ProfitForecaster.load(tmp_path / "model")
    again = loaded.predict(known_future=panel[1])
    pd.testing.assert_frame_equal(again, prediction)
    assert loaded.meta_["training_rows"] == len(panel[0])


def test_same_random_state_same_forecast(fitted, panel):
    name, _, _, prediction = fitted
    again = forecaster(name).fit(panel[0], **FIT_COLUMNS).predict(known_future=panel[1])
    np.testing.assert_allclose(again["forecast"], prediction["forecast"], rtol=1e-6)


def test_unfitted_use_raises(fitted):
    name, *_ = fitted
    with pytest.raises(NotFittedError, match="not fitted"):
        forecaster(name).predict()


def test_forecast_from_newer_history_without_refitting(fitted, panel):
    """`predict(data=...)` forecasts from new history, including a series never seen at fit time."""
    name, model, _, _ = fitted
    history, future = panel
    newcomer = history[history["store"] == "S1"].assign(store="NEW")
    out = model.predict(known_future=pd.concat([future, future[future["store"] == "S1"].assign(store="NEW")]),
                        data=pd.concat([history, newcomer]))
    assert (out["store"] == "NEW").sum() == 6
    assert out["forecast"].notna().all()
    if name == "tft":  # the TFT cannot encode an unseen id: the naive fallback forecasts it (the last value)
        np.testing.assert_allclose(out.loc[out["store"] == "NEW", "forecast"], newcomer["profit"].iloc[-1])


def test_polars_dates_come_back_as_dates_and_join_the_callers_frames(panel):
    history, future = (pl.from_pandas(frame).with_columns(pl.col("month").cast(pl.Date)) for frame in panel)
    model = ProfitForecaster(model="naive", horizon=6, freq="MS").fit(history, **FIT_COLUMNS)
    forecast = model.predict(known_future=future)
    assert forecast.schema["month"] == pl.Date
    assert len(future.join(forecast, on=["store", "month"])) == len(future)  # polars refuses date = datetime joins
    backtest = model.backtest(history, n_windows=2)
    assert backtest.forecasts.schema["month"] == pl.Date and backtest.forecasts.schema["cutoff"] == pl.Date
    assert model.predict(known_future=future, data=history.with_columns(pl.col("month").cast(pl.Datetime))).schema[
        "month"] == pl.Datetime("us")  # newer history as (polars' microsecond) datetimes: those back
    model.date_cols_ = ("month",)  # what a model saved by an earlier version holds: the names of its polars dates
    assert model.predict(known_future=future).schema["month"] == pl.Date


@pytest.mark.parametrize("zone", [None, "America/New_York"])
def test_polars_datetimes_come_back_in_their_own_unit_and_zone(panel, zone):
    history, future = (pl.from_pandas(frame).with_columns(pl.col("month").cast(pl.Datetime("us")).dt
                                                          .replace_time_zone(zone)) for frame in panel)
    model = ProfitForecaster(model="naive", horizon=6, freq="MS").fit(history, **FIT_COLUMNS)
    forecast = model.predict(known_future=future)
    assert forecast.schema["month"] == pl.Datetime("us", zone)  # pandas' nanoseconds would not join
    assert len(future.join(forecast, on=["store", "month"])) == len(future)
    assert model.backtest(n_windows=1).forecasts.schema["cutoff"] == pl.Datetime("us", zone)


@pytest.mark.parametrize("typed", [
    pytest.param(lambda month: month.dt.to_period("M"), id="period"),
    pytest.param(lambda month: month.dt.tz_localize("Europe/Berlin"), id="time zone"),
    pytest.param(lambda month: month.astype("datetime64[s]"), id="seconds"),
])
def test_pandas_time_columns_come_back_typed_as_given_so_they_merge(panel, typed):
    history, future = (frame.assign(month=typed(frame["month"])) for frame in panel)
    model = ProfitForecaster(model="naive", horizon=6, freq="MS", calibration_windows=2).fit(history, **FIT_COLUMNS)
    forecast = model.predict(known_future=future)
    assert forecast["month"].dtype == history["month"].dtype
    # A Period column merged on datetimes matches nothing, without an error; zoned on naive raises.
    assert len(future.merge(forecast, on=["store", "month"])) == len(future)
    assert model.predict_total(forecast=forecast)["month"].dtype == history["month"].dtype
    backtest = model.backtest(n_windows=1).forecasts
    assert backtest["cutoff"].dtype == backtest["month"].dtype == history["month"].dtype
    assert len(backtest.merge(history, on=["store", "month"])) == len(backtest)
    # Charts and the headline read them on the history's clock: last year's months are found.
    assert forecast_headline(model.panel_, forecast).year_before is not None
    chart = model.plot(forecast=forecast, compare={"again": forecast}).to_dict()
    assert len(chart["datasets"]) >= 2
    backtest_chart(backtest, model.panel_.columns).to_dict()


def test_weekly_periods_read_by_their_first_day_and_come_back_as_periods():
    weeks = pd.period_range("2023-01-01", periods=30, freq="W-SUN")
    history = pd.DataFrame({"store": "A", "week": weeks, "sales": np.arange(30.0)})
    forecast = ProfitForecaster(model="naive", horizon=2).fit(history, id_col="store", time_col="week",
                                                              target_col="sales").predict()
    assert forecast["week"].tolist() == list(pd.period_range(weeks[-1] + 1, periods=2, freq="W-SUN"))
