"""The sentence above a forecast chart: the total forecast over the horizon and how it compares with the same
periods a year earlier (the comparison a finance reader makes first)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.finance.panel import Panel
from bizai.schema import SERIES, TARGET, TIME, coerce_datetime


@dataclass(frozen=True)
class Headline:
    """Total forecast over the forecast periods, the actual total of the same periods a year before (None when the
    history does not reach back a full year for every one of them), and their first and last period."""
    total: float
    year_before: float | None
    first: pd.Timestamp
    last: pd.Timestamp

    @property
    def change(self) -> float | None:
        """Relative change on the year before (None without a comparable year, or when it was zero)."""
        if self.year_before is None or self.year_before == 0:
            return None
        return self.total / self.year_before - 1


def forecast_headline(panel: Panel, forecast: pd.DataFrame) -> Headline:
    """Headline of `forecast` (the caller's frame from `predict`) against the history in `panel`, over the series
    that were forecast only."""
    columns = panel.columns
    times = pd.DatetimeIndex(coerce_datetime(forecast, columns.time_col, "forecast").unique()).sort_values()
    total = float(forecast["forecast"].sum())
    if times.empty:
        return Headline(total, None, pd.NaT, pd.NaT)
    history = panel.to_caller(panel.frame[[SERIES, TIME, TARGET]])
    forecast_ids = forecast[columns.id_cols].drop_duplicates()
    history = history.merge(forecast_ids, on=columns.id_cols)
    year = max(panel.season_length, 1) * to_offset(panel.freq)
    earlier = pd.DatetimeIndex([time - year for time in times])
    covered = history[history[columns.time_col].isin(earlier)]
    complete = panel.season_length > 1 and covered[columns.time_col].nunique() == len(earlier)
    year_before = float(covered[TARGET].sum()) if complete else None
    return Headline(total, year_before, times[0], times[-1])
