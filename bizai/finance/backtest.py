"""Rolling-origin backtests: refit on data up to each cutoff, forecast the next horizon, compare with actuals.

Nothing after a cutoff reaches the model except the known covariates for the forecast window, exactly as in
production.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.errors import DataContractError
from bizai.finance.metrics import score_forecasts
from bizai.finance.panel import Panel
from bizai.schema import SERIES, TARGET, TIME


@dataclass
class BacktestResult:
    """`forecasts`: one row per (series, cutoff, time) with forecast, quantiles and actual.
    `metrics`: one row per model with the overall scores. `window_metrics`: the same per cutoff."""

    forecasts: object
    metrics: object
    window_metrics: object


def backtest_cutoffs(panel: Panel, horizon: int, n_windows: int, step: int | None) -> list[pd.Timestamp]:
    if n_windows < 1:
        raise DataContractError(f"n_windows must be at least 1, got {n_windows}.")
    step = step or horizon
    offset = to_offset(panel.freq)
    end = panel.frame[TIME].max()
    cutoffs = [end - (horizon + step * (n_windows - 1 - w)) * offset for w in range(n_windows)]
    start = panel.frame[TIME].min()
    if cutoffs[0] <= start:
        raise DataContractError(
            f"Not enough history for {n_windows} backtest window(s) of {horizon} period(s): the first cutoff "
            f"{cutoffs[0].date()} is not after the first date {start.date()}. Use fewer windows or a shorter horizon."
        )
    return [pd.Timestamp(c) for c in cutoffs]


def naive_scale(frame: pd.DataFrame, season: int) -> float:
    """In-sample MAE of the seasonal-naive rule (naive when there is no season), the MASE denominator."""
    lag = season if season > 1 else 1
    errors = (frame[TARGET] - frame.groupby(SERIES)[TARGET].shift(lag)).abs().dropna()
    if errors.empty:
        errors = (frame[TARGET] - frame.groupby(SERIES)[TARGET].shift(1)).abs().dropna()
    return float(errors.mean()) if len(errors) else float("nan")


def summarise(forecasts: pd.DataFrame, panel: Panel, cutoffs: list[pd.Timestamp]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Overall and per-window scores, per model."""
    overall, per_window = [], []
    scored = forecasts.dropna(subset=["actual"])
    for model, rows in scored.groupby("model", sort=False):
        scales = {c: naive_scale(panel.frame[panel.frame[TIME] <= c], panel.season_length) for c in cutoffs}
        mean_scale = float(np.nanmean(list(scales.values())))
        overall.append({"model": model, **score_forecasts(rows, mean_scale)})
        for cutoff, window in rows.groupby("cutoff"):
            per_window.append({"model": model, "cutoff": cutoff, **score_forecasts(window, scales[pd.Timestamp(cutoff)])})
    return pd.DataFrame(overall), pd.DataFrame(per_window)
