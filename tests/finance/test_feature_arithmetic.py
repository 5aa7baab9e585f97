"""The LightGBM features are index arithmetic on numpy arrays (features.PanelLayout, TrailingWindows); they must
equal what pandas' group-by shift and rolling(min_periods=1) give, on a ragged panel with missing targets, for every
row and for a chosen subset of rows, and the training table must hold the same rows either way."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bizai.finance.features import (
    FeatureConfig,
    PanelLayout,
    origin_features,
    seasonal_lag,
    trailing_scale,
    training_rows,
    training_table,
)
from bizai.finance.panel import SeriesColumns
from bizai.schema import SERIES, TARGET, TIME

COLUMNS = SeriesColumns(id_cols=["store"], time_col="month", target_col="sales", static_cols=["format"],
                        known_cols=["promo"], past_cols=["footfall", "weather"])
CONFIG = FeatureConfig(n_lags=5, windows=(3, 6, 12), season=12, scale_window=12)


def ragged_panel(seed: int = 0) -> pd.DataFrame:
    """Series of 1 to 40 months, some targets and covariates missing, sorted by (series, time)."""
    rng = np.random.default_rng(seed)
    parts = []
    for series, length in enumerate([1, 2, 7, 13, 25, 40]):
        months = pd.date_range("2020-01-01", periods=length, freq="MS") + pd.DateOffset(months=int(rng.integers(12)))
        sales = rng.gamma(2, 100 * (series + 1), length)
        sales[rng.random(length) < 0.15] = np.nan
        footfall = rng.normal(50, 10, length)
        footfall[rng.random(length) < 0.1] = np.nan
        parts.append(pd.DataFrame({SERIES: f"s{series}", TIME: months, TARGET: sales,
                                   "promo": rng.integers(0, 3, length), "footfall": footfall,
                                   "weather": pd.Categorical(rng.choice(["sun", "rain"], length),
                                                             categories=["rain", "sun"]),
                                   "format": ["big", "small"][series % 2]}))
    parts[3][TARGET] = 0.0  # a series of zeros: its scale falls back to 1
    return pd.concat(parts, ignore_index=True)


def pandas_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The same features written with pandas group-by operations: the definition the arithmetic must meet."""
    target, by = frame[TARGET], frame[SERIES]

    def rolling(values: pd.Series, window: int, how: str) -> pd.Series:
        return getattr(values.groupby(by).rolling(window, min_periods=1), how)().reset_index(level=0, drop=True)

    scale = rolling(target.abs(), 12, "mean")
    # a window with no observation takes the mean of the series' newest 12 observations, however old
    observed = target.abs().dropna()
    newest = observed.groupby(by[observed.index]).rolling(12, min_periods=1).mean().reset_index(level=0, drop=True)
    newest = newest.reindex(frame.index).groupby(by).ffill()
    scale = scale.fillna(newest)
    scale = scale.where(scale > 0, 1.0).fillna(1.0)
    out = {"scale": scale, "log_scale": np.log1p(scale), "history_length": frame.groupby(SERIES).cumcount() + 1,
           "observed_share": rolling(target.notna().astype(float), 12, "mean")}
    for lag in range(5):
        out[f"lag_{lag + 1}"] = target.groupby(by).shift(lag) / scale
    for window in (3, 6, 12):
        out[f"mean_{window}"] = rolling(target, window, "mean") / scale
    out["std_12"] = rolling(target, 12, "std") / scale
    out["past_footfall_lag_1"] = frame["footfall"] / rolling(frame["footfall"].abs(), 12, "mean")
    out["past_footfall_lag_2"] = frame["footfall"].groupby(by).shift(1) / rolling(frame["footfall"].abs(), 12, "mean")
    return pd.DataFrame(out)


def test_every_rows_features_equal_pandas_group_by_rolling():
    frame = ragged_panel()
    ours, expected = origin_features(frame, COLUMNS, CONFIG), pandas_features(frame)
    for column in expected:
        np.testing.assert_allclose(ours[column].to_numpy(float), expected[column].to_numpy(float), rtol=1e-9,
                                   atol=1e-12, err_msg=column)
    assert (ours.loc[frame[SERIES] == "s3", "scale"] == 1.0).all()
    assert ours["past_weather"].dtype == frame["weather"].dtype and ours["static_format"].dtype == "category"
    assert (ours["known_promo_at_origin"].to_numpy() == frame["promo"].to_numpy()).all()


def test_a_subset_of_rows_gets_the_same_features_as_in_the_whole_table():
    frame = ragged_panel(seed=1)
    rows = np.array([0, 3, 9, 10, 47, len(frame) - 1])
    whole, subset = origin_features(frame, COLUMNS, CONFIG), origin_features(frame, COLUMNS, CONFIG, rows)
    assert list(subset.index) == list(frame.index[rows])
    pd.testing.assert_frame_equal(subset, whole.iloc[rows])


@pytest.mark.parametrize("step", [1, 5, 12, 13])
def test_seasonal_lag_and_training_rows_equal_group_by_shifts(step):
    frame = ragged_panel(seed=2)
    rows = np.arange(len(frame))
    k = int(np.ceil(step / 12))
    expected = frame[TARGET].groupby(frame[SERIES]).shift(k * 12 - step).to_numpy()
    ours = seasonal_lag(frame[TARGET].to_numpy(), PanelLayout.of(frame), rows, step, 12)
    np.testing.assert_array_equal(ours, expected)
    trains = training_rows(frame, step, None, None, 0)[-1]  # a row trains step `step` when that target exists
    np.testing.assert_array_equal(trains, np.flatnonzero(frame.groupby(SERIES)[TARGET].shift(-step).notna()))


def test_the_trailing_scale_over_the_whole_panel_equals_the_origin_features_scale():
    frame = ragged_panel(seed=4)
    np.testing.assert_allclose(trailing_scale(frame, PanelLayout.of(frame), 12),
                               origin_features(frame, COLUMNS, CONFIG)["scale"].to_numpy(), rtol=1e-12)


def test_a_window_with_no_observation_takes_the_scale_of_the_newest_observations_however_old():
    frame = ragged_panel(seed=5)
    gap = (frame[SERIES] == "s5") & frame.index.isin(frame.index[frame[SERIES] == "s5"][20:35])
    frame.loc[gap, TARGET] = np.nan  # 15 months unobserved: 3 windows of 12 see nothing
    ours, expected = origin_features(frame, COLUMNS, CONFIG), pandas_features(frame)
    np.testing.assert_allclose(ours["scale"].to_numpy(), expected["scale"].to_numpy(), rtol=1e-12)
    series = frame[SERIES] == "s5"
    before = frame.loc[series, TARGET].iloc[:20].dropna().abs().tail(12).mean()
    empty_windows = ours.loc[series, "scale"].iloc[31:35]
    np.testing.assert_allclose(empty_windows.to_numpy(), before, rtol=1e-12)  # not 1: the series' own unit
    np.testing.assert_allclose(trailing_scale(frame, PanelLayout.of(frame), 12), ours["scale"].to_numpy(), rtol=1e-12)
    late_rows = np.flatnonzero(series.to_numpy())[30:]  # a subset past the gap: its sums start at its series
    np.testing.assert_allclose(origin_features(frame, COLUMNS, CONFIG, late_rows)["scale"].to_numpy(),
                               ours["scale"].to_numpy()[late_rows], rtol=1e-12)


def test_training_table_targets_are_the_scaled_values_step_periods_later():
    frame = ragged_panel(seed=3)
    table, target = training_table(frame, COLUMNS, 3, CONFIG)
    usable = sum(len(rows) for rows in training_rows(frame, 3, None, None, 0))
    assert len(table) == len(target) == usable
    later = {step: frame.groupby(SERIES)[TARGET].shift(-step) for step in (1, 2, 3)}
    whole = origin_features(frame, COLUMNS, CONFIG)
    first = table.iloc[0]
    row = int(np.flatnonzero(later[1].notna().to_numpy())[0])
    assert first["step"] == 1 and target.iloc[0] == pytest.approx(later[1].iloc[row] / whole["scale"].iloc[row])


def test_an_unsorted_panel_is_refused():
    frame = ragged_panel()
    with pytest.raises(ValueError, match="sorted by series"):
        PanelLayout.of(pd.concat([frame.iloc[:5], frame.iloc[-3:], frame.iloc[5:-3]], ignore_index=True))


@pytest.mark.parametrize("step", [1, 3])
def test_a_planned_known_value_is_compared_with_its_mean_over_the_last_season_at_the_origin(step):
    """known_promo_vs_recent = promo planned for T + step minus promo's mean over the 12 periods up to T (pandas'
    rolling mean, min_periods=1); the helper column holding that mean is not a feature."""
    frame = ragged_panel(seed=5)
    columns = replace(COLUMNS, known_cols=["promo", "weather"], past_cols=["footfall"])
    table, _ = training_table(frame, columns, 3, CONFIG)
    rows = training_rows(frame, 3, None, None, 0)
    offset = sum(len(r) for r in rows[:step - 1])
    origins = rows[step - 1]
    recent = frame["promo"].groupby(frame[SERIES]).rolling(12, min_periods=1).mean().reset_index(level=0, drop=True)
    expected = frame["promo"].to_numpy()[origins + step] - recent.to_numpy()[origins]
    ours = table["known_promo_vs_recent"].to_numpy()[offset:offset + len(origins)]
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
    assert not any(name.startswith("__") for name in table.columns)
    assert "known_weather" in table.columns and "known_weather_vs_recent" not in table.columns  # a category: no mean
