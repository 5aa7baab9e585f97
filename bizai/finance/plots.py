"""Altair charts shared by notebooks and the dashboard, so both draw the same thing."""

from __future__ import annotations

import altair as alt
import pandas as pd

from bizai.errors import DataContractError
from bizai.finance.metrics import quantile_columns
from bizai.finance.panel import SeriesColumns, rows_with_ids
from bizai.schema import ID_JOIN, on_clock


def select_series(frame: pd.DataFrame, id_cols: list[str], series_id) -> pd.DataFrame:
    """Rows of one series; `series_id` is a value (one id column) or a tuple (several)."""
    values = series_id if isinstance(series_id, tuple) else (series_id,)
    if len(values) != len(id_cols):
        raise DataContractError(f"id {series_id!r} must give one value per id column {id_cols}.")
    ids = dict(zip(id_cols, values, strict=True))
    mask = rows_with_ids(frame, ids)
    if not mask.any():
        raise DataContractError(f"No series with {ids}.")
    return frame[mask]


def total_over_series(frame: pd.DataFrame, time_col: str, value_cols: list[str]) -> pd.DataFrame:
    """Sum over the series per period (a conservative band for the total: quantiles do not add)."""
    # Summing quantiles gives a conservative (too wide) band for the total; labelled as such in the chart.
    return frame.groupby(time_col, as_index=False)[value_cols].sum(min_count=1)


def forecast_chart(history: pd.DataFrame, forecast: pd.DataFrame, columns: SeriesColumns, series_id=None,
                   history_periods: int | None = 36, title: str | None = None,
                   total_band: bool = False, compare: dict[str, pd.DataFrame] | None = None) -> alt.LayerChart:
    """History line, forecast (P50) line and the widest quantile band, with hover tooltips and zoom.

    With series_id=None the chart shows the total over the series: `forecast` is either per series (summed here; the
    band is then the sum of the series' bands, labelled so) or, with total_band=True, the total's own forecast and
    band (ProfitForecaster.predict_total). `compare`: other forecasts (ids, time, forecast), drawn as lines named
    'forecast: <key>' so several models share one chart."""
    time_col, target = columns.time_col, columns.target_col
    quantiles = quantile_columns(forecast)
    value_cols = ["forecast", *quantiles.values()]
    def shown(frame: pd.DataFrame, values: list[str]) -> pd.DataFrame:
        if series_id is None:
            return total_over_series(frame, time_col, values)
        return select_series(frame, columns.id_cols, series_id)

    history, forecast = shown(history, [target]), shown(forecast, value_cols)
    others = pd.concat([shown(frame, ["forecast"])[[time_col, "forecast"]].assign(what=f"forecast: {name}")
                        for name, frame in (compare or {}).items()] or [pd.DataFrame()], ignore_index=True)
    label = ("All series (sum)" if series_id is None
             else ID_JOIN.join(map(str, series_id if isinstance(series_id, tuple) else (series_id,))))
    if history_periods:
        history = history.sort_values(time_col).tail(history_periods)
    # One colour scale for every layer, so the legend names history, forecast and range.
    band_name = "range"
    if len(quantiles) >= 2:
        low, high = quantiles[min(quantiles)], quantiles[max(quantiles)]
        whose = "" if series_id is not None else " (of the total)" if total_band else " (sum of entity ranges)"
        band_name = f"range {low.upper()}–{high.upper()}{whose}"
    other_names = [f"forecast: {name}" for name in (compare or {})]
    colours = alt.Scale(domain=["actual", "forecast (P50)", band_name, *other_names],
                        range=["#4c78a8", "#e45756", "#f2a5a3", "#54a24b", "#b279a2", "#9d755d", "#eeca3b"])
    legend = alt.Legend(title=None, orient="top", labelLimit=0)  # labels in full
    x = alt.X(f"{time_col}:T", title=None, scale=alt.Scale(padding=12))  # padding: the last point is not clipped
    y_title = f"{target} ({'all series' if series_id is None else label})"
    number = ",.0f"
    actual = alt.Chart(history).transform_calculate(what="'actual'").mark_line(point=alt.OverlayMarkDef(size=15)).encode(
        x=x, y=alt.Y(f"{target}:Q", title=y_title, axis=alt.Axis(format="~s")),
        color=alt.Color("what:N", scale=colours, legend=legend),
        tooltip=[alt.Tooltip(f"{time_col}:T", title="period"), alt.Tooltip(f"{target}:Q", title="actual", format=number)])
    layers = [actual]
    if len(quantiles) >= 2:
        layers.insert(0, alt.Chart(forecast).transform_calculate(what=f"'{band_name}'").mark_area(opacity=0.45).encode(
            x=x, y=alt.Y(f"{low}:Q"), y2=alt.Y2(f"{high}:Q"), color=alt.Color("what:N", scale=colours, legend=legend),
            tooltip=[alt.Tooltip(f"{time_col}:T", title="period"), alt.Tooltip(f"{low}:Q", format=number),
                     alt.Tooltip(f"{high}:Q", format=number)]))
    layers.append(alt.Chart(forecast).transform_calculate(what="'forecast (P50)'").mark_line(
        strokeDash=[6, 3], point=True).encode(
        x=x, y=alt.Y("forecast:Q"), color=alt.Color("what:N", scale=colours, legend=legend),
        tooltip=[alt.Tooltip(f"{time_col}:T", title="period"),
                 alt.Tooltip("forecast:Q", title="forecast (P50)", format=number)]))
    if len(others):
        layers.append(alt.Chart(others).mark_line(strokeDash=[2, 2], point=alt.OverlayMarkDef(size=15)).encode(
            x=x, y=alt.Y("forecast:Q"), color=alt.Color("what:N", scale=colours, legend=legend),
            tooltip=[alt.Tooltip(f"{time_col}:T", title="period"), alt.Tooltip("what:N", title="model"),
                     alt.Tooltip("forecast:Q", format=number)]))
    return alt.layer(*layers).properties(title=title or f"{target}: {label}", width="container", height=320).interactive()


def backtest_chart(forecasts: pd.DataFrame, columns: SeriesColumns, series_id=None) -> alt.Chart:
    """Actual (black, in the legend as such) vs forecast per backtest window (one colour per cutoff)."""
    time_col = columns.time_col
    frame = on_clock(forecasts, time_col, "cutoff")
    if series_id is None:
        frame = frame.groupby(["model", "cutoff", time_col], as_index=False)[["forecast", "actual"]].sum(min_count=1)
    else:
        frame = select_series(frame, columns.id_cols, series_id)
    frame["cutoff"] = frame["cutoff"].dt.strftime("%Y-%m-%d")
    x = alt.X(f"{time_col}:T", title=time_col)
    actuals = frame.drop_duplicates(time_col).assign(what="actual")
    actual = alt.Chart(actuals).mark_line().encode(
        x=x, y=alt.Y("actual:Q", title=f"{columns.target_col} ({'all series' if series_id is None else 'one series'})",
                     axis=alt.Axis(format="~s")),
        color=alt.Color("what:N", scale=alt.Scale(range=["black"]), legend=alt.Legend(title=None, orient="top")),
        tooltip=[alt.Tooltip(f"{time_col}:T", title="period"), alt.Tooltip("actual:Q", format=",.0f")])
    predicted = alt.Chart(frame).mark_line(point=True).encode(
        x=x, y="forecast:Q", color=alt.Color("cutoff:N", title="forecast made at"), strokeDash="model:N",
        tooltip=["model", "cutoff", alt.Tooltip("forecast:Q", format=",.0f"), alt.Tooltip("actual:Q", format=",.0f")])
    return (actual + predicted).resolve_scale(color="independent").properties(
        title="Backtest: actual vs forecast", width="container", height=300).interactive()


def importance_chart(importance: pd.DataFrame, top: int = 15, labels: dict[str, str] | None = None) -> alt.Chart:
    """Horizontal bars of the `top` drivers; `labels` renames features for readers (see `describe_feature`)."""
    frame = importance.nlargest(top, "importance")
    if labels:
        frame = frame.assign(feature=frame["feature"].map(lambda name: labels.get(name, name)))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("importance:Q", axis=alt.Axis(format="%"), title="share of importance"),
        y=alt.Y("feature:N", sort="-x", title=None, axis=alt.Axis(labelLimit=0)),
        tooltip=["feature", alt.Tooltip("importance:Q", format=".1%")],
    ).properties(title="Drivers of the forecast", width="container", height=22 * len(frame))


def contributions_chart(contributions: pd.DataFrame, labels: dict[str, str] | None = None, top: int = 10) -> alt.Chart:
    """Bars of the `top` per-forecast contributions (one forecast's rows from `contributions`), pushing up in
    blue and down in red, in the target's units; the baseline (the average forecast) is left out."""
    frame = contributions[contributions["feature"] != "baseline"]
    frame = frame.loc[frame["contribution"].abs().sort_values(ascending=False).index[:top]]
    frame = frame.assign(feature=frame["feature"].map(lambda name: (labels or {}).get(name, name)),
                         direction=(frame["contribution"] >= 0).map({True: "pushes up", False: "pushes down"}))
    return alt.Chart(frame).mark_bar().encode(
        x=alt.X("contribution:Q", title="effect on this forecast", axis=alt.Axis(format="~s")),
        y=alt.Y("feature:N", sort=alt.EncodingSortField("contribution", op="sum", order="descending"), title=None,
                axis=alt.Axis(labelLimit=0)),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["pushes up", "pushes down"],
                                                       range=["#4c78a8", "#e45756"]),
                        legend=alt.Legend(title=None, orient="top")),
        tooltip=["feature", alt.Tooltip("contribution:Q", format=",.0f")],
    ).properties(width="container", height=24 * len(frame))
