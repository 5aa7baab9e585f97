"""The total over all series, with a range computed for the total itself.

Quantiles do not add: the sum of every store's P10 is far below the P10 of the company total, because stores do not
all miss low together. The total's band here is split conformal on the total's own backtest errors: at each
calibration cutoff the series' forecasts and actuals are summed per period, the error is divided by the total's scale
at that cutoff, and the band is the summed forecast plus the scores' quantiles times the total's scale now.
"""

from __future__ import annotations

import pandas as pd

from bizai.finance.base import quantile_label
from bizai.finance.calibration import POOL, with_steps
from bizai.finance.conformal import ConformalBands, series_scale
from bizai.finance.panel import Panel
from bizai.schema import SERIES, TARGET, TIME

TOTAL = "total"  # the one "series" of the total's own frames


def total_history(panel_frame: pd.DataFrame) -> pd.DataFrame:
    """The observed total per period (SERIES = 'total', TIME, TARGET); periods no series observed are dropped."""
    observed = panel_frame.dropna(subset=[TARGET])
    totals = observed.groupby(TIME, as_index=False)[TARGET].sum()
    return totals.assign(**{SERIES: TOTAL})


def total_scale(panel_frame: pd.DataFrame) -> float:
    """The total's unit of error: the mean absolute total of its last season's periods (conformal.series_scale)."""
    return float(series_scale(total_history(panel_frame), SERIES, TARGET).iloc[0])


def total_scores(forecasts: pd.DataFrame, panel: Panel) -> pd.DataFrame:
    """Scores of the total from backtest `forecasts` (SERIES, TIME, cutoff, forecast, actual): per cutoff and period,
    (sum of actuals - sum of forecasts) / the total's scale at the cutoff, over the rows that have an actual."""
    rows = forecasts.dropna(subset=["actual"])
    summed = rows.groupby(["cutoff", TIME], as_index=False)[["forecast", "actual"]].sum()
    summed = with_steps(summed.assign(**{SERIES: TOTAL}), [SERIES, "cutoff"])
    scale = summed["cutoff"].map({cutoff: total_scale(panel.frame[panel.frame[TIME] <= cutoff])
                                  for cutoff in summed["cutoff"].unique()})
    return summed.assign(scale=scale, score=(summed["actual"] - summed["forecast"]) / scale, **POOL)


def total_forecast(predictions: pd.DataFrame, panel: Panel, scores: pd.DataFrame,
                   quantiles: tuple[float, ...]) -> pd.DataFrame:
    """TIME, forecast (the sum of the series' forecasts) and one column per band quantile (p10, p90, ...) learnt from
    the total's `scores` (total_scores) and scaled by the total's scale at the end of `panel`."""
    summed = predictions.groupby(TIME, as_index=False)["forecast"].sum()
    rows = with_steps(summed.assign(**{SERIES: TOTAL}), [SERIES]).assign(**POOL)
    bands = ConformalBands.fit(scores, tuple(quantiles))
    labels = {q: quantile_label(q) for q in quantiles}
    unit = total_scale(panel.frame)
    out = bands.apply(rows, [unit] * len(rows), labels)
    return out[[TIME, "forecast", *(labels[q] for q in sorted(labels))]]

