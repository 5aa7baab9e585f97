"""Result tables written as Excel workbooks: what the CLI's --out *.xlsx and the dashboard's downloads write."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from bizai import workbook
from bizai.errors import DataContractError
from bizai.io import write_table, write_table_batches
from bizai.workbook import tables_to_xlsx


def test_zoned_and_period_dates_are_written_as_plain_excel_dates(tmp_path):
    forecasts = pd.DataFrame({"store": ["A", "A"], "month": pd.date_range("2025-01-01", periods=2, freq="MS", tz="UTC"),
                              "quarter": pd.period_range("2025Q1", periods=2, freq="Q"), "forecast": [1.0, 2.0]})
    sheet = openpyxl.load_workbook(write_table(forecasts, tmp_path / "forecasts.xlsx"))["forecasts"]
    assert [sheet["B2"].value, sheet["C3"].value] == [dt.datetime(2025, 1, 1), dt.datetime(2025, 4, 1)]
    assert sheet["B2"].number_format == sheet["C2"].number_format == "yyyy-mm-dd"


def test_batches_gather_into_one_sheet_and_a_table_longer_than_a_sheet_is_refused_unwritten(tmp_path, monkeypatch):
    part = pd.DataFrame({"store": ["007", "B"], "forecast": [1.5, 2.5]})
    assert write_table_batches(iter([part, part]), tmp_path / "two.xlsx") == 4
    rows = list(openpyxl.load_workbook(tmp_path / "two.xlsx")["two"].values)
    assert rows == [("store", "forecast"), ("007", 1.5), ("B", 2.5), ("007", 1.5), ("B", 2.5)]
    monkeypatch.setattr(workbook, "SHEET_ROWS", 4)  # Excel's 1,048,576, scaled down
    with pytest.raises(DataContractError, match=r"4 rows of 'big' do not fit in an Excel sheet \(3 rows below the "
                                                r"header\): write \.parquet or \.csv instead"):
        write_table_batches(iter([part, part]), tmp_path / "big.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["two.xlsx"]


def test_sheet_names_are_cleaned_as_excel_requires():
    content = tables_to_xlsx({"plan [2025/26]: stores and regions": pd.DataFrame({"a": [1]})})
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["plan _2025_26__ stores and regi"]
    both = openpyxl.load_workbook(io.BytesIO(tables_to_xlsx({"a/b": pd.DataFrame({"a": [1]}), "a_b": pd.DataFrame()})))
    assert both.sheetnames == ["a_b", "a_b (2)"]  # keys that clean alike once failed as one sheet twice


def test_sheet_names_are_made_distinct_as_excel_compares_them():
    names = workbook.unique_sheet_names(["Store / Dept", "Store _ Dept", "drivers", "x" * 40, "x" * 35],
                                        reserved=("Drivers",))
    assert names == ["Store _ Dept", "Store _ Dept (2)", "drivers (2)", "x" * 31, "x" * 27 + " (2)"]
