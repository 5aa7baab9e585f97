import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai.errors import DataContractError
from bizai.finance import coverage, mae, mase, pinball, rmse, smape, wape


def test_metrics_against_hand_computed_values():
    actual, forecast = np.array([10.0, 0.0, -5.0, 20.0]), np.array([12.0, 0.0, -3.0, 10.0])
    assert mae(actual, forecast) == pytest.approx((2 + 0 + 2 + 10) / 4)
    assert rmse(actual, forecast) == pytest.approx(np.sqrt((4 + 0 + 4 + 100) / 4))
    assert wape(actual, forecast) == pytest.approx(14 / 35)
    # the (0, 0) pair counts as perfect; no division by a single zero or negative actual
    assert smape(actual, forecast) == pytest.approx((4 / 22 + 0 + 4 / 8 + 20 / 30) / 4)
    assert mase(actual, forecast, naive_scale=7.0) == pytest.approx(0.5)


def test_pinball_and_coverage():
    actual = np.array([1.0, 2.0, 3.0])
    assert pinball(actual, np.array([2.0, 2.0, 2.0]), 0.9) == pytest.approx((0.1 + 0 + 0.9) / 3)
    assert coverage(actual, np.array([0.0, 2.5, 2.0]), np.array([2.0, 3.0, 4.0])) == pytest.approx(2 / 3)


def test_metrics_take_any_sequence_and_name_what_does_not_pair_up():
    assert mae(pl.Series([1.0, 3.0]), pd.Series([1.0, 2.0], dtype="Float64")) == 0.5  # polars, nullable pandas
    assert np.isnan(mae(pd.Series([1.0, None], dtype="Float64"), [1.0, 2.0]))  # NA is NaN, as numpy's mean gives
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(rmse([], []))  # no values, no score: and no numpy warning about an empty mean
    with pytest.raises(DataContractError, match=r"lengths differ: actual 3, forecast 2"):
        mae([1, 2, 3], [1, 2])
    with pytest.raises(DataContractError, match=r"lengths differ: actual 2, lower 2, upper 1"):
        coverage([1, 2], [0, 0], [3])
    with pytest.raises(DataContractError, match=r"forecast must hold numbers; it holds 'n/a'"):
        wape([1, 2], [1, "n/a"])
    with pytest.raises(DataContractError, match=r"q must be a number above 0 up to 1, got 90"):
        pinball([1], [1], 90)
    with pytest.raises(DataContractError, match=r"naive_scale must be a number"):
        mase([1], [1], [1, 2])


def test_wape_of_all_zero_actuals_is_nan_not_infinite():
    assert np.isnan(wape(np.zeros(3), np.ones(3)))


@pytest.mark.parametrize("freq,season", [("MS", 12), ("ME", 12), ("BMS", 12), ("BME", 12), ("W-SUN", 52), ("2W", 26),
                                         ("D", 7), ("B", 5), ("QS", 4), ("2MS", 6), ("YS", 1), ("h", 24)])
def test_season_length_follows_the_kind_of_frequency(freq, season):
    from bizai.finance.panel import season_length

    assert season_length(freq) == season


def test_mase_is_per_series_then_averaged():
    from bizai.finance.metrics import mean_mase

    frame = pd.DataFrame({"series": ["big", "big", "small", "small"], "actual": [1000.0, 1000.0, 10.0, 10.0],
                          "forecast": [1100.0, 900.0, 11.0, 9.0], "naive_scale": [100.0, 100.0, 1.0, 1.0]})
    frame.loc[2:3, "forecast"] = [13.0, 7.0]
    # big: MAE 100 / scale 100 = 1; small: MAE 3 / scale 1 = 3. Pooled (51.5 / 50.5 = 1.02) would hide the small one.
    assert mean_mase(frame, ["series"]) == pytest.approx((1.0 + 3.0) / 2)


def test_readable_metrics_names_and_coverage_verdicts():
    from bizai.finance.metrics import coverage_verdict, readable_metrics

    table = pd.DataFrame({"model": ["lightgbm"], "mae": [10.0], "wape": [0.1], "pinball_p10": [1.0],
                          "coverage_p10_p90": [0.64]})
    assert list(readable_metrics(table).columns) == ["model", "typical miss (MAE)", "WAPE",
                                                     "P10–P90 range held actuals"]
    assert "held 64% of actuals (it should hold 80%): too narrow" in coverage_verdict("p10", "p90", 0.64)
    assert coverage_verdict("p25", "p75", 0.52).endswith("it can be trusted.") and coverage_verdict("p25", "p75", 0.52).good
    assert not coverage_verdict("p10", "p90", 0.64).good
    assert "wider than needed" in coverage_verdict("p10", "p90", 0.95)


def test_mase_of_a_series_without_a_naive_scale_is_left_out_of_the_mean():
    # naive_scales gives NaN for a series with a single period before the cutoff (a store that has just opened)
    from bizai.finance.metrics import mean_mase

    assert np.isnan(mase([1.0, 2.0], [1.0, 3.0], naive_scale=float("nan")))
    frame = pd.DataFrame({"series": ["a", "a", "new"], "actual": [10.0, 20.0, 5.0], "forecast": [12.0, 18.0, 9.0],
                          "naive_scale": [2.0, 2.0, np.nan]})
    assert mean_mase(frame, ["series"]) == pytest.approx(1.0)
