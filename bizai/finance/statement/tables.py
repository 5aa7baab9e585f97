"""The statement as report tables, shared by the Excel and HTML reports: one wide table per level (rows: node x
line, ratios included; columns: recent actual periods then forecast periods), the range table, the company
series for the chart, and the top drivers per line."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bizai.finance.metrics import READABLE_METRICS
from bizai.finance.panel import quiet_panel_reports
from bizai.finance.statement.structure import TOTAL_LEVEL, natural_key, series_key
from bizai.frames import to_pandas
from bizai.schema import on_clock

DRIVER_FORECASTS = 2_000  # forecasts a line whose contributions the drivers table averages (about 20 s at most)


@dataclass
class StatementTables:
    """What the statement reports show: per-level wide tables, the periods, ranges, accuracy and drivers."""
    levels: dict[str, pd.DataFrame]  # level -> wide table: node, line, then one column per period
    actual_periods: list[pd.Timestamp]
    forecast_periods: list[pd.Timestamp]
    ranges: pd.DataFrame  # level, node, line, period, p_low, p50, p_high
    company: pd.DataFrame  # period, actual, forecast, low, high for the headline line of the total
    headline: str
    ratio_lines: list[str]
    accuracy: pd.DataFrame
    drivers: pd.DataFrame  # line, feature, mean absolute contribution, share
    freq: str  # the data's frequency, for period labels


def statement_tables(model, known_future=None, history_periods: int = 12) -> StatementTables:
    """Everything a report shows, from a fitted StatementForecaster and its forecast."""
    time_col = model.columns_.time_col
    lines = model.columns_.lines
    forecast, history = (on_clock(to_pandas(frame)[0], time_col)
                         for frame in (model.predict(known_future=known_future), model.history()))
    actual_periods = sorted(history[time_col].unique())[-history_periods:]
    forecast_periods = sorted(forecast[time_col].unique())
    low, high = [c for c in forecast.columns if c.startswith("p") and c != "p50"]
    combined = pd.concat([history[history[time_col].isin(actual_periods)].rename(columns={"value": "amount"}),
                          forecast.rename(columns={"forecast": "amount"})[["level", "node", time_col, "line", "amount"]]])
    levels = {}
    for level in model.hierarchy_.level_names:
        rows = combined[combined["level"] == level]
        wide = rows.pivot_table(index=["node", "line"], columns=time_col, values="amount", aggfunc="first")
        wide = with_ratios(wide, lines.ratios)
        order = {name: i for i, name in enumerate([*lines.all_lines, *lines.ratios])}
        wide = wide.reset_index().sort_values(["node", "line"], key=lambda s: s.map(order if s.name == "line" else natural_key))
        levels[level] = wide.reset_index(drop=True)[["node", "line", *actual_periods, *forecast_periods]]
    headline = "profit" if "profit" in lines.all_lines else lines.all_lines[-1]
    company_actual = history[(history["level"] == TOTAL_LEVEL) & (history["line"] == headline)]
    company_actual = company_actual[company_actual[time_col].isin(actual_periods)]
    company_forecast = forecast[(forecast["level"] == TOTAL_LEVEL) & (forecast["line"] == headline)]
    company = pd.concat([
        pd.DataFrame({"period": company_actual[time_col], "actual": company_actual["value"]}),
        pd.DataFrame({"period": company_forecast[time_col], "forecast": company_forecast["forecast"],
                      "low": company_forecast[low], "high": company_forecast[high]})], ignore_index=True)
    ranges = forecast[["level", "node", "line", time_col, low, "p50", high]]
    return StatementTables(levels, actual_periods, forecast_periods, ranges, company, headline, list(lines.ratios),
                           to_pandas(model.backtest().metrics)[0], drivers_table(model, forecast, known_future),
                           model.base_.panel_.freq)


def with_ratios(wide: pd.DataFrame, ratios: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Add ratio rows (e.g. margin = profit / revenue) per node; a ratio is shown, never forecast."""
    extra = []
    for name, (numerator, denominator) in ratios.items():
        for node in wide.index.get_level_values("node").unique():
            if (node, numerator) in wide.index and (node, denominator) in wide.index:
                top, bottom = wide.loc[(node, numerator)], wide.loc[(node, denominator)]
                extra.append(pd.Series(np.where(bottom != 0, top / bottom.where(bottom != 0, 1), np.nan), index=wide.columns,
                                       name=(node, name)))
    if not extra:
        return wide
    ratio_rows = pd.DataFrame(extra)
    ratio_rows.index = pd.MultiIndex.from_tuples(ratio_rows.index, names=wide.index.names)
    return pd.concat([wide, ratio_rows])


def drivers_table(model, forecast: pd.DataFrame, known_future=None, top: int = 5) -> pd.DataFrame:
    """Top drivers per line: mean absolute LightGBM contribution over the `forecast`'s forecasts (the statement's
    predict), and its share. Over DRIVER_FORECASTS forecasts a line, a seeded sample of its series: a forecast's
    contributions take milliseconds (SHAP over every tree), and Walmart's 3,377 series took six minutes."""
    columns = ["line", "driver", "mean_abs_contribution", "share"]
    if model.base_.model_name_ != "lightgbm":
        return pd.DataFrame(columns=columns)
    from bizai.finance.statement.data import KEY, future_frame

    series = forecast[["level", "node", "line"]].drop_duplicates()
    per_line = max(1, DRIVER_FORECASTS // model.horizon)
    sample = series.sample(frac=1.0, random_state=model.random_state or 0).groupby("line").head(per_line).sort_index()
    keys = [series_key(*row) for row in sample[["level", "node", "line"]].itertuples(index=False)]
    future = future_frame(to_pandas(known_future)[0] if known_future is not None else None, model)
    with warnings.catch_warnings(), quiet_panel_reports():  # ended series and gaps were reported at fit
        warnings.simplefilter("ignore")
        contributions = to_pandas(model.base_.contributions(known_future=future, ids={KEY: keys}))[0]
    contributions = contributions[contributions["feature"] != "baseline"]
    contributions["line"] = contributions[KEY].str.rsplit("|", n=1).str[-1]
    strength = contributions.assign(size=contributions["contribution"].abs()).groupby(["line", "feature"])["size"].mean()
    table = strength.rename("mean_abs_contribution").reset_index()
    table["share"] = table["mean_abs_contribution"] / table.groupby("line")["mean_abs_contribution"].transform("sum")
    table = table.sort_values(["line", "mean_abs_contribution"], ascending=[True, False]).groupby("line").head(top)
    return table.rename(columns={"feature": "driver"})[columns].reset_index(drop=True)


# The forecaster's metric names (metrics.READABLE_METRICS), plus the statement's own columns.
ACCURACY_IN_WORDS = {**READABLE_METRICS, "series": "entities", "mae_base": "typical miss before reconciling",
                     "wape_base": "WAPE before reconciling"}


def readable_accuracy(accuracy: pd.DataFrame, low: str, high: str) -> pd.DataFrame:
    """The statement's backtest accuracy (StatementBacktest.metrics / report tables) with names an analyst reads:
    the band's coverage as 'P10–P90 range held actuals' (and before calibration)."""
    band = f"{low.upper()}–{high.upper()} range held actuals"
    return accuracy.rename(columns={**ACCURACY_IN_WORDS, "coverage": band,
                                    "coverage_base": f"{band} before calibration"})


def period_label(period: pd.Timestamp, freq: str) -> str:
    """'Jan 2025' for monthly data, '2025-Q1' for quarterly, the date otherwise."""
    stamp = pd.Timestamp(period)
    if freq.startswith(("M", "BM")):
        return stamp.strftime("%b %Y")
    if freq.startswith(("Q", "BQ")):
        return f"{stamp.year}-Q{stamp.quarter}"
    return stamp.strftime("%Y-%m-%d")

