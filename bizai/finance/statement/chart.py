"""The company chart of a statement (Altair): actuals, the reconciled forecast and its calibrated range."""

from __future__ import annotations

import pandas as pd


def company_chart(company: pd.DataFrame, headline: str):
    """`company` has period, actual (history rows), forecast, low, high (forecast rows)."""
    import altair as alt

    long = pd.concat([
        company.dropna(subset=["actual"]).assign(series="actual", amount=lambda f: f["actual"]),
        company.dropna(subset=["forecast"]).assign(series="forecast", amount=lambda f: f["forecast"])])
    colours = alt.Scale(domain=["actual", "forecast", "range"], range=["#1F3A5F", "#D95F02", "#F4C7A8"])
    base = alt.Chart(long).encode(x=alt.X("period:T", title=None, axis=alt.Axis(format="%b %Y")))
    band = alt.Chart(company.dropna(subset=["forecast"]).assign(series="range")).mark_area(opacity=0.6).encode(
        x="period:T", y=alt.Y("low:Q", title=headline, axis=alt.Axis(format=",.0f")), y2="high:Q",
        color=alt.Color("series:N", scale=colours, title=None),
        tooltip=[alt.Tooltip("period:T", format="%b %Y"), alt.Tooltip("low:Q", format=",.0f"),
                 alt.Tooltip("high:Q", format=",.0f")])
    lines = base.mark_line(point=True).encode(
        y=alt.Y("amount:Q", title=headline), color=alt.Color("series:N", scale=colours, title=None),
        tooltip=[alt.Tooltip("period:T", format="%b %Y"), "series:N", alt.Tooltip("amount:Q", format=",.0f")])
    return (band + lines).properties(width=760, height=320, title=f"Company {headline}: actual, forecast and range")
