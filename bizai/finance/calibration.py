"""Conformal calibration of ProfitForecaster's intervals from its own time-ordered backtest windows.

The model's quantiles are often too narrow (LightGBM's P10-P90 held 63% of actuals on the sample data). With
`calibration_windows=k`, fit also backtests k windows; each error, divided by its series' scale, is a score per
horizon step; the interval columns become forecast + score quantile x the series' scale (see bizai.finance.conformal).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bizai.finance.base import quantile_label
from bizai.finance.conformal import ConformalBands, leave_one_window_out, series_scale
from bizai.finance.metrics import coverage, quantile_columns
from bizai.finance.panel import Panel, horizon_grid
from bizai.schema import SERIES, TARGET, TIME

POOL = {"level": "all", "line": "all"}  # one pool of series; ConformalBands keys by level and line too


def scales_at(panel_frame: pd.DataFrame) -> pd.Series:
    """Per series: its unit of error (conformal.series_scale) over its observed periods."""
    return series_scale(panel_frame.dropna(subset=[TARGET]), SERIES, TARGET)


def with_steps(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """`frame` with `step`: 1 for the first forecast period of each group in `by`, 2 for the next, ..."""
    return frame.assign(step=frame.groupby(by)[TIME].rank(method="first").astype(int))


def calibration_scores(forecasts: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Scores (actual - forecast) / scale of backtest `forecasts` (SERIES, TIME, cutoff, forecast, actual)."""
    parts = []
    for cutoff, rows in with_steps(forecasts.dropna(subset=["actual"]), [SERIES, "cutoff"]).groupby("cutoff"):
        scale = rows[SERIES].map(scales_at(panel.frame[panel.frame[TIME] <= cutoff])).fillna(1.0)
        parts.append(rows.assign(scale=scale, score=(rows["actual"] - rows["forecast"]) / scale))
    return pd.concat(parts, ignore_index=True).assign(**POOL)


def calibrated(predictions: pd.DataFrame, panel: Panel, bands: ConformalBands) -> pd.DataFrame:
    """Replace the interval columns of `predictions` (SERIES, TIME, forecast, p..) by the calibrated ones."""
    rows = with_steps(predictions, [SERIES]).assign(**POOL)
    units = rows[SERIES].map(scales_at(panel.frame)).fillna(1.0).to_numpy()
    labels = {q: quantile_label(q) for q in bands.quantiles}
    out = bands.apply(rows, units, labels).drop(columns=["step", *POOL])
    levels = sorted(q for q in labels if q != 0.5)
    stacked = np.sort(out[[labels[q] for q in levels]].to_numpy(), axis=1)  # bands never cross
    out[[labels[q] for q in levels]] = stacked
    # Quantile columns in order (p10, p50, p90) whether or not the model made its own (a point-only model has p50).
    quantiles = quantile_columns(out)
    others = [c for c in out.columns if c not in quantiles.values()]
    return out[others + [quantiles[q] for q in sorted(quantiles)]]


def coverage_report(scores: pd.DataFrame, quantiles: tuple[float, ...]) -> dict[str, float]:
    """Coverage of the outer band in the calibration windows: the model's own quantiles (None when it was trained
    for the median alone), and the calibrated band with each window calibrated on the other windows only (an honest
    estimate)."""
    low, high = min(quantiles), max(quantiles)
    own = [quantile_label(low), quantile_label(high)]  # absent when the model was trained for the median alone
    before = coverage(scores["actual"], *(scores[c] for c in own)) if set(own) <= set(scores.columns) else None
    applied = leave_one_window_out(scores, (low, high), {low: "low", high: "high"})
    covered = (applied["actual"] >= applied["low"]) & (applied["actual"] <= applied["high"])
    return {"level": high - low, "coverage_before": None if before is None else round(before, 4),
            "coverage_after": round(float(covered.mean()), 4)}


MAX_CUTOFFS = 12  # the newest origins a refreshed calibration keeps: old errors fade out as new ones arrive


def arrived_scores(predict, old_panel: Panel, new_panel: Panel, horizon: int) -> pd.DataFrame:
    """Scores of the forecasts the model makes from `old_panel`'s end for the periods `new_panel` has since
    observed, without refitting: `predict(panel, future)` is the forecaster's own (fallback included)."""
    cols = old_panel.columns
    end = old_panel.frame[TIME].max()
    arrived = new_panel.to_caller(new_panel.frame[new_panel.frame[TIME] > end].dropna(subset=[TARGET]))
    arrived = arrived.rename(columns={cols.time_col: TIME}).merge(old_panel.series_ids, on=cols.id_cols)
    if arrived.empty:
        return pd.DataFrame()
    grid = horizon_grid(old_panel, horizon, old_panel.series_ids[SERIES].to_numpy())
    future = grid.merge(arrived[[SERIES, TIME, *cols.known_cols]], on=[SERIES, TIME], how="inner")
    forecasts = predict(old_panel, future).merge(arrived[[SERIES, TIME, TARGET]], on=[SERIES, TIME])
    forecasts = forecasts.rename(columns={TARGET: "actual"}).assign(cutoff=end)
    return calibration_scores(forecasts, old_panel)


def refreshed_bands(scores: pd.DataFrame, quantiles: tuple[float, ...]) -> tuple[pd.DataFrame, ConformalBands]:
    """Bands learnt from the newest MAX_CUTOFFS origins of `scores`, and those scores."""
    newest = sorted(scores["cutoff"].unique())[-MAX_CUTOFFS:]
    kept = scores[scores["cutoff"].isin(newest)].reset_index(drop=True)
    return kept, ConformalBands.fit(kept, quantiles)
