"""Intervals calibrated on time-ordered backtest errors (split conformal, normalised by each series' scale).

A score is the signed error (actual - forecast) divided by the series' scale at its cutoff, so stores, regions
and the company share one pool per level. Each series' band is its own forecast plus the pool's empirical
quantiles times its own scale: an aggregate's band comes from the aggregate's errors, never from adding the
quantiles of its parts.

Errors of one backtest window move together (a bad month misses every store the same way), so a pool's scores are
not exchangeable across windows: a company total calibrated on two windows covered 0.44 of a third that had shifted.
Where scores carry their window (`cutoff`), a pool's band is therefore the spread within a window (scores less their
window's median) widened, in quadrature, by the spread of the window medians that a new window may add.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

MIN_SCORES = 30  # fewer scores than this for a (level, line, step) or (level, line): pool more widely


def series_scale(history: pd.DataFrame, key: str, value: str, periods: int = 12) -> pd.Series:
    """Mean absolute value of each series' last `periods` observations (never 0), its unit of error."""
    recent = history.groupby(key, sort=False)[value].apply(lambda v: float(np.nanmean(np.abs(v.to_numpy()[-periods:]))))
    return recent.where(recent > 0, 1.0).fillna(1.0)


def fewest_scores(quantiles: tuple[float, ...]) -> int:
    """The fewest scores whose conformal quantiles are all finite order statistics (9 for P10 and P90): below it the
    band would need a score beyond the largest seen."""
    tails = [min(q, 1.0 - q) for q in quantiles if 0.0 < q < 1.0]
    return max([int(np.ceil(round(1.0 / tail, 9))) - 1 for tail in tails], default=1)


def conformal_quantile(scores: np.ndarray, q: float) -> float:
    """The finite-sample-corrected empirical quantile: ceil((n+1)q)/n for upper, floor for lower levels."""
    n = len(scores)
    if n == 0:
        return float("nan")
    rank = np.ceil((n + 1) * q) / n if q >= 0.5 else np.floor((n + 1) * q) / n
    return float(np.quantile(scores, float(np.clip(rank, 0.0, 1.0)), method="inverted_cdf" if 0 < rank < 1 else "linear"))


def window_aware_offsets(scores: np.ndarray, windows: np.ndarray | None, quantiles: tuple[float, ...]) -> dict:
    """Offsets per quantile from one pool's scores and their windows (block conformal): the window medians' mean,
    plus the within-window residuals' conformal quantile and the between-window spread added in quadrature.

    The between-window spread is the standard deviation of the window medians times sqrt(1 + 1/W), that of a new
    window's median about the mean of W, taken at the normal quantile of each level. Medians, not means: one
    small-scale series' huge relative error must not read as a window-wide shift. With one window (or none given)
    the band is the plain conformal quantile of the scores.
    """
    frame = pd.DataFrame({"score": scores, "window": windows if windows is not None else 0})
    medians = frame.groupby("window", sort=False)["score"].median()
    if len(medians) < 2:
        return {q: conformal_quantile(scores, q) for q in quantiles}
    residuals = (frame["score"] - frame["window"].map(medians)).to_numpy()
    centre = float(medians.mean())
    between = float(medians.std(ddof=1)) * np.sqrt(1.0 + 1.0 / len(medians))
    offsets = {}
    for q in quantiles:
        within = conformal_quantile(residuals, q)
        if q == 0.5:
            offsets[q] = centre + within
            continue
        spread = np.hypot(within, NormalDist().inv_cdf(q) * between)
        offsets[q] = centre + float(np.copysign(spread, q - 0.5))
    return offsets


@dataclass
class ConformalBands:
    """Score quantiles per (level, line, step), with coarser pools as fall-backs."""

    quantiles: tuple[float, ...]
    pools: dict[tuple, dict[float, float]]

    @classmethod
    def fit(cls, scores: pd.DataFrame, quantiles: tuple[float, ...]) -> ConformalBands:
        """`scores` has level, line, step and score, and cutoff (the backtest window) where known.

        A level keeps its own pool down to the fewest scores a quantile needs: an aggregate's relative errors are
        smaller than its leaves', so lending it the pool of every level (as when a one-series total had 12 scores)
        gave the total a band several times too wide (stallion's total covered 1.00 instead of 0.83).
        """
        pools: dict[tuple, dict[float, float]] = {}
        scores = scores.dropna(subset=["score"])
        fewest = fewest_scores(tuple(quantiles))
        groupings = [(("level", "line", "step"), MIN_SCORES), (("level", "line"), MIN_SCORES), (("level",), fewest),
                     ((), 0)]
        for columns, minimum in groupings:
            grouped = [((), scores)] if not columns else scores.groupby(list(columns), sort=False)
            for key, rows in grouped:
                values = rows["score"].to_numpy()
                if len(values) >= max(minimum, 1) or not columns:
                    key = key if isinstance(key, tuple) else (key,)
                    windows = rows["cutoff"].to_numpy() if "cutoff" in rows.columns else None
                    pools[(columns, key)] = window_aware_offsets(values, windows, tuple(quantiles))
        return cls(tuple(quantiles), pools)

    def offsets(self, level: str, line: str, step: int) -> dict[float, float]:
        """The learnt offsets per quantile for one (level, line, step), from the most specific pool that has enough
        scores."""
        for columns, key in ((("level", "line", "step"), (level, line, step)), (("level", "line"), (level, line)),
                             (("level",), (level,)), ((), ())):
            found = self.pools.get((columns, key))
            if found is not None:
                return found
        return {q: 0.0 for q in self.quantiles}

    def apply(self, frame: pd.DataFrame, units: np.ndarray, labels: dict[float, str]) -> pd.DataFrame:
        """Add a column per quantile to `frame` (level, line, step, forecast): forecast + offset x the row's unit."""
        out = frame.copy()
        units = np.asarray(units, dtype=float)
        table = [self.offsets(level, line, int(step)) for level, line, step in zip(out["level"], out["line"], out["step"],
                                                                                   strict=True)]
        for q, label in labels.items():
            out[label] = out["forecast"].to_numpy() + np.array([row[q] for row in table]) * units
        return out


def leave_one_window_out(scores: pd.DataFrame, levels: tuple[float, float], labels: dict) -> pd.DataFrame:
    """Each backtest window's scores (a `cutoff` column) with the band learnt from the other windows only, windows in
    time order: how the band covers a window it has not seen, the honest estimate of its coverage."""
    parts = []
    for cutoff in sorted(scores["cutoff"].unique()):
        window = scores["cutoff"] == cutoff
        bands = ConformalBands.fit(scores[~window], levels)
        parts.append(bands.apply(scores[window], scores.loc[window, "scale"].to_numpy(), labels))
    return pd.concat(parts, ignore_index=True)
