"""Wide tables (one column per period, as finance sheets are laid out) read as bizai's long tables."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai.errors import DataContractError
from bizai.finance import ProfitForecaster, long_from_entity_columns, long_from_wide
from bizai.io import read_table
from bizai.wide import long_with_measures, reads_as_period
from tests.finance.test_statement import make_pnl


def sales_sheet() -> pd.DataFrame:
    """Three stores' monthly sales, one column per month; store C opened in March (blank before)."""
    return pd.DataFrame({"store": ["A", "B", "C"], "region": ["north", "north", "south"],
                         "Jan-24": [10.0, 20.0, np.nan], "Feb-24": [11.0, 21.0, np.nan],
                         "Mar-24": [12.0, 22.0, 5.0], "Apr-24": [13.0, 23.0, 6.0]})


def pnl_sheet(long: pd.DataFrame) -> pd.DataFrame:
    """A P&L laid out as finance hands it on: region, store, line (revenue | cost | promo), one column per month."""
    melted = long.melt(id_vars=["region", "store", "month"], value_vars=["revenue", "cost", "promo"], var_name="line")
    melted["month"] = melted["month"].dt.strftime("%Y-%m")
    sheet = melted.pivot(index=["region", "store", "line"], columns="month", values="value").reset_index()
    sheet.columns.name = None
    return sheet


@pytest.mark.parametrize("name", ["2024-01", "2024-01-31", "Jan-24", "Jan 2024", "January 2024", "31-Jan-2024",
                                  "2024 Q1", "Q1-2024", "01/2024", "31/01/2024", "2024M01", "2024-W05", 20240131, "2024", 2024,
                                  pd.Timestamp("2024-01-01"), dt.date(2024, 1, 1), pd.Period("2024-01", "M")])
def test_period_names_are_recognised(name):
    assert reads_as_period(name)


@pytest.mark.parametrize("name", ["store", "Jan", "Q1", "FY2024", "Total", "1850", 7, 12345, "line", "2024-13",
                                  "Store 2024", True])
def test_other_names_are_labels(name):
    assert not reads_as_period(name)


def test_one_measure_per_cell_becomes_one_row_per_store_and_month():
    long = long_from_wide(sales_sheet(), time_col="month", value_col="sales")
    assert list(long.columns) == ["store", "region", "month", "sales"]
    assert long["month"].dtype == "datetime64[ns]"
    # the sheet's row order, months in order; C's blank months before it opened are no rows at all
    assert long["store"].tolist() == ["A"] * 4 + ["B"] * 4 + ["C"] * 2
    assert long[long["store"] == "C"]["month"].dt.month.tolist() == [3, 4]
    assert long.loc[long["store"] == "B", "sales"].tolist() == [20.0, 21.0, 22.0, 23.0]


def test_pandas_pivot_output_with_its_labels_as_the_index_reads_the_same():
    long = long_from_wide(sales_sheet(), time_col="month", value_col="sales")
    pivoted = long.pivot(index=["store", "region"], columns="month", values="sales")  # not reset: labels in the index
    again = long_from_wide(pivoted, time_col="month", value_col="sales")
    pd.testing.assert_frame_equal(again.reset_index(drop=True), long.reset_index(drop=True))


def test_polars_in_polars_out():
    long = long_from_wide(pl.from_pandas(sales_sheet()), time_col="month", value_col="sales")
    assert isinstance(long, pl.DataFrame) and long.height == 10 and long.schema["month"] == pl.Datetime("ns")


def test_a_pnl_sheet_with_a_line_column_gives_the_long_table_back():
    long = make_pnl(periods=12, late="D")
    back = long_from_wide(pnl_sheet(long), time_col="month", line_col="line")
    assert list(back.columns) == ["region", "store", "month", "cost", "promo", "revenue"]  # lines in the sheet's order
    expected = long[["region", "store", "month", "cost", "promo", "revenue"]].sort_values(["region", "store", "month"])
    pd.testing.assert_frame_equal(back.reset_index(drop=True), expected.reset_index(drop=True), check_dtype=False)
    # the late store's months before it opened are blank in the sheet and absent here, as in the long table
    assert back[back["store"] == "D"]["month"].min() == long[long["store"] == "D"]["month"].min()


def test_excel_date_headers_read_as_periods(tmp_path):
    sheet = sales_sheet().rename(columns=lambda c: pd.Timestamp(f"2024-{['Jan', 'Feb', 'Mar', 'Apr'].index(c[:3]) + 1:02d}-01")
                                 if c.endswith("-24") else c)
    path = tmp_path / "sales.xlsx"
    sheet.to_excel(path, index=False)  # the headers are date cells
    long = long_from_wide(read_table(path, text_columns=["store"]), time_col="month", value_col="sales")
    assert long["month"].dt.strftime("%Y-%m").unique().tolist() == ["2024-01", "2024-02", "2024-03", "2024-04"]
    assert len(long) == 10


def test_fitting_a_wide_table_points_to_the_reshape():
    with pytest.raises(DataContractError, match=r"missing column\(s\) 'month'.*looks wide: 4 columns are named as "
                                                 r"periods \('Jan-24'.*long_from_wide.*--wide"):
        ProfitForecaster(horizon=2).fit(sales_sheet(), id_col="store", time_col="month", target_col="sales")


@pytest.mark.parametrize("change, message", [
    (lambda s: s.rename(columns={"Jan-24": "Jan", "Feb-24": "Feb", "Mar-24": "Mar", "Apr-24": "Apr"}),
     r"no columns named as periods.*Month names without a year \('Jan'"),
    (lambda s: s.rename(columns={"Jan-24": "Wk 1", "Feb-24": "Wk 2", "Mar-24": "Wk 3", "Apr-24": "Wk 4"}),
     r"Periods numbered without a year \('Wk 1', 'Wk 2', 'Wk 3' \(and 1 more\)\) are not enough: write weeks as "
     r"2024-W05"),
    (lambda s: s.rename(columns={"Jan-24": "Q1", "Feb-24": "Q2", "Mar-24": "Q3", "Apr-24": "Q4"}),
     r"Periods numbered without a year \('Q1'"),
    (lambda s: s.assign(region=["north", None, "south"]), r"'region' of the wide table is blank in rows 1: a label "
                                                            "written once above its block"),
    (lambda s: s.assign(store=["A", "A", "C"]).assign(region="north"), r"Rows 0, 1 of the wide table carry the same "
                                                                        "labels"),
    (lambda s: s.rename(columns={"Apr-24": "2024-04"}), r"do not read as one calendar: they are not all written"),
    (lambda s: s.assign(**{"2024-01": [1.0, 2.0, 3.0]}).rename(columns={"Jan-24": "2024-01-01"}).drop(
        columns=["Feb-24", "Mar-24", "Apr-24"]), r"name the same period"),
])
def test_sheets_that_cannot_be_read_are_refused_naming_why(change, message):
    with pytest.raises(DataContractError, match=message):
        long_from_wide(change(sales_sheet()), time_col="month", value_col="sales")


def test_result_names_must_be_new_and_the_line_column_must_exist():
    with pytest.raises(DataContractError, match="time_col='store' is already a column"):
        long_from_wide(sales_sheet(), time_col="store", value_col="sales")
    with pytest.raises(DataContractError, match=r"no column 'lines' naming each row's line \(did you mean 'line'\?\)"):
        long_from_wide(pnl_sheet(make_pnl(periods=6)), time_col="month", line_col="lines")
    with pytest.raises(ValueError, match="Give value_col"):
        long_from_wide(sales_sheet(), time_col="month")


def test_total_columns_and_rows_that_add_up_are_left_out_with_a_warning():
    expected = long_from_wide(sales_sheet(), time_col="month", value_col="sales")
    months = ["Jan-24", "Feb-24", "Mar-24", "Apr-24"]
    with_columns = sales_sheet().assign(**{"2023": [100.0, 200.0, 50.0], "Total": [46.0, 86.0, 11.0]})
    with pytest.warns(UserWarning, match=r"Column\(s\) 'Total', '2023' of the wide table hold totals .* left out"):
        pd.testing.assert_frame_equal(long_from_wide(with_columns, time_col="month", value_col="sales"), expected)
    # North's stores, their subtotal, South's, its subtotal, the grand total: as a finance sheet lays them out
    sheet = sales_sheet()
    north, south = sheet.iloc[:2], sheet.iloc[2:]

    def total(rows, store, region):
        return pd.DataFrame([{"store": store, "region": region, **rows[months].sum(min_count=1).to_dict()}])

    blocks = pd.concat([north, total(north, "North subtotal", "north"), south, total(south, "South subtotal", "south"),
                        total(sheet, "Grand total", "all")], ignore_index=True)
    with pytest.warns(UserWarning, match=r"Rows 2, 4, 5 of the wide table are labelled 'North subtotal'.*equal the "
                                         r"sum of the rows they total: left out") as record:
        got = long_from_wide(blocks, time_col="month", value_col="sales")
    assert len(record) == 1
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


def test_a_total_row_that_does_not_add_up_is_kept_and_warned_about():
    wrong = pd.DataFrame({"store": ["Total"], "region": ["all"], "Jan-24": [31.0], "Feb-24": [32.0],
                          "Mar-24": [39.0], "Apr-24": [42.0]})
    sheet = pd.concat([sales_sheet(), wrong], ignore_index=True)
    with pytest.warns(UserWarning, match=r"Rows 3 of the wide table are labelled 'Total' in column 'store', but not "
                                         "all add up.*counted twice") as record:
        long = long_from_wide(sheet, time_col="month", value_col="sales")
    assert len(record) == 1 and "Total" in set(long["store"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        long_from_wide(sales_sheet(), time_col="month", value_col="sales")


def test_a_pnl_sheets_total_rows_add_up_line_by_line():
    long = make_pnl(periods=6, late=None)
    sheet = pnl_sheet(long)
    months = [c for c in sheet.columns if c not in ("region", "store", "line")]
    totals = sheet.groupby("line", as_index=False)[months].sum().assign(region="Total", store="Total")
    with pytest.warns(UserWarning, match="equal the sum of the rows they total"):
        got = long_from_wide(pd.concat([sheet, totals], ignore_index=True), time_col="month", line_col="line")
    assert set(got["store"]) == set(long["store"])


def test_measures_are_found_in_the_column_that_names_them():
    sheet = pnl_sheet(make_pnl(periods=6))
    sheet["line"] = sheet["line"].str.title() + " "  # as typed in a sheet: 'Revenue '
    long = long_with_measures(sheet, "month", ["revenue", "promo"])
    assert {"revenue", "promo", "Cost"} <= set(long.columns)  # the lines asked for, as asked; the others as written
    assert long["revenue"].notna().all()
    assert list(long_with_measures(sales_sheet(), "month", ["sales"]).columns)[-1] == "sales"
    with pytest.raises(DataContractError, match=r"holds 'sales', 'promo' needs a column naming the measure on each row"):
        long_with_measures(sales_sheet(), "month", ["sales", "promo"])
    with pytest.raises(DataContractError, match=r"none of its label columns .* holds them all \('line' holds 'Cost', "
                                                r"'Promo', 'Revenue'\)"):
        long_with_measures(sheet, "month", ["sales", "cogs"])  # the sheet names them otherwise


def stores_across() -> pd.DataFrame:
    """A sheet with one row per month and one column per store; store C opened in March."""
    return pd.DataFrame({"month": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
                         "Store A": [10.0, 11.0, 12.0, 13.0], "Store B": [20.0, 21.0, 22.0, 23.0],
                         "Store C": [np.nan, np.nan, 5.0, 6.0]})


def test_one_column_per_entity_becomes_one_row_per_entity_and_month():
    long = long_from_entity_columns(stores_across(), time_col="month", id_col="store", value_col="sales")
    assert list(long.columns) == ["store", "month", "sales"]
    assert long["store"].tolist() == ["Store A"] * 4 + ["Store B"] * 4 + ["Store C"] * 2
    assert long.loc[long["store"] == "Store C", "sales"].tolist() == [5.0, 6.0]
    # pandas' pivot output, dates as the index, and polars frames too
    pivoted = stores_across().assign(month=lambda f: pd.to_datetime(f["month"])).set_index("month")
    from_index = long_from_entity_columns(pivoted, time_col="month", id_col="store", value_col="sales")
    assert from_index["month"].dt.month.tolist() == [1, 2, 3, 4] * 2 + [3, 4]
    from_polars = long_from_entity_columns(pl.from_pandas(stores_across()), "month", "store", "sales")
    assert isinstance(from_polars, pl.DataFrame) and from_polars.height == 10


def test_a_total_column_beside_the_entities_is_left_out():
    with pytest.warns(UserWarning, match=r"'Total' of the table hold totals and are left out"):
        long = long_from_entity_columns(stores_across().assign(Total=1.0), "month", "store", "sales")
    assert set(long["store"]) == {"Store A", "Store B", "Store C"}


@pytest.mark.parametrize("change, message", [
    (lambda s: s.assign(note="closed"), r"'note' of the table hold text, not figures"),
    (lambda s: pd.concat([s, s.iloc[:1]], ignore_index=True), r"Rows 0, 4 of the table hold the same 'month'"),
    (lambda s: s.rename(columns={"month": "period"}), r"no column 'month' of periods"),
    (lambda s: s.rename(columns={"Store A": "store"}), r"id_col='store' is already a column"),
])
def test_entity_columns_that_cannot_be_read_are_refused(change, message):
    with pytest.raises(DataContractError, match=message):
        long_from_entity_columns(change(stores_across()), time_col="month", id_col="store", value_col="sales")


def test_fitting_a_table_of_entity_columns_points_to_the_reshape():
    with pytest.raises(DataContractError, match=r"missing column\(s\) 'store'.*'sales'.*may hold one column per entity "
                                                 r"\('Store A', 'Store B', 'Store C'\) beside 'month'"):
        ProfitForecaster(horizon=2).fit(stores_across(), id_col="store", time_col="month", target_col="sales")
    one_series = pd.DataFrame({"month": pd.date_range("2024-01-01", periods=4, freq="MS"), "sales": 1.0, "promo": 0})
    with pytest.raises(DataContractError, match="missing column") as refused:  # lacks only an id: not that layout
        ProfitForecaster(horizon=2).fit(one_series, id_col="store", time_col="month", target_col="sales")
    assert "per entity" not in str(refused.value)


@pytest.mark.parametrize("corner", ["", "Unnamed: 0"])  # a blank top-left cell, as polars' CSV / pandas' Excel name it
def test_a_pivot_tables_blank_corner_names_the_missing_id_or_time_column(corner):
    from bizai.cli.options import as_long

    by_month = sales_sheet().drop(columns="region").rename(columns={"store": corner})
    long = as_long(by_month, True, "month", ["sales"], ["store"])
    assert list(long.columns) == ["store", "month", "sales"] and len(long) == 10
    by_store = stores_across().rename(columns={"month": corner})
    long = as_long(by_store, True, "month", ["sales"], ["store"])
    assert list(long.columns) == ["store", "month", "sales"] and len(long) == 10
    two_blank = by_month.assign(**{"Unnamed: 9" if corner == "" else "": ["x", "y", "z"]})  # which is the id?
    with pytest.raises(DataContractError, match="missing column"):
        ProfitForecaster(horizon=2).fit(as_long(two_blank, True, "month", ["sales"], ["store"]), id_col="store",
                                        time_col="month", target_col="sales")


def test_a_region_merged_down_its_stores_in_excel_labels_every_row(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Forecast P&L 2024"])  # a title merged across the table
    sheet.append([])
    sheet.append(["region", "store", "Jan-24", "Feb-24", "Mar-24"])
    for row in (["North", "A", 1, 2, 3], [None, "B", 4, 5, 6], [None, "C", 7, 8, 9], ["South", "D", 1, 1, 1]):
        sheet.append(row)
    sheet.merge_cells("A1:E1")
    sheet.merge_cells("A4:A6")  # North written once beside its three stores
    book.create_sheet("notes")
    book.save(tmp_path / "pnl.xlsx")
    frame = read_table(tmp_path / "pnl.xlsx", text_columns=["store"])
    assert frame["region"].tolist() == ["North", "North", "North", "South"]
    long = long_from_wide(frame, time_col="month", value_col="sales")
    assert long.groupby("region")["store"].nunique().to_dict() == {"North": 3, "South": 1}


def test_a_notes_sheet_in_front_of_the_table_is_passed_over_and_the_tables_merges_read(tmp_path, caplog):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "About"
    book.active.append(["Plan exported from the planning tool; figures in GBP."])
    sheet = book.create_sheet("Plan")
    sheet.append(["region", "store", "Jan-24", "Feb-24"])
    for row in (["North", "A", 1, 2], [None, "B", 4, 5], ["South", "C", 7, 8]):
        sheet.append(row)
    sheet.merge_cells("A2:A3")  # merged on the second sheet: its own merges, not the first sheet's
    book.save(tmp_path / "plan.xlsx")
    with caplog.at_level("WARNING", logger="bizai.io"):
        frame = read_table(tmp_path / "plan.xlsx", text_columns=["store"])
    assert frame["region"].tolist() == ["North", "North", "South"] and frame["store"].tolist() == ["A", "B", "C"]
    assert "Read sheet 'Plan' of " in caplog.text and "before it ('About') hold no table" in caplog.text
