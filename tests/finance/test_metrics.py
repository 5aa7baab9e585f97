import numpy as np
import pytest

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


def test_wape_of_all_zero_actuals_is_nan_not_infinite():
    assert np.isnan(wape(np.zeros(3), np.ones(3)))
