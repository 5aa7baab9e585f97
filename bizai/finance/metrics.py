"""Forecast accuracy metrics. None divides by a single actual, so zero or negative profit cannot blow up
(no MAPE on purpose: WAPE and sMAPE say the same thing safely)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.hyperparams import Number, check_argument
from bizai.verdict import Verdict


def paired(actual, *others, names: tuple[str, ...] = ("forecast",)) -> list[np.ndarray]:
    """`actual` and the arrays scored against it as floats of one length (lists, numpy, pandas or polars), or a
    DataContractError naming the argument that holds text or has another length. NaN passes through: a metric
    of values with a NaN is NaN, as numpy's mean is."""
    arrays = []
    for name, values in zip(("actual", *names), (actual, *others), strict=True):
        try:
            arrays.append(values.to_numpy(dtype=float, na_value=np.nan) if isinstance(values, pd.Series | pd.Index)
                          else np.asarray(values, dtype=float).ravel())  # pandas' NA is NaN here, as in numpy
        except (TypeError, ValueError):
            cells = pd.Series(np.asarray(values, dtype=object).ravel())
            text = cells[pd.to_numeric(cells, errors="coerce").isna() & cells.notna()]
            raise DataContractError(f"{name} must hold numbers; it holds "
                                    f"{text.iloc[0] if len(text) else type(values).__name__!r}.") from None
    lengths = {name: len(a) for name, a in zip(("actual", *names), arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise DataContractError("The values scored must pair up one to one; their lengths differ: "
                                + ", ".join(f"{name} {length}" for name, length in lengths.items()) + ".")
    return arrays


def mean_or_nan(values: np.ndarray) -> float:
    """The mean, or NaN for no values (without numpy's 'Mean of empty slice' warning)."""
    return float(values.mean()) if len(values) else float("nan")


def mae(actual, forecast) -> float:
    """Mean absolute error."""
    actual, forecast = paired(actual, forecast)
    return mean_or_nan(np.abs(actual - forecast))


def rmse(actual, forecast) -> float:
    """Root mean squared error."""
    actual, forecast = paired(actual, forecast)
    return float(np.sqrt(mean_or_nan((actual - forecast) ** 2)))


def wape(actual, forecast) -> float:
    """Sum of absolute errors over sum of absolute actuals."""
    actual, forecast = paired(actual, forecast)
    denominator = np.abs(actual).sum()
    return float(np.abs(actual - forecast).sum() / denominator) if denominator > 0 else float("nan")


def smape(actual, forecast) -> float:
    """Symmetric MAPE in [0, 2]; a pair of zeros counts as a perfect forecast."""
    actual, forecast = paired(actual, forecast)
    denominator = np.abs(actual) + np.abs(forecast)
    ratio = np.divide(2 * np.abs(actual - forecast), denominator, out=np.zeros_like(actual), where=denominator > 0)
    return mean_or_nan(ratio)


def mase(actual, forecast, naive_scale: float) -> float:
    """MAE of one series divided by its in-sample MAE of the seasonal-naive rule (`naive_scale`); NaN where that
    scale is 0 or NaN (backtest.naive_scales' value for a series with a single period before the cutoff)."""
    if isinstance(naive_scale, float) and math.isnan(naive_scale):
        return float("nan")
    check_argument("naive_scale", naive_scale, Number())
    return mae(actual, forecast) / naive_scale if naive_scale > 0 else float("nan")


def mean_mase(frame: pd.DataFrame, group_cols: list[str], scale_col: str = "naive_scale") -> float:
    """MASE per series (each with its own naive scale), then averaged: a big series cannot set the scale of the
    small ones. `frame` has actual, forecast, `scale_col` and the `group_cols` that identify a series."""
    per_series = [mase(rows["actual"], rows["forecast"], float(rows[scale_col].iloc[0]))
                  for _, rows in frame.groupby(group_cols, sort=False)]
    values = np.asarray(per_series, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def pinball(actual, quantile_forecast, q: float) -> float:
    """Mean pinball (quantile) loss of a `q` quantile forecast."""
    check_argument("q", q, Number(0, 1, above=True))
    actual, quantile_forecast = paired(actual, quantile_forecast, names=("quantile_forecast",))
    diff = actual - quantile_forecast
    return mean_or_nan(np.maximum(q * diff, (q - 1) * diff))


def coverage(actual, lower, upper) -> float:
    """Share of actuals inside [lower, upper]."""
    actual, lower, upper = paired(actual, lower, upper, names=("lower", "upper"))
    return mean_or_nan((actual >= lower) & (actual <= upper))


def quantile_columns(frame: pd.DataFrame) -> dict[float, str]:
    """{0.1: 'p10', ...} for the quantile columns present in `frame`."""
    found = {}
    for col in frame.columns:
        if isinstance(col, str) and col.startswith("p"):
            try:
                found[float(col[1:]) / 100] = col
            except ValueError:
                continue
    return dict(sorted(found.items()))


def score_forecasts(frame: pd.DataFrame, series_cols: list[str] | None = None) -> dict[str, float]:
    """All metrics for a frame with `actual`, `forecast` and optional p.. quantile columns; MASE too when the
    frame has a `naive_scale` column and `series_cols` say which rows form one series."""
    actual, forecast = frame["actual"], frame["forecast"]
    scores = {"mae": mae(actual, forecast), "rmse": rmse(actual, forecast), "wape": wape(actual, forecast),
              "smape": smape(actual, forecast)}
    if series_cols and "naive_scale" in frame.columns:
        scores["mase"] = mean_mase(frame, series_cols)
    quantiles = quantile_columns(frame)
    for q, col in quantiles.items():
        scores[f"pinball_{col}"] = pinball(actual, frame[col], q)
    if len(quantiles) >= 2:
        low, high = min(quantiles), max(quantiles)
        scores[f"coverage_{quantiles[low]}_{quantiles[high]}"] = coverage(actual, frame[quantiles[low]], frame[quantiles[high]])
    return scores


READABLE_METRICS = {"mae": "typical miss (MAE)", "rmse": "RMSE", "wape": "WAPE", "smape": "sMAPE",
                    "mase": "MASE (1 = as good as naive)"}


def coverage_levels(column: str) -> tuple[str, str]:
    """('p10', 'p90') for the metrics column 'coverage_p10_p90'."""
    low, high = column.removeprefix("coverage_").split("_")
    return low, high


def readable_metrics(table: pd.DataFrame) -> pd.DataFrame:
    """A metrics table (from `backtest`) with names an analyst reads: pinball losses left out, the interval's
    coverage as 'P10–P90 range held actuals'."""
    out = table.drop(columns=[c for c in table.columns if c.startswith("pinball_")])
    renames = dict(READABLE_METRICS)
    for col in out.columns:
        if col.startswith("coverage_"):
            low, high = coverage_levels(col)
            renames[col] = f"{low.upper()}–{high.upper()} range held actuals"
    return out.rename(columns=renames)


def coverage_verdict(low: str, high: str, observed: float, tolerance: float = 0.05) -> Verdict:
    """One sentence on whether a range held as often as it should: 'p10'/'p90' hold 80% of actuals by design.
    Good when it held within `tolerance` of that."""
    nominal = float(high.removeprefix("p")) / 100 - float(low.removeprefix("p")) / 100
    held = f"The {low.upper()}–{high.upper()} range held {observed:.0%} of actuals (it should hold {nominal:.0%})"
    if observed < nominal - tolerance:
        return Verdict(f"{held}: too narrow, so real outcomes fall outside it more often than it suggests.", False)
    if observed > nominal + tolerance:
        return Verdict(f"{held}: wider than needed; the outcomes are less uncertain than it suggests.", False)
    return Verdict(f"{held}: it can be trusted.", True)
