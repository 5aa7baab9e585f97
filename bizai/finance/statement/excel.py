"""The forecast statement as an Excel workbook (XlsxWriter): numbers stay numbers with number formats.

Sheets: one per level (node x line rows; recent actual months, then forecast months under their own heading and
fill; totals; negative values in red; frozen headers), Ranges (the band per series and period), Accuracy (the
calibration backtest per level and line), Drivers (top drivers per line) and a native chart of the company's
headline line: actuals, forecast and band.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bizai.finance.statement.tables import StatementTables, period_label
from bizai.io import atomic_path, user_path
from bizai.workbook import unique_sheet_names

MONEY = "#,##0;[Red]-#,##0"
PERCENT = "0.0%;[Red]-0.0%"
FIXED_SHEETS = ("Ranges", "Accuracy", "Drivers", "Company chart")  # beside one sheet per level
WORKBOOK_SUFFIXES = (".xlsx",)  # an XlsxWriter workbook; Excel opens no other suffix as one


def write_statement_workbook(tables: StatementTables, path: str | Path) -> Path:
    """Write the statement workbook to `path` atomically (temp file, then rename); returns the path."""
    import xlsxwriter

    final = user_path(path)  # its suffix checked by StatementForecaster before the tables were built
    with atomic_path(final) as temporary:
        book = xlsxwriter.Workbook(str(temporary), {"nan_inf_to_errors": True})
        formats = {
            "money": book.add_format({"num_format": MONEY}),
            "percent": book.add_format({"num_format": PERCENT, "italic": True}),
            "forecast_money": book.add_format({"num_format": MONEY, "bg_color": "#EEF3FB"}),
            "forecast_percent": book.add_format({"num_format": PERCENT, "bg_color": "#EEF3FB", "italic": True}),
            "header": book.add_format({"bold": True, "bottom": 1, "align": "center"}),
            "forecast_header": book.add_format({"bold": True, "bottom": 1, "align": "center", "bg_color": "#DCE6F5",
                                                "left": 2}),
            "band": book.add_format({"bold": True, "align": "center", "font_color": "#555555"}),
            "total": book.add_format({"bold": True, "top": 1, "num_format": MONEY}),
            "number": book.add_format({"num_format": "#,##0.000"}),
            "share": book.add_format({"num_format": "0.0%"}),
        }
        sheets = unique_sheet_names(list(tables.levels), reserved=FIXED_SHEETS)  # a level 'Store / Dept' too
        for (level, wide), sheet_name in zip(tables.levels.items(), sheets, strict=True):
            write_level_sheet(book, formats, level, sheet_name, wide, tables, tables.freq)
        write_frame_sheet(book, formats, "Ranges", tables.ranges, money=[c for c in tables.ranges.columns
                                                                          if c.startswith("p")])
        write_frame_sheet(book, formats, "Accuracy", tables.accuracy, number=[c for c in tables.accuracy.columns
                                                                              if c.startswith(("mae", "wape", "mase"))],
                          share=[c for c in tables.accuracy.columns if c.startswith("coverage")])
        write_frame_sheet(book, formats, "Drivers", tables.drivers, number=["mean_abs_contribution"], share=["share"])
        write_company_chart(book, formats, tables, tables.freq)
        book.close()
    return final


def write_level_sheet(book, formats, level: str, sheet_name: str, wide: pd.DataFrame, tables: StatementTables,
                      freq: str) -> None:
    """One level's sheet (named `sheet_name`): node x line rows, the actual then the forecast periods, totals and
    formats."""
    sheet = book.add_worksheet(sheet_name)
    actual, future = tables.actual_periods, tables.forecast_periods
    first_forecast = 2 + len(actual)
    if actual:
        sheet.merge_range(0, 2, 0, first_forecast - 1, "Actual", formats["band"]) if len(actual) > 1 else sheet.write(
            0, 2, "Actual", formats["band"])
    sheet.merge_range(0, first_forecast, 0, first_forecast + len(future) - 1, "Forecast", formats["band"]) if len(
        future) > 1 else sheet.write(0, first_forecast, "Forecast", formats["band"])
    sheet.write_row(1, 0, [level, "line"], formats["header"])
    for i, period in enumerate([*actual, *future]):
        style = formats["forecast_header"] if i == len(actual) else formats["header"]
        sheet.write(1, 2 + i, period_label(period, freq), style)
    row = 2
    for _, record in wide.iterrows():
        ratio = record["line"] in tables.ratio_lines
        sheet.write(row, 0, str(record["node"]))
        sheet.write(row, 1, record["line"])
        for i, period in enumerate([*actual, *future]):
            kind = "forecast_" if i >= len(actual) else ""
            value = record[period]
            if pd.notna(value):
                sheet.write_number(row, 2 + i, float(value), formats[kind + ("percent" if ratio else "money")])
        row += 1
    if level != "total":  # totals per line (ratios are not summed)
        summed = wide[~wide["line"].isin(tables.ratio_lines)].groupby("line", sort=False)[[*actual, *future]].sum(min_count=1)
        for line, values in summed.iterrows():
            sheet.write(row, 0, "Total", formats["total"])
            sheet.write(row, 1, line, formats["total"])
            for i, value in enumerate(values):
                if pd.notna(value):
                    sheet.write_number(row, 2 + i, float(value), formats["total"])
            row += 1
    sheet.freeze_panes(2, 2)
    sheet.autofit()


def write_frame_sheet(book, formats, name: str, frame: pd.DataFrame, money=(), number=(), share=()) -> None:
    """A plain table sheet with a header row and money, number or share formats per column."""
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, [str(c) for c in frame.columns], formats["header"])
    for r, record in enumerate(frame.itertuples(index=False), start=1):
        for c, (column, value) in enumerate(zip(frame.columns, record, strict=True)):
            if isinstance(value, pd.Timestamp):
                sheet.write(r, c, value.strftime("%Y-%m-%d"))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                style = (formats["money"] if column in money else formats["share"] if column in share else
                         formats["number"] if column in number else None)
                if pd.notna(value):
                    sheet.write_number(r, c, float(value), style)
            elif value is not None and not (isinstance(value, float) and pd.isna(value)):
                sheet.write(r, c, str(value))
    if not len(frame):
        sheet.write(1, 0, "No drivers: they need the lightgbm model." if name == "Drivers" else "No rows.")
    sheet.freeze_panes(1, 0)
    sheet.autofit()


def write_company_chart(book, formats, tables: StatementTables, freq: str) -> None:
    """A sheet with the company's headline series and a native line chart of it (actual, forecast, band)."""
    sheet = book.add_worksheet("Company chart")
    company = tables.company
    headers = ["period", f"actual {tables.headline}", f"forecast {tables.headline}", "range low", "range high"]
    sheet.write_row(0, 0, headers, formats["header"])
    for r, record in enumerate(company.itertuples(index=False), start=1):
        sheet.write(r, 0, period_label(record.period, freq))
        for c, value in enumerate([record.actual, record.forecast, record.low, record.high], start=1):
            if pd.notna(value):
                sheet.write_number(r, c, float(value), formats["money"])
    last = len(company)
    chart = book.add_chart({"type": "line"})
    styles = [("#1F3A5F", "solid", 2.25), ("#D95F02", "solid", 2.25), ("#D95F02", "dash", 1), ("#D95F02", "dash", 1)]
    for column, (color, dash, width) in enumerate(styles, start=1):
        chart.add_series({"name": ["Company chart", 0, column], "categories": ["Company chart", 1, 0, last, 0],
                          "values": ["Company chart", 1, column, last, column],
                          "line": {"color": color, "dash_type": dash, "width": width}})
    chart.set_title({"name": f"Company {tables.headline}: actual, forecast and range"})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 860, "height": 420})
    sheet.insert_chart("G2", chart)
    sheet.autofit()
