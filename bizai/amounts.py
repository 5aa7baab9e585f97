"""Amounts as finance exports write them into CSV files: Excel's Currency and Accounting formats ('$1,234.50',
'(1,234.50)' for a negative, '$ -' for zero), SAP's trailing minus ('1,234.50-'), percentages ('12.5%' is 0.125,
the value Excel holds), in either grouping: commas between thousands, or (in semicolon-separated files) points
between thousands and a decimal comma ('1.234,50 €').
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bizai.schema import THOUSANDS_ONLY  # commas that can only separate thousands: '1,250' alone may be 1.25

CURRENCY = "$€£¥₹"
# One amount: an optional opening parenthesis, sign and currency symbol (either order), the digits, an optional
# symbol or percent sign after, SAP's trailing minus, the closing parenthesis.
AMOUNT = re.compile(rf"""^(?P<open>\()?\s*(?P<sign>[+-])?\s*(?P<before>[{CURRENCY}])?\s*(?P<sign_after>[+-])?\s*
                     (?P<digits>\d[\d,.\s\u00a0\u202f']*\d|\d)\s*(?P<after>[{CURRENCY}%])?\s*(?P<trailing>-)?\s*
                     (?P<close>\))?$""", re.VERBOSE)
# Excel's Accounting format shows zero as a dash, with or without the currency symbol.
DASH_ZERO = re.compile(rf"^[{CURRENCY}]?\s*-\s*[{CURRENCY}]?$")
POINT_DECIMALS = re.compile(r"^\d{1,3}(?:[,\s\u00a0\u202f']\d{3})*(?:\.\d+)?$|^\d+(?:\.\d+)?$")
COMMA_DECIMALS = re.compile(r"^\d{1,3}(?:[.\s\u00a0\u202f']\d{3})*(?:,\d+)?$|^\d+(?:,\d+)?$")


def amounts(values: Sequence[str], decimal_comma: bool = False) -> dict[str, float] | None:
    """{text: number} for distinct non-blank `values` that are all amounts and show at least one mark of a
    finance format (a currency symbol, parentheses, a trailing minus, a percent sign, a dash for zero); None when
    they are not (a column of plain numbers, names, or amounts in two currencies). Each value is read as Excel holds
    it, so a wide sheet's month column may mix amounts, counts and a margin row's percentages. With commas between
    thousands, '1,250' is read only when some value's commas can only be thousands (THOUSANDS_ONLY)."""
    numbers: dict[str, float] = {}
    marked, symbols, commas, unambiguous = False, set(), False, False
    grouping, decimal = (".", ",") if decimal_comma else (",", ".")
    for value in values:
        text = value.strip()
        if DASH_ZERO.match(text):
            numbers[value], marked = 0.0, True
            symbols.update(ch for ch in text if ch in CURRENCY)
            continue
        found = AMOUNT.match(text)
        if not found or bool(found["open"]) != bool(found["close"]):
            return None
        digits = found["digits"]
        if not (COMMA_DECIMALS if decimal_comma else POINT_DECIMALS).match(digits):
            return None
        minus = [found["open"], found["sign"] == "-", found["sign_after"] == "-", found["trailing"]]
        if sum(map(bool, minus)) > 1 or (found["sign"] and found["sign_after"]):
            return None
        symbol = found["before"] or (found["after"] if found["after"] != "%" else None)
        if found["before"] and found["after"]:
            return None
        symbols.update([symbol] if symbol else [])
        percent = found["after"] == "%"
        marked = marked or bool(symbol or percent or found["open"] or found["trailing"])
        commas = commas or (not decimal_comma and "," in digits)
        unambiguous = unambiguous or bool(re.match(THOUSANDS_ONLY, digits))
        plain = re.sub(r"[\s\u00a0\u202f']", "", digits).replace(grouping, "").replace(decimal, ".")
        number = float(plain) / (100 if percent else 1)
        numbers[value] = -number if any(minus) else number
    one_currency = len(symbols) <= 1
    if not numbers or not marked or not one_currency or (commas and not unambiguous):
        return None
    return numbers
