"""Rolling-origin backtests: refit on data up to each cutoff, forecast the next horizon, compare with actuals.

Nothing after a cutoff reaches the model except the known covariates for the forecast window, exactly as in
production.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """The last `n_windows` forecast origins, `step` periods apart (default: the horizon), oldest first; each leaves
    a full horizon of actuals after it."""
    if n_windows < 1:
        raise DataContractError(f"n_windows must be at least 1, got {n_windows}.")
    step = step or horizon
    offset = to_offset(panel.freq)
    end = panel.frame[TIME].max()
    cutoffs = [end - (horizon + step * (n_windows - 1 - w)) * offset for w in range(n_windows)]
    start = panel.frame[TIME].min()
    if cutoffs[0] <= start:
        fitting = next((n for n in range(n_windows - 1, 0, -1)
                        if end - (horizon + step * (n - 1)) * offset > start), 0)
        advice = (f"Use at most {fitting} window(s) at this horizon, or a shorter horizon" if fitting
                  else "Use a shorter horizon")
        raise DataContractError(
            f"Not enough history for {n_windows} backtest window(s) of {horizon} period(s): the first cutoff "
            f"{cutoffs[0].date()} is not after the first date {start.date()}. {advice}."
        )
    return [pd.Timestamp(c) for c in cutoffs]


def affordable_windows(n_periods: int, horizon: int, wanted: int) -> int:
    """How many calibration windows of `horizon` periods a history of `n_periods` affords: at most `wanted`, leaving at
    least half the history before the first cutoff, and 0 when fewer than 2 fit (one window calibrates nothing)."""
    windows = min(int(wanted), (int(n_periods) // 2) // max(int(horizon), 1))
    return windows if windows >= 2 else 0


def naive_scales(frame: pd.DataFrame, season: int, key: str = SERIES, value: str = TARGET) -> pd.Series:
    """Per series: in-sample MAE of the seasonal-naive rule (naive when a series is shorter than a season),
    the MASE denominator. `frame` is sorted by (key, time). Indexed by `key`; NaN where a series has too little
    history."""
    grouped = frame.groupby(key)[value]
    seasonal = (frame[value] - grouped.shift(season if season > 1 else 1)).abs().groupby(frame[key]).mean()
    naive = (frame[value] - grouped.shift(1)).abs().groupby(frame[key]).mean()
    return seasonal.fillna(naive)


def summarise(forecasts: pd.DataFrame, panel: Panel, cutoffs: list[pd.Timestamp]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Overall and per-window scores, per model. MASE is computed per series and window, then averaged."""
    scales = pd.concat({pd.Timestamp(c): naive_scales(panel.frame[panel.frame[TIME] <= c], panel.season_length)
                        for c in cutoffs}, names=["cutoff", SERIES]).rename("naive_scale").reset_index()
    scored = forecasts.dropna(subset=["actual"])
    scored = scored.assign(cutoff=pd.to_datetime(scored["cutoff"])).merge(scales, on=["cutoff", SERIES], how="left")
    overall, per_window = [], []
    for model, rows in scored.groupby("model", sort=False):
        overall.append({"model": model, **score_forecasts(rows, [SERIES, "cutoff"])})
        for cutoff, window in rows.groupby("cutoff"):
            per_window.append({"model": model, "cutoff": cutoff, **score_forecasts(window, [SERIES])})
    return pd.DataFrame(overall), pd.DataFrame(per_window)
