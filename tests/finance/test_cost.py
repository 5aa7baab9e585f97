"""The expected training time said before training: it grows with what makes training slow."""

from bizai.finance.cost import duration_in_words, expected_fit_seconds


def test_expected_time_grows_with_rows_horizon_windows_and_levels():
    base = expected_fit_seconds("lightgbm", 10_000, 6, quantiles=3, threads=2)
    assert expected_fit_seconds("lightgbm", 20_000, 6, quantiles=3, threads=2) > base
    assert expected_fit_seconds("lightgbm", 10_000, 12, quantiles=3, threads=2) > base
    assert expected_fit_seconds("lightgbm", 10_000, 6, quantiles=7, threads=2) > base
    assert expected_fit_seconds("auto", 10_000, 6, quantiles=3, threads=2) > base
    assert expected_fit_seconds("naive", 10_000, 6, threads=2) < base < expected_fit_seconds("tft", 10_000, 6, threads=2)
    assert expected_fit_seconds("lightgbm", 10_000, 6, quantiles=3, threads=8) < base


def test_calibration_windows_cost_fits_but_drop_the_interval_boosters():
    one_fit_point_only = expected_fit_seconds("lightgbm", 10_000, 6, quantiles=1, threads=2)
    calibrated = expected_fit_seconds("lightgbm", 10_000, 6, quantiles=7, calibration_windows=3, threads=2)
    assert calibrated == 4 * one_fit_point_only


def test_the_training_table_cap_bounds_the_time():
    capped = expected_fit_seconds("lightgbm", 1_000_000, 6, threads=2)
    assert capped == expected_fit_seconds("lightgbm", 2_000_000, 6, threads=2)  # both above 250,000 table rows
    # over the cap the median trains unweighted on its draw by scale: cheaper than a weighted one on as many rows
    at_the_cap = expected_fit_seconds("lightgbm", 250_000 // 5, 5, quantiles=1, threads=2)
    assert expected_fit_seconds("lightgbm", 1_000_000, 6, quantiles=1, threads=2) < 0.6 * at_the_cap


def test_durations_read_as_words():
    assert duration_in_words(2) == "a few seconds"
    assert duration_in_words(9.2) == "about 10 seconds"
    assert duration_in_words(300) == "about 5 minutes"
    assert duration_in_words(7200) == "about 2.0 hours"
