"""Features for the direct multi-horizon LightGBM model, built the same way for training and prediction.

Every row is (series, origin time T, step h): features use only what is known at T (target lags, rolling
statistics, past covariates, the series' descriptions and the parts of a multi-column id) plus what is known in
advance for T+h (known covariates, calendar). Targets and target-derived features are divided by the series' recent
mean absolute level at T, so a store selling 10 units and one selling 10,000 share one model (and negative profit
is fine).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bizai.finance.panel import Panel, SeriesColumns, series_starts
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


@dataclass(frozen=True)
class PanelLayout:
    """Where each row of a panel sorted by (series, time) sits in its series: the positions of its series' first
    and last rows. Lags and windows are then index arithmetic on numpy arrays, for only the rows asked for, instead
    of pandas group-by shifts and rollings over the whole panel (the cost that grew with history)."""

    first: np.ndarray
    last: np.ndarray

    @classmethod
    def of(cls, frame: pd.DataFrame) -> PanelLayout:
        """The layout of `frame`; its series must each lie in one block of rows (a sorted panel)."""
        codes = pd.factorize(frame[SERIES])[0]
        positions = np.arange(len(codes))
        starts = series_starts(codes)
        if int(starts.sum()) != (int(codes.max()) + 1 if len(codes) else 0):
            raise ValueError("The panel's rows must be sorted by series and time.")
        first = np.maximum.accumulate(np.where(starts, positions, 0))
        ends = np.r_[starts[1:], True] if len(codes) else starts
        last = np.minimum.accumulate(np.where(ends, positions, len(codes))[::-1])[::-1]
        return cls(first, last)

    def shifted(self, rows: np.ndarray, by: int) -> np.ndarray:
        """Positions `by` rows later (earlier when negative) in the same series as `rows`; -1 outside it."""
        moved = rows + by
        inside = (moved >= self.first[rows]) & (moved <= self.last[rows])
        return np.where(inside, moved, -1)


def taken(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """values[positions] as floats, NaN where a position is -1 (outside the series)."""
    out = values[np.maximum(positions, 0)].astype(float)
    out[positions < 0] = np.nan
    return out


class TrailingWindows:
    """The last `width` values of a series up to and including each requested row (column j = j periods back),
    NaN before the series starts; means and standard deviations over the newest w columns skip missing values, as
    pandas' rolling(w, min_periods=1) does."""

    def __init__(self, values: np.ndarray, layout: PanelLayout, rows: np.ndarray, width: int):
        back = rows[:, None] - np.arange(width)[None, :]
        self.inside = back >= layout.first[rows][:, None]
        self.values = np.where(self.inside, values[np.maximum(back, 0)], np.nan)
        self.observed = ~np.isnan(self.values)
        self.filled = np.where(self.observed, self.values, 0.0)

    def average(self, filled: np.ndarray, window: int) -> np.ndarray:
        """Mean of `filled` (the windows' values, 0 where missing) over the observed among the newest `window`;
        NaN when none is observed."""
        count = self.observed[:, :window].sum(axis=1)
        return np.divide(filled[:, :window].sum(axis=1), count, out=np.full(len(count), np.nan), where=count > 0)

    def mean(self, window: int) -> np.ndarray:
        """Mean of the observed values among the newest `window`."""
        return self.average(self.filled, window)

    def mean_abs(self, window: int) -> np.ndarray:
        """Mean absolute value of the observed values among the newest `window`."""
        return self.average(np.abs(self.filled), window)

    def std(self, window: int) -> np.ndarray:
        """Sample standard deviation (ddof 1) of the observed values among the newest `window`; NaN below two."""
        count = self.observed[:, :window].sum(axis=1)
        centred = np.where(self.observed[:, :window], self.values[:, :window] - self.mean(window)[:, None], 0.0)
        variance = np.divide((centred ** 2).sum(axis=1), count - 1, out=np.full(len(count), np.nan), where=count > 1)
        return np.sqrt(variance)

    def observed_share(self, window: int) -> np.ndarray:
        """Share of the newest `window` periods inside the series that have a value."""
        return self.observed[:, :window].sum(axis=1) / self.inside[:, :window].sum(axis=1)


# A part of a series id with more values than this is not a feature: its rare values fall under LightGBM's
# min_data_per_group anyway, and each split sorts every value (cost).
MAX_ID_PART_LEVELS = 1000


def id_part_columns(panel: Panel) -> list[str]:
    """The id columns that become category features: each part of a multi-column id (agency and sku, store and
    department) with at most MAX_ID_PART_LEVELS values. Series sharing a product or a store then share what the trees
    learn about it; a one-column id names the series itself, which its scaled lags describe already."""
    ids = panel.columns.id_cols
    if len(ids) < 2:
        return []
    return [col for col in ids if panel.series_ids[col].nunique() <= MAX_ID_PART_LEVELS]


def with_id_parts(panel: Panel, parts: list[str]) -> tuple[pd.DataFrame, SeriesColumns]:
    """The panel's frame with the id columns `parts` as text descriptions of each row's series, and its columns with
    those parts among the descriptive (static) ones, so they become features like any description."""
    if not parts:
        return panel.frame, panel.columns
    frame = panel.frame.copy()
    codes = frame[SERIES].to_numpy()
    lookup = panel.series_ids.set_index(SERIES)
    for col in parts:
        frame[col] = lookup[col].astype(str).reindex(codes).to_numpy(dtype=object)
    return frame, replace(panel.columns, static_cols=[*panel.columns.static_cols, *parts])


# origin_features' recent mean of each numeric known covariate, not a feature itself: step_features subtracts it from
# the planned value (a price above the series' usual, a deeper discount than usual; stallion MAE 232.9 -> 231.8).
RECENT_MEAN = "__recent_mean_"
CHUNK_ROWS = 100_000  # rows per block of trailing windows: bounds memory at (chunk x widest window) floats


def origin_features(frame: pd.DataFrame, columns: SeriesColumns, config: FeatureConfig,
                    rows: np.ndarray | None = None, layout: PanelLayout | None = None) -> pd.DataFrame:
    """Features known at each of `rows` (positions in `frame`, a sorted, regular panel; default every row), indexed
    like those rows of `frame`."""
    layout = layout or PanelLayout.of(frame)
    rows = np.arange(len(frame)) if rows is None else np.asarray(rows, dtype=np.int64)
    parts = [origin_block(frame, columns, config, rows[start:start + CHUNK_ROWS], layout)
             for start in range(0, len(rows), CHUNK_ROWS)] or [origin_block(frame, columns, config, rows, layout)]
    features = pd.concat(parts) if len(parts) > 1 else parts[0]
    for col in columns.static_cols:
        if not pd.api.types.is_numeric_dtype(features[f"static_{col}"]):
            features[f"static_{col}"] = features[f"static_{col}"].astype("string").astype("category")
    return features


def origin_block(frame: pd.DataFrame, columns: SeriesColumns, config: FeatureConfig, rows: np.ndarray,
                 layout: PanelLayout) -> pd.DataFrame:
    """origin_features for one block of rows."""
    width = max(config.n_lags, config.scale_window, *config.windows)
    target = frame[TARGET].to_numpy(dtype=float)
    window = TrailingWindows(target, layout, rows, width)
    scale = unit_scale(window.mean_abs(config.scale_window), target, layout, rows, config.scale_window)
    out = {"scale": scale, "log_scale": np.log1p(scale), "history_length": rows - layout.first[rows] + 1,
           "observed_share": window.observed_share(config.scale_window)}
    for lag in range(config.n_lags):
        out[f"lag_{lag + 1}"] = window.values[:, lag] / scale
    for size in config.windows:
        out[f"mean_{size}"] = window.mean(size) / scale
    out[f"std_{config.scale_window}"] = window.std(config.scale_window) / scale
    for col in columns.past_cols:
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            out[f"past_{col}"] = pd.Categorical(frame[col].to_numpy()[rows], dtype=frame[col].dtype)
            continue
        values = frame[col].to_numpy(dtype=float)
        past = TrailingWindows(values, layout, rows, max(config.scale_window, 2))
        past_scale = past.mean_abs(config.scale_window)
        past_scale = np.where(past_scale > 0, past_scale, 1.0)
        out[f"past_{col}_lag_1"] = past.values[:, 0] / past_scale
        out[f"past_{col}_lag_2"] = past.values[:, 1] / past_scale
        out[f"past_{col}_level"] = past_scale / scale
    for col in columns.known_cols:
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            out[f"known_{col}_at_origin"] = frame[col].to_numpy()[rows]
            known = TrailingWindows(frame[col].to_numpy(dtype=float), layout, rows, config.scale_window)
            out[f"{RECENT_MEAN}{col}"] = known.mean(config.scale_window)  # step_features turns it into a difference
    for col in columns.static_cols:
        out[f"static_{col}"] = frame[col].to_numpy()[rows]
    return pd.DataFrame(out, index=frame.index[rows])


def seasonal_lag(target: np.ndarray, layout: PanelLayout, rows: np.ndarray, step: int, season: int) -> np.ndarray:
    """y[T + step - k*season] seen from origins T (`rows`), with k the smallest multiple that stays in the past."""
    if season < 2:
        return np.full(len(rows), np.nan)
    k = int(np.ceil(step / season))
    return taken(target, layout.shifted(rows, step - k * season))


def step_features(origin: pd.DataFrame, target_rows: pd.DataFrame, seasonal: np.ndarray, frame: pd.DataFrame,
                  columns: SeriesColumns, step: int, config: FeatureConfig) -> pd.DataFrame:
    """Join origin features with what is known for T+step: `target_rows` (time and known covariates of the
    target period) and `seasonal` (seasonal_lag), both aligned to origin's rows."""
    features = origin.copy()
    features["step"] = step
    features["seasonal_lag"] = seasonal / origin["scale"].to_numpy()
    calendar = calendar_features(target_rows[TIME], config.season)
    calendar.index = origin.index
    features = pd.concat([features, calendar], axis=1)
    for col in columns.known_cols:
        features[f"known_{col}"] = target_rows[col].to_numpy()
        if isinstance(frame[col].dtype, pd.CategoricalDtype):
            features[f"known_{col}"] = pd.Categorical(target_rows[col], categories=frame[col].cat.categories)
        else:
            recent = features.pop(f"{RECENT_MEAN}{col}").to_numpy()
            features[f"known_{col}_vs_recent"] = target_rows[col].to_numpy(dtype=float) - recent
    return features


def later(values: np.ndarray, step: int) -> np.ndarray:
    """values[i + step] at each position i, False past the end (a shift by slicing: no gather over the panel)."""
    step = min(step, len(values))
    return np.concatenate([values[step:], np.zeros(step, values.dtype)])


def usable_rows(frame: pd.DataFrame, horizon: int, layout: PanelLayout) -> list[np.ndarray]:
    """One boolean mask per step 1..horizon over the rows of `frame`: row T can train step h when T + h lies in its
    series and its target is observed (its target is then row T + h)."""
    room = layout.last - np.arange(len(frame))  # rows left in the series after each row
    observed = ~np.isnan(frame[TARGET].to_numpy(dtype=float))
    return [(room >= step) & later(observed, step) for step in range(1, horizon + 1)]


def trailing_scale(frame: pd.DataFrame, layout: PanelLayout, window: int) -> np.ndarray:
    """Every row's series scale as origin_features computes it (unit_scale of the mean absolute observed value over
    the newest `window` periods up to the row), by running sums over the panel."""
    values = frame[TARGET].to_numpy(dtype=float)
    observed = ~np.isnan(values)
    sums = np.concatenate([[0.0], np.cumsum(np.where(observed, np.abs(values), 0.0))])
    counts = np.concatenate([[0], np.cumsum(observed)])
    start = np.maximum(layout.first, np.arange(1 - window, len(values) + 1 - window))  # each window's first row
    count = counts[1:] - counts[start]
    scale = np.divide(sums[1:] - sums[start], count, out=np.full(len(values), np.nan), where=count > 0)
    return unit_scale(scale, values, layout, np.arange(len(values)), window)


def unit_scale(window_scale: np.ndarray, values: np.ndarray, layout: PanelLayout, rows: np.ndarray,
               window: int) -> np.ndarray:
    """The unit each of `rows` divides its lags and target by: `window_scale` (its window's mean absolute observed
    value), or where that window observed nothing, the mean absolute value of the series' newest `window` observations
    however old; 1 where that is 0 or the series has none yet.

    A unit of 1 for an empty window put raw values among scaled ones: monthly sales declared daily left most daily
    windows empty, the trees learnt raw targets of ~100 for them and the forecast came out 140 times the level.
    """
    scale = np.asarray(window_scale, dtype=float).copy()
    empty = np.isnan(scale)
    if empty.any():
        scale[empty] = newest_observations_scale(values, layout, np.asarray(rows)[empty], window)
    return np.where(scale > 0, scale, 1.0)  # NaN compares False: no observation at all also gives 1


def newest_observations_scale(values: np.ndarray, layout: PanelLayout, rows: np.ndarray, window: int) -> np.ndarray:
    """Mean absolute value of the newest `window` observed values of each row's series up to the row (NaN before its
    first), by running sums over the observed values in panel order, from the first of those series' starts to the
    last row only (origin_features asks per block of rows: not the whole panel each time)."""
    low = int(layout.first[rows].min()) if len(rows) else 0
    span = values[low:int(rows.max()) + 1 if len(rows) else 0]
    observed = ~np.isnan(span)
    counts = np.concatenate([[0], np.cumsum(observed)])  # observations before each position of the span
    sums = np.concatenate([[0.0], np.cumsum(np.abs(span[observed]))])
    last = counts[rows - low + 1]
    start = np.maximum(last - window, counts[layout.first[rows] - low])
    count = last - start
    return np.divide(sums[last] - sums[start], count, out=np.full(len(rows), np.nan), where=count > 0)


def proportional_draws(candidates: list[np.ndarray], weights: np.ndarray, draws: int,
                       rng: np.random.Generator) -> list[np.ndarray]:
    """`draws` rows from the candidates (one boolean mask per step), each with probability proportional to its
    weight, by systematic sampling: one random start, then equally spaced points along the weights laid end to
    end, step by step in panel order. Every series then gets its share of draws to within one, and a row whose
    weight exceeds the spacing is drawn more than once. Returns the drawn row positions per step, repeats kept."""
    totals = [float(weights[mask].sum()) for mask in candidates]
    grand = sum(totals)
    if draws <= 0 or grand <= 0:
        return [np.zeros(0, np.int64) for _ in candidates]
    spacing = grand / draws
    points = (rng.random() + np.arange(draws)) * spacing
    drawn, offset = [], 0.0
    for mask, total in zip(candidates, totals, strict=True):
        rows = np.flatnonzero(mask)
        ends = offset + np.cumsum(weights[rows])  # the weights laid end to end, from this step's offset
        here = points[(points >= offset) & (points < offset + total)]
        drawn.append(rows[np.minimum(np.searchsorted(ends, here, side="right"), len(rows) - 1)])
        offset += total
    return drawn


def training_rows(frame: pd.DataFrame, horizon: int, max_rows: int | None, recent_from: pd.Timestamp | None,
                  seed: int, layout: PanelLayout | None = None) -> list[np.ndarray]:
    """Which (origin, step) rows train the model: for each step 1..horizon, the positions in `frame` of the
    origins that train it (see usable_rows and capped_rows)."""
    layout = layout or PanelLayout.of(frame)
    return capped_rows(frame, usable_rows(frame, horizon, layout), max_rows, recent_from, seed)


def capped_rows(frame: pd.DataFrame, usable: list[np.ndarray], max_rows: int | None,
                recent_from: pd.Timestamp | None, seed: int, weights: np.ndarray | None = None) -> list[np.ndarray]:
    """The positions of the origins that train each step, sorted, from the `usable` masks (usable_rows).

    When there are more than `max_rows` usable rows, those whose target lies after `recent_from` come first (they
    describe today's level and season) and older ones fill the rest: neighbouring origins of a series repeat nearly
    the same lags, so a sample of them teaches the trees almost as much at a fraction of the cost. Without
    `weights` (one per row of `frame`) each tier is sampled uniformly (seeded) and every recent row kept when they
    fit; with them each tier's rows are drawn in proportion to their weight (proportional_draws, repeats kept), so
    an unweighted fit on the draw learns what a fit weighted by `weights` learns on every row.
    """
    n_usable = sum(int(mask.sum()) for mask in usable)
    if max_rows is None or n_usable <= max_rows:
        return [np.flatnonzero(mask) for mask in usable]
    recent = (frame[TIME].to_numpy() > np.datetime64(recent_from) if recent_from is not None
              else np.zeros(len(frame), bool))
    is_recent = [later(recent, step) for step in range(1, len(usable) + 1)]
    n_recent = sum(int((mask & fresh).sum()) for mask, fresh in zip(usable, is_recent, strict=True))
    rng = np.random.default_rng(seed)
    if weights is not None:
        recent_draws = min(max_rows, n_recent)
        fresh = proportional_draws([m & f for m, f in zip(usable, is_recent, strict=True)], weights, recent_draws, rng)
        old = proportional_draws([m & ~f for m, f in zip(usable, is_recent, strict=True)], weights,
                                 max_rows - recent_draws, rng)
        return [np.sort(np.concatenate(pair)) for pair in zip(fresh, old, strict=True)]
    p_recent = min(1.0, max_rows / max(n_recent, 1))
    p_old = max(0.0, (max_rows - n_recent) / max(n_usable - n_recent, 1))
    kept = []
    for mask, fresh in zip(usable, is_recent, strict=True):
        draw = rng.random(len(mask))
        kept.append(np.flatnonzero(mask & np.where(fresh, draw < p_recent, draw < p_old)))
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
    layout = PanelLayout.of(frame)
    return table_of_rows(frame, columns, config, training_rows(frame, horizon, max_rows, recent_from, seed, layout),
                         layout)


def table_of_rows(frame: pd.DataFrame, columns: SeriesColumns, config: FeatureConfig, rows_by_step: list[np.ndarray],
                  layout: PanelLayout) -> tuple[pd.DataFrame, pd.Series]:
    """Features and scaled target of the (origin, step) rows: `rows_by_step[h - 1]` holds the origin rows (repeats
    allowed) that train step h, in the order the table stacks them. Origin features are built once, for the
    origins some step uses."""
    used = np.zeros(len(frame), bool)
    for rows in rows_by_step:
        used[rows] = True
    needed = np.flatnonzero(used)
    origin = origin_features(frame, columns, config, needed, layout)
    target = frame[TARGET].to_numpy(dtype=float)
    known_at_target = frame[[TIME, *columns.known_cols]]
    parts = []
    for step, rows in enumerate(rows_by_step, start=1):
        targets = rows + step  # inside the series: training_rows checked
        step_origin = origin.iloc[np.searchsorted(needed, rows)]
        target_rows = known_at_target.iloc[targets]
        seasonal = seasonal_lag(target, layout, rows, step, config.season)
        features = step_features(step_origin, target_rows, seasonal, frame, columns, step, config)
        features["__target"] = target[targets] / step_origin["scale"].to_numpy()
        parts.append(features)
    table = pd.concat(parts, ignore_index=True)
    target_column = table.pop("__target")
    return table, target_column


def prediction_table(frame: pd.DataFrame, columns: SeriesColumns, future: pd.DataFrame, config: FeatureConfig):
    """Features for each row of `future` (SERIES, TIME, __step, known covariates), seen from each series' end."""
    layout = PanelLayout.of(frame)
    ends = np.unique(layout.last)
    last_position = pd.Series(ends, index=frame[SERIES].to_numpy()[ends])
    origin = origin_features(frame, columns, config, last_position.to_numpy(), layout)
    origin.index = last_position.to_numpy()
    target = frame[TARGET].to_numpy(dtype=float)
    parts = []
    for step, rows in future.groupby("__step", sort=True):
        positions = rows[SERIES].map(last_position).to_numpy(dtype=np.int64)
        step_origin = origin.loc[positions]
        seasonal = seasonal_lag(target, layout, positions, int(step), config.season)
        features = step_features(step_origin, rows, seasonal, frame, columns, int(step), config)
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
        if column.endswith("_vs_recent"):
            return f"{column.removesuffix('_vs_recent')} (planned, against its recent average)"
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
