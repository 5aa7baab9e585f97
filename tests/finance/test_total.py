"""The total over all series: its forecast is the sum of the series' forecasts, its band is its own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai.errors import DataContractError
from bizai.finance import ProfitForecaster

N_SERIES, NOISE = 25, 10.0
COLUMNS = dict(id_col="store", time_col="month", target_col="profit")


def independent_noise_panel(seed: int = 0, periods: int = 72) -> pd.DataFrame:
    """Flat series with independent normal noise: the total's errors are sqrt(n) times one series', not n times."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2018-01-01", periods=periods, freq="MS")
    return pd.DataFrame({"store": np.repeat([f"S{i:02d}" for i in range(N_SERIES)], periods),
                         "month": np.tile(months, N_SERIES),
                         "profit": 1000 + rng.normal(0, NOISE, N_SERIES * periods)})


@pytest.fixture(scope="module")
def calibrated_naive():
    return ProfitForecaster(model="naive", horizon=6, freq="MS", calibration_windows=8).fit(
        independent_noise_panel(), **COLUMNS)


def test_the_total_forecast_is_the_sum_and_its_band_is_the_totals_own(calibrated_naive):
    series = calibrated_naive.predict()
    total = calibrated_naive.predict_total(forecast=series)
    assert list(total.columns) == ["month", "forecast", "p10", "p90"]
    summed = series.groupby("month")["forecast"].sum().to_numpy()
    np.testing.assert_allclose(total["forecast"].to_numpy(), summed)
    # A naive forecast's error on the total: the difference of two independent sums of n noises.
    true_width = 2 * 1.2816 * NOISE * np.sqrt(2 * N_SERIES)
    width = (total["p90"] - total["p10"]).mean()
    assert 0.6 * true_width < width < 1.5 * true_width
    summed_width = (series.groupby("month")["p90"].sum() - series.groupby("month")["p10"].sum()).mean()
    assert summed_width > 3 * width  # adding the series' quantiles would claim far more uncertainty


def test_a_subset_of_the_series_gets_the_band_of_its_own_total(calibrated_naive):
    series = calibrated_naive.predict()
    few = series[series["store"].isin(["S00", "S01", "S02", "S03"])]
    total = calibrated_naive.predict_total(forecast=few)
    np.testing.assert_allclose(total["forecast"].to_numpy(), few.groupby("month")["forecast"].sum().to_numpy())
    true_width = 2 * 1.2816 * NOISE * np.sqrt(2 * 4)  # four series' noise, not twenty-five's
    width = (total["p90"] - total["p10"]).mean()
    assert 0.6 * true_width < width < 1.5 * true_width


def test_a_forecast_of_other_series_is_refused_by_name(calibrated_naive):
    strangers = calibrated_naive.predict().assign(store=lambda f: "X" + f["store"])
    with pytest.raises(DataContractError, match="names none of the model's series in store .*XS00"):
        calibrated_naive.predict_total(forecast=strangers)


def test_the_total_band_follows_the_levels_given_and_the_frame_kind(calibrated_naive):
    series = pl.from_pandas(calibrated_naive.predict()).drop("p90")
    total = calibrated_naive.predict_total(forecast=series)
    assert isinstance(total, pl.DataFrame) and total.columns == ["month", "forecast", "p10"]


def test_the_chart_of_the_total_says_whose_band_it_is(calibrated_naive):
    spec = str(calibrated_naive.plot().to_dict())
    assert "(of the total)" in spec and "sum of entity ranges" not in spec
    uncalibrated = ProfitForecaster(model="naive", horizon=6, freq="MS").fit(independent_noise_panel(), **COLUMNS)
    assert "sum of entity ranges" in str(uncalibrated.plot().to_dict())


def test_the_total_needs_calibration_windows():
    model = ProfitForecaster(model="naive", horizon=3, freq="MS").fit(independent_noise_panel(), **COLUMNS)
    with pytest.raises(DataContractError, match="calibration_windows=2 or more"):
        model.predict_total()
