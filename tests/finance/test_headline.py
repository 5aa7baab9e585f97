"""The forecast headline: total over the horizon and the change on the same periods a year before."""

from __future__ import annotations

import pandas as pd
import pytest

from bizai.finance import ProfitForecaster
from bizai.finance.headline import forecast_headline

MONTHS = pd.date_range("2022-01-01", periods=24, freq="MS")


def history() -> pd.DataFrame:
    rows = [(store, month, 100.0 + i if store == "A" else 10.0) for store in "AB" for i, month in enumerate(MONTHS)]
    return pd.DataFrame(rows, columns=["store", "month", "sales"])


def test_total_and_change_on_the_same_months_a_year_before():
    fc = ProfitForecaster(model="naive", horizon=3, freq="MS").fit(history(), id_col="store", time_col="month",
                                                                   target_col="sales")
    forecast = fc.predict()  # naive: A stays at 123, B at 10 for Jan-Mar 2024
    headline = forecast_headline(fc.panel_, forecast)
    assert headline.total == pytest.approx(3 * 123 + 3 * 10)
    # Jan-Mar 2023: A was 112, 113, 114; B 10 each
    assert headline.year_before == pytest.approx(112 + 113 + 114 + 30)
    assert headline.change == pytest.approx(399 / 369 - 1)
    assert (headline.first, headline.last) == (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-03-01"))


def test_only_the_series_forecast_are_compared():
    fc = ProfitForecaster(model="naive", horizon=2, freq="MS").fit(history(), id_col="store", time_col="month",
                                                                   target_col="sales")
    forecast = fc.predict()
    headline = forecast_headline(fc.panel_, forecast[forecast["store"] == "B"])
    assert (headline.total, headline.year_before) == (20.0, 20.0) and headline.change == 0.0


def test_without_a_full_year_of_history_there_is_no_change():
    short = history()[lambda d: d["month"] >= "2023-03-01"]
    fc = ProfitForecaster(model="naive", horizon=3, freq="MS").fit(short, id_col="store", time_col="month",
                                                                   target_col="sales")
    headline = forecast_headline(fc.panel_, fc.predict())
    assert headline.year_before is None and headline.change is None
