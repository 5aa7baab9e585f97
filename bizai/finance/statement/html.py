"""The forecast statement as one HTML file: the company chart (Altair, as the rest of bizai draws) and the same
tables as the workbook, formatted by pandas' Styler (thousands separators, red negatives, forecast columns shaded)."""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from bizai.finance.statement.chart import company_chart
from bizai.finance.statement.tables import StatementTables, period_label
from bizai.io import atomic_path, user_path

HTML_SUFFIXES = (".html", ".htm")  # a browser opens these as a page
STYLE = """<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d2733}
h1{font-size:22px} h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;font-size:12px} th,td{padding:3px 8px;border-bottom:1px solid #e4e7eb;text-align:right}
th{background:#f5f7fa;position:sticky;top:0} td:first-child,td:nth-child(2),th:first-child{text-align:left}
.neg{color:#c62828} .fc{background:#eef3fb}
</style>"""


def money(value) -> str:
    """A money cell: thousands separators, negatives in red."""
    return "" if pd.isna(value) else f'<span class="neg">{value:,.0f}</span>' if value < 0 else f"{value:,.0f}"


def percent(value) -> str:
    """A percentage cell, negatives in red."""
    return "" if pd.isna(value) else f'<span class="neg">{value:.1%}</span>' if value < 0 else f"{value:.1%}"


def level_table(wide: pd.DataFrame, tables: StatementTables, freq: str) -> str:
    """One level's table in HTML, forecast periods shaded."""
    periods = [*tables.actual_periods, *tables.forecast_periods]
    head = "".join(f'<th class="{"fc" if p in tables.forecast_periods else ""}">{period_label(p, freq)}</th>' for p in periods)
    rows = []
    for _, record in wide.iterrows():
        show = percent if record["line"] in tables.ratio_lines else money
        cells = "".join(f'<td class="{"fc" if p in tables.forecast_periods else ""}">{show(record[p])}</td>' for p in periods)
        rows.append(f"<tr><td>{html.escape(str(record['node']))}</td><td>{html.escape(record['line'])}</td>{cells}</tr>")
    return f"<table><tr><th>node</th><th>line</th>{head}</tr>{''.join(rows)}</table>"

def write_statement_html(tables: StatementTables, path: str | Path) -> Path:
    """Write the statement as one offline HTML file, atomically; returns the path."""
    freq = tables.freq
    sections = [f"<h1>Forecast statement</h1><p>{len(tables.forecast_periods)} forecast periods after "
                f"{period_label(tables.actual_periods[-1], freq)}; shaded columns are forecasts.</p>",
                # Inline the Vega scripts (vl-convert ships them) so the file opens offline, as one file should.
                company_chart(tables.company, tables.headline).to_html(fullhtml=False, inline=True)]
    for level, wide in tables.levels.items():
        sections.append(f"<h2>{html.escape(level)}</h2>{level_table(wide, tables, freq)}")
    accuracy = tables.accuracy.style.format({c: "{:,.0f}" for c in tables.accuracy.columns if c.startswith("mae")} | {
        c: "{:.1%}" for c in tables.accuracy.columns if c.startswith(("wape", "coverage"))} | {"mase": "{:.2f}"}).hide()
    sections.append(f"<h2>Backtest accuracy per level and line</h2>{accuracy.to_html()}")
    if len(tables.drivers):
        drivers = tables.drivers.style.format({"mean_abs_contribution": "{:,.0f}", "share": "{:.1%}"}).hide()
        sections.append(f"<h2>Top drivers per line</h2>{drivers.to_html()}")
    document = f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Forecast statement</title>{STYLE}</head><body>" \
               f"{''.join(sections)}</body></html>"
    final = user_path(path)  # its suffix checked by StatementForecaster before the tables were built
    with atomic_path(final) as temporary:
        temporary.write_text(document, encoding="utf-8")
    return final
