"""Amounts as finance exports write them (bizai.amounts): read exactly, or left as text when not amounts."""

from __future__ import annotations

import pytest

from bizai.amounts import amounts


@pytest.mark.parametrize("values, decimal_comma, expected", [
    (["$1,234.50", "($1,234.50)", "$ -", "$12.00"], False, [1234.5, -1234.5, 0.0, 12.0]),  # Excel's Accounting
    (["-$1,234.50", "$-7.25", "£3.10"], False, None),  # two currencies: not one amount column
    (["-$1,234.50", "$-7.25", "$3.10"], False, [-1234.5, -7.25, 3.1]),
    (["1,234.50-", "12.00", "3.00-"], False, [-1234.5, 12.0, -3.0]),  # SAP's trailing minus
    (["12.5%", "0%", "-3%"], False, [0.125, 0.0, -0.03]),  # the values Excel holds
    (["12%", "0.5", "$1,234.00"], False, [0.12, 0.5, 1234.0]),  # a sheet's month: margin %, a count, an amount
    (["(5)", "10", "15"], False, [-5.0, 10.0, 15.0]),
    (["1.234,50 €", "-12,00 €", "€ -"], True, [1234.5, -12.0, 0.0]),  # a semicolon-separated European file
    (["$1,250", "$12"], False, None),  # 1,250 alone could have a decimal comma: not guessed
    (["10", "20"], False, None),  # plain numbers: not this module's business
    (["abc", "$1"], False, None),
    (["+44 20 7946 0958"], False, None),  # a phone number
    (["(5", "10)"], False, None),
    (["($5)-"], False, None),  # two minus marks
])
def test_amounts_in_finance_formats(values, decimal_comma, expected):
    found = amounts(values, decimal_comma)
    assert (found if expected is None else [found[v] for v in values]) == expected


def test_a_frame_of_amount_text_is_refused_pointing_to_the_reader():
    import pandas as pd

    from bizai.errors import DataContractError
    from bizai.finance import ProfitForecaster

    months = pd.date_range("2022-01-01", periods=12, freq="MS")
    frame = pd.DataFrame({"store": "A", "month": months, "sales": [f"${1000 + i:,.2f}" for i in range(12)]})
    with pytest.raises(DataContractError, match=r"'sales'.*'\$1,000.00'.*finance format.*bizai.io.read_table"):
        ProfitForecaster(model="naive", horizon=2).fit(frame, id_col="store", time_col="month", target_col="sales")


def test_an_excel_sheet_of_amounts_typed_as_text_reads_as_numbers(tmp_path, caplog):
    """A sheet pasted from another system keeps its figures as text cells ('$1,234.50'), often beside number cells."""
    import logging

    import openpyxl
    import pandas as pd

    from bizai.io import read_table

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["store", "month", "revenue", "cost", "units", "note"])
    rows = [("007", "$1,234.50", "1,000.25", 12, "1,250"), ("007", "($20.00)", 900.5, "1,234,567", "2,500"),
            ("8", "$ -", "", "3", "1,750")]
    for i, (store, revenue, cost, units, note) in enumerate(rows):
        sheet.append([store, pd.Timestamp(2024, i + 1, 1).to_pydatetime(), revenue, cost, units, note])
    sheet["A2"].number_format = sheet["A3"].number_format = "@"
    book.save(tmp_path / "pnl.xlsx")
    with caplog.at_level(logging.INFO, logger="bizai.io"):
        frame = read_table(tmp_path / "pnl.xlsx", text_columns=["store"])
    assert "'revenue', 'cost', 'units'" in caplog.text
    assert frame["store"].tolist() == ["007", "007", "8"]  # ids stay text, never amounts
    assert frame["revenue"].tolist() == [1234.5, -20.0, 0.0]
    assert frame["cost"].iloc[:2].tolist() == [1000.25, 900.5] and pd.isna(frame["cost"].iloc[2])
    assert frame["units"].tolist() == [12.0, 1234567.0, 3.0]
    assert frame["note"].tolist() == ["1,250", "2,500", "1,750"]  # thousands or decimal commas? left as written
