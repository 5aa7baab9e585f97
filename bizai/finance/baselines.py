"""Naive and seasonal-naive forecasts, with intervals from their own historical errors.

Both repeat a past value: the last one (naive) or the one a whole season back (seasonal naive). Intervals come
from the errors the same rule made in the training history at each step ahead, pooled across series after
dividing by each series' mean absolute level, then scaled back: cheap, honest and distribution-free.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bizai.finance.base import ForecastModel, quantile_label
from bizai.finance.features import PanelLayout, taken
from bizai.finance.panel import Panel
from bizai.schema import SERIES, TARGET, TIME

MAX_ERRORS = 1_000_000  # rows (origins) whose in-sample errors, per step, the interval widths are learnt from


def mean_abs_level(frame: pd.DataFrame) -> pd.Series:
    """Per series: the mean |value| over its whole history (never 0), the unit the baselines' residual bands are
    kept in. Not conformal.series_scale, which uses only the recent periods to follow a changing level."""
    scale = frame[TARGET].abs().groupby(frame[SERIES]).mean()
    return scale.where(scale > 0, 1.0).fillna(1.0)


class LagRuleModel(ForecastModel):
    """Forecast y[T+h] by a value `lag(h)` periods before T+h."""

    accepted_params = None  # no hyper-parameters: model_params meant for auto's other candidates pass by

    def lag(self, step: int, season: int) -> int:
        """How many periods before the forecast period the value is taken from, for horizon `step`."""
        raise NotImplementedError

    def fit(self, panel: Panel) -> LagRuleModel:
        """Learn the interval widths from the rule's own in-sample errors, per step; returns self."""
        frame = panel.frame
        season = panel.season_length
        scale = mean_abs_level(frame)
        filled = frame.groupby(SERIES)[TARGET].ffill().to_numpy(dtype=float)
        target = frame[TARGET].to_numpy(dtype=float)
        layout = PanelLayout.of(frame)
        rows = np.arange(len(frame))
        if len(rows) > MAX_ERRORS:
            # One seeded sample of rows serves every step: quantiles of a million errors are as good, and a sample
            # drawn once costs a million rows per step instead of the whole panel (5 s of 10,000 x 730's fit).
            rows = np.sort(np.random.default_rng(0).choice(len(rows), MAX_ERRORS, replace=False))
        series_scale = frame[SERIES].map(scale).to_numpy(dtype=float)[rows]
        self.offsets_ = {}
        levels = [0.5, *self.settings.quantiles]
        for step in range(1, self.settings.horizon + 1):
            errors = (target[rows] - taken(filled, layout.shifted(rows, -self.lag(step, season)))) / series_scale
            errors = errors[~np.isnan(errors)]
            # Centred on the median error: the rule's own value stays the median (p50) and bands stay ordered.
            quantiles = np.quantile(errors, levels) if len(errors) else np.zeros(len(levels))
            self.offsets_[step] = {q: float(value - quantiles[0]) for q, value in zip(levels[1:], quantiles[1:],
                                                                                          strict=True)}
        return self

    def predict(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """The value `lag(step)` periods back (the last value carried over gaps), with the learnt intervals."""
        frame = panel.frame
        filled = frame.groupby(SERIES)[TARGET].ffill().to_numpy(dtype=float)
        layout = PanelLayout.of(frame)
        ends = np.flatnonzero(layout.last == np.arange(len(frame)))  # each series' last row
        last = pd.Series(ends, index=frame[SERIES].to_numpy()[ends])
        out = future[[SERIES, TIME, "__step"]].copy()
        final = last.loc[out[SERIES].to_numpy()].to_numpy()
        steps = out["__step"].to_numpy(dtype=int)
        lags = np.array([self.lag(int(step), panel.season_length) for step in range(int(steps.max(initial=0)) + 1)])
        back = lags[steps] - steps  # rows before the series' last one the value is taken from
        source = np.where(back >= 0, final - back, -1)
        source[(source >= 0) & (source < layout.first[final])] = -1  # before the series began
        values = taken(filled, source)
        values = np.where(np.isnan(values), filled[final], values)  # no value that far back: the last one
        out["forecast"] = values
        series_scales = out[SERIES].map(mean_abs_level(frame)).to_numpy()
        for q in self.settings.quantiles:
            offset = out["__step"].map(lambda s, q=q: self.offsets_[int(s)][q]).to_numpy()
            out[quantile_label(q)] = out["forecast"].to_numpy() + offset * series_scales
        return out.drop(columns="__step")


class NaiveModel(LagRuleModel):
    """Repeat the last observed value."""

    name = "naive"

    def lag(self, step: int, season: int) -> int:
        """The last observed value, whatever the step."""
        return step


class SeasonalNaiveModel(LagRuleModel):
    """Repeat the value of the same period one season earlier (12 months, 4 quarters, 52 weeks, 7 days)."""

    name = "seasonal_naive"

    def min_history(self, panel: Panel) -> int:
        """A full season of history."""
        return panel.season_length

    def lag(self, step: int, season: int) -> int:
        """The same period of the last season before the cutoff."""
        return season * int(np.ceil(step / season))
