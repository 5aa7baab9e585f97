"""Features for the direct multi-horizon LightGBM model, built the same way for training and prediction.

Every row is (series, origin time T, step h): features use only what is known at T (target lags, rolling
statistics, past covariates) plus what is known in advance for T+h (known covariates, calendar). Targets and
target-derived features are divided by the series' recent mean absolute level at T, so a store selling
10 units and one selling 10,000 share one model (and negative profit is fine).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bizai.finance.panel import SeriesColumns
from bizai.schema import SERIES, TARGET, TIME


@dataclass(frozen=True)
class FeatureConfig:
    """Which lag and rolling-window features the LightGBM model builds, and the window of the series scale."""
    n_lags: int
    windows: tuple[int, ...]
    season: int
    scale_window: int


def default_feature_config(season: int, horizon: int) -> FeatureConfig:
    """Lags covering a season and twice the horizon (at most 28), windows of 3, 6, one and two seasons."""
    n_lags = int(min(max(season, 2 * horizon, 4), 28))
    windows = tuple(sorted({w for w in (3, 6, season, 2 * season) if 1 < w <= 104}))
    return FeatureConfig(n_lags=n_lags, windows=windows, season=season, scale_window=max(season, 4))


def calendar_features(times: pd.Series, season: int) -> pd.DataFrame:
    """Calendar of the target period; finer fields only for finer frequencies (week-of-year is noise monthly)."""
    times = pd.DatetimeIndex(times)
    calendar = {"cal_month": times.month, "cal_quarter": times.quarter}
    if season >= 52 or season in (5, 7):
        calendar["cal_week"] = times.isocalendar().week.to_numpy().astype(int)
    if season in (5, 7):
        calendar["cal_day_of_week"] = times.dayofweek
        calendar["cal_day_of_month"] = times.day
    return pd.DataFrame(calendar)


def origin_features(frame: pd.DataFrame, columns: SeriesColumns, config: FeatureConfig) -> pd.DataFrame:
    """Features known at each row's time, for every row of `frame` (a sorted, regular panel)."""
    target = frame[TARGET]
    grouped = target.groupby(frame[SERIES])

    def rolling(series: pd.Series, window: int, how: str) -> pd.Series:
        return getattr(series.groupby(frame[SERIES]).rolling(window, min_periods=1), how)().reset_index(
            level=0, drop=True
        )

    scale = rolling(target.abs(), config.scale_window, "mean")
    scale = scale.where(scale > 0, 1.0).fillna(1.0)
    out = {"scale": scale, "log_scale": np.log1p(scale)}
    out["history_length"] = frame.groupby(SERIES).cumcount() + 1
    out["observed_share"] = rolling(target.notna().astype(float), config.scale_window, "mean")
    for lag in range(config.n_lags):
        out[f"lag_{lag + 1}"] = grouped.shift(lag) / scale
    for window in config.windows:
        out[f"mean_{window}"] = rolling(target, window, "mean") / scale
    out[f"std_{config.scale_window}"] = rolling(target, config.scale_window, "std") / scale
    for col in columns.past_cols:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            out[f"past_{col}"] = frame[col]
            continue
        past_scale = rolling(frame[col].abs(), config.scale_window, "mean")
        past_scale = past_scale.where(past_scale > 0, 1.0).fillna(1.0)
        past_grouped = frame[col].groupby(frame[SERIES])
        out[f"past_{col}_lag_1"] = frame[col] / past_scale
        out[f"past_{col}_lag_2"] = past_grouped.shift(1) / past_scale
        out[f"past_{col}_level"] = past_scale / scale
    for col in columns.known_cols:
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            out[f"known_{col}_at_origin"] = frame[col]
    for col in columns.static_cols:
        out[f"static_{col}"] = frame[col]
    features = pd.DataFrame(out, index=frame.index)
    for col in columns.static_cols:
        if not pd.api.types.is_numeric_dtype(features[f"static_{col}"]):
            features[f"static_{col}"] = features[f"static_{col}"].astype("string").astype("category")
    return features


def seasonal_lag(frame: pd.DataFrame, step: int, season: int) -> pd.Series:
    """y[T + step - k*season] seen from origin T, with k the smallest multiple that stays in the past."""
    if season < 2:
        return pd.Series(np.nan, index=frame.index)
    k = int(np.ceil(step / season))
    return frame[TARGET].groupby(frame[SERIES]).shift(k * season - step)


def step_features(
    origin: pd.DataFrame,
    frame: pd.DataFrame,
    target_rows: pd.DataFrame,
    columns: SeriesColumns,
    step: int,
    config: FeatureConfig,
) -> pd.DataFrame:
    """Join origin features with what is known for T+step (`target_rows` aligned to origin rows)."""
    features = origin.copy()
    features["step"] = step
    features["seasonal_lag"] = seasonal_lag(frame, step, config.season).loc[origin.index] / origin["scale"]
    calendar = calendar_features(target_rows[TIME], config.season)
    calendar.index = origin.index
    features = pd.concat([features, calendar], axis=1)
    for col in columns.known_cols:
        features[f"known_{col}"] = target_rows[col].to_numpy()
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            features[f"known_{col}"] = pd.Categorical(target_rows[col], categories=frame[col].cat.categories)
    return features


def steps_ahead(frame: pd.DataFrame, horizon: int, columns: list[str]) -> list[pd.DataFrame]:
    """For steps 1..horizon, `columns` of the row `step` periods later in the same series, aligned to each row."""
    grouped = frame.groupby(SERIES)
    return [grouped[[TIME, TARGET, *columns]].shift(-step) for step in range(1, horizon + 1)]


def training_rows(
    ahead: list[pd.DataFrame], max_rows: int | None, recent_from: pd.Timestamp | None, seed: int
) -> list[np.ndarray]:
    """Which (origin, step) rows train the model: one boolean mask per step over the frame `ahead` came from
    (`steps_ahead`).

    Every row whose target is observed is usable. When there are more than `max_rows`, those whose target lies
    after `recent_from` are all kept (they describe today's level and season) and older ones are
    sampled uniformly (seeded) to fill the rest: neighbouring origins of a series repeat nearly the same lags, so
    a sample of them teaches the trees almost as much at a fraction of the cost.
    """
    masks = [(rows[TARGET].notna() & rows[TIME].notna()).to_numpy() for rows in ahead]
    usable = sum(int(mask.sum()) for mask in masks)
    if max_rows is None or usable <= max_rows:
        return masks
    is_recent = [(rows[TIME] > recent_from).to_numpy() if recent_from is not None else np.zeros(len(rows), bool)
                 for rows in ahead]
    n_recent = sum(int((mask & fresh).sum()) for mask, fresh in zip(masks, is_recent, strict=True))
    rng = np.random.default_rng(seed)
    p_recent = min(1.0, max_rows / max(n_recent, 1))
    p_old = max(0.0, (max_rows - n_recent) / max(usable - n_recent, 1))
    kept = []
    for mask, fresh in zip(masks, is_recent, strict=True):
        draw = rng.random(len(mask))
        kept.append(mask & np.where(fresh, draw < p_recent, draw < p_old))
    return kept


def training_table(
    frame: pd.DataFrame,
    columns: SeriesColumns,
    horizon: int,
    config: FeatureConfig,
    max_rows: int | None = None,
    recent_from: pd.Timestamp | None = None,
    seed: int = 0,
):
    """Stack (origin, step) rows for steps 1..horizon (at most about `max_rows`, see `training_rows`); return
    features and the scaled target."""
    origin = origin_features(frame, columns, config)
    ahead = steps_ahead(frame, horizon, columns.known_cols)
    parts = []
    for step, (target_rows, usable) in enumerate(zip(ahead, training_rows(ahead, max_rows, recent_from, seed),
                                                     strict=True), start=1):
        features = step_features(origin[usable], frame, target_rows[usable], columns, step, config)
        features["__target"] = target_rows.loc[usable, TARGET] / origin.loc[usable, "scale"]
        parts.append(features)
    table = pd.concat(parts, ignore_index=True)
    target = table.pop("__target")
    return table, target


def prediction_table(frame: pd.DataFrame, columns: SeriesColumns, future: pd.DataFrame, config: FeatureConfig):
    """Features for each row of `future` (SERIES, TIME, __step, known covariates), seen from each series' end."""
    origin = origin_features(frame, columns, config)
    last_row_of_series = pd.Series(frame.groupby(SERIES).tail(1).index, index=frame.groupby(SERIES).tail(1)[SERIES])
    parts = []
    for step, rows in future.groupby("__step", sort=True):
        origin_rows = pd.Index(rows[SERIES].map(last_row_of_series))
        target_rows = rows.set_axis(origin_rows)
        features = step_features(origin.loc[origin_rows], frame, target_rows, columns, int(step), config)
        parts.append(features.set_axis(rows.index))
    return pd.concat(parts).loc[future.index]


CALENDAR_WORDS = {"cal_month": "month of the year", "cal_quarter": "quarter", "cal_week": "week of the year",
                  "cal_day_of_week": "day of the week", "cal_day_of_month": "day of the month"}
GENERAL_WORDS = {"step": "periods ahead", "log_scale": "size of the series", "history_length": "length of history",
                 "observed_share": "share of recent periods with data"}


def describe_feature(name: str, target: str, season: int) -> str:
    """A LightGBM feature in the user's words: 'promo_days (planned for the forecast period)' for known_promo_days,
    'profit, same period last year' for seasonal_lag, 'profit, average of the last 3 periods' for mean_3."""
    year = "last year" if season in (12, 52, 4, 365) else "one season before"
    if name in CALENDAR_WORDS or name in GENERAL_WORDS:
        return CALENDAR_WORDS.get(name) or GENERAL_WORDS[name]
    if name == "seasonal_lag":
        return f"{target}, same period {year}"
    for prefix, words in (("lag_", "{t}, {n} periods before the forecast start"),
                          ("mean_", "{t}, average of the last {n} periods"),
                          ("std_", "{t}, variability over the last {n} periods")):
        if name.startswith(prefix) and name.removeprefix(prefix).isdigit():
            number = int(name.removeprefix(prefix))
            return "last " + target if prefix == "lag_" and number == 1 else words.format(t=target, n=number)
    if name.startswith("known_"):
        column = name.removeprefix("known_")
        if column.endswith("_at_origin"):
            return f"{column.removesuffix('_at_origin')} (at the forecast start)"
        return f"{column} (planned for the forecast period)"
    if name.startswith("past_"):
        for suffix, words in (("_lag_1", "last period"), ("_lag_2", "the period before"),
                              ("_level", "level against the target")):
            if name.endswith(suffix):
                return f"{name.removeprefix('past_').removesuffix(suffix)} ({words})"
        return name.removeprefix("past_")
    if name.startswith("static_"):
        return name.removeprefix("static_")
    return name
