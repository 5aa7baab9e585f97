"""The promise every forecasting model keeps, checked for each one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai import NotFittedError
from bizai.finance import ProfitForecaster
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
        "month"] == pl.Datetime("ns")  # newer history as datetimes: datetimes back
