"""`bizai forecast statement` through the real command: Excel, Parquet and HTML outputs, usual exit codes."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.cli.test_cli import bizai
from tests.cli.test_reliability import refused
from tests.finance.test_statement import check_coherent, departments, make_pnl

STATEMENT = ["--id-col", "store", "--time-col", "month", "--lines", "revenue,cost", "--identity", "profit=revenue-cost",
             "--hierarchy", "region,store", "--horizon", "3", "--model", "seasonal_naive"]


@pytest.fixture()
def pnl(tmp_path):
    make_pnl().to_csv(tmp_path / "pnl.csv", index=False)
    return tmp_path


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_statement_command_writes_a_coherent_statement(pnl, suffix):
    out = pnl / f"forecast_pnl{suffix}"
    result = bizai("forecast", "statement", "--data", pnl / "pnl.csv", *STATEMENT, "--out", out)
    assert "wrote the forecast statement" in result.stdout and "coverage" in result.stdout
    if suffix == ".parquet":
        statement = pd.read_parquet(out)
        assert set(statement["level"]) == {"total", "region", "store"}
        check_coherent(statement, "forecast")
    else:
        assert pd.ExcelFile(out).sheet_names[:3] == ["total", "region", "store"]


def test_statement_command_refuses_bad_input_and_bad_outputs(pnl):
    refused("forecast", "statement", "--data", pnl / "pnl.csv", *STATEMENT, "--out", pnl / "pnl.csv",
            names="would overwrite the input", folder=pnl)
    refused("forecast", "statement", "--data", pnl / "pnl.csv", *STATEMENT, "--out", pnl / "pnl.pdf",
            names=r"must end in \.xlsx, \.html, \.csv or \.parquet \(got", folder=pnl)
    args = [*STATEMENT]
    args[args.index("profit=revenue-cost")] = "profit=revenue-costs"
    refused("forecast", "statement", "--data", pnl / "pnl.csv", *args, "--out", pnl / "s.xlsx",
            names="names 'costs'", folder=pnl)


def test_ratios_are_named_on_the_command_line_and_a_ratio_given_as_identity_says_so(pnl):
    import openpyxl

    out = pnl / "s.xlsx"
    bizai("forecast", "statement", "--data", pnl / "pnl.csv", *STATEMENT, "--ratio", "cost_share=cost/revenue",
          "--out", out)
    stores = openpyxl.load_workbook(out)["store"]
    rows = {(r[0].value, r[1].value): [c.value for c in r[2:]] for r in stores.iter_rows(min_row=3)}
    first = next(store for store, line in rows if line == "cost_share")
    share, cost, revenue = (rows[first, line][0] for line in ("cost_share", "cost", "revenue"))
    assert share == pytest.approx(cost / revenue, rel=1e-9)
    assert not any(line == "margin" for _, line in rows)  # the ratios named replace the default margin
    args = [*STATEMENT, "--identity", "margin=(revenue-cost)/revenue"]
    refused("forecast", "statement", "--data", pnl / "pnl.csv", *args, "--out", pnl / "s2.xlsx",
            names=r"A ratio is shown beside the lines, never forecast.*--ratio margin=profit/revenue", folder=pnl)


def test_a_wide_pnl_sheet_gives_the_statement_of_the_long_table(pnl):
    # finance hands on the P&L as a sheet: a row per store and line, a column per month
    from tests.test_wide import pnl_sheet

    long = make_pnl()
    pnl_sheet(long.assign(promo=0)).to_excel(pnl / "pnl.xlsx", index=False)
    from_sheet, from_long = pnl / "from_sheet.parquet", pnl / "from_long.parquet"
    bizai("forecast", "statement", "--data", pnl / "pnl.xlsx", "--wide", *STATEMENT, "--out", from_sheet)
    bizai("forecast", "statement", "--data", pnl / "pnl.csv", *STATEMENT, "--out", from_long)
    pd.testing.assert_frame_equal(pd.read_parquet(from_sheet), pd.read_parquet(from_long))
    refused("forecast", "statement", "--data", pnl / "pnl.xlsx", *STATEMENT, "--out", pnl / "s.xlsx",
            names=r"looks wide: 30 columns are named as periods.*--wide", folder=pnl)


def test_a_wide_csv_in_accounting_format_with_margin_and_total_rows_gives_the_same_statement(pnl):
    # the sheet as finance exports it to CSV: '$1,234.56', a margin % row, a Total row per line
    from tests.test_wide import pnl_sheet

    long = make_pnl()
    long[["revenue", "cost"]] = long[["revenue", "cost"]].round(2)
    long.to_csv(pnl / "rounded.csv", index=False)
    sheet = pnl_sheet(long.assign(promo=0)).query("line != 'promo'")
    months = [c for c in sheet.columns if c not in ("region", "store", "line")]
    totals = sheet.groupby("line", as_index=False)[months].sum().assign(region="Total", store="Total")
    margin = sheet[sheet["line"] == "revenue"].copy()
    margin[months] = 1 - sheet[sheet["line"] == "cost"][months].to_numpy() / margin[months].to_numpy()
    text = pd.concat([sheet, totals], ignore_index=True)
    text[months] = text[months].map(lambda v: "" if pd.isna(v) else f"${v:,.2f}")
    margin[months] = margin[months].map(lambda v: "" if pd.isna(v) else f"{100 * v:.1f}%")
    pd.concat([text, margin.assign(line="margin")], ignore_index=True).to_csv(pnl / "sheet.csv", index=False)
    assert '"$1,' in (pnl / "sheet.csv").read_text() and "%" in (pnl / "sheet.csv").read_text()
    bizai("forecast", "statement", "--data", pnl / "sheet.csv", "--wide", *STATEMENT, "--out", pnl / "sheet.parquet")
    bizai("forecast", "statement", "--data", pnl / "rounded.csv", *STATEMENT, "--out", pnl / "long.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(pnl / "sheet.parquet"), pd.read_parquet(pnl / "long.parquet"))


def test_leaves_named_by_two_id_columns_on_the_command_line(pnl):
    departments(make_pnl()).to_csv(pnl / "depts.csv", index=False)
    args = [*STATEMENT]
    args[args.index("store")] = "store,dept"
    out = pnl / "depts.parquet"
    bizai("forecast", "statement", "--data", pnl / "depts.csv", *args, "--out", out)
    statement = pd.read_parquet(out)
    assert {"A / 1", "A / 2"} <= set(statement.loc[statement["level"] == "store / dept", "node"])
    check_coherent(statement[statement["level"] != "store / dept"], "forecast")
