"""Result tables as an Excel workbook (XlsxWriter): one sheet per table, bold frozen header, thousands separators,
dates as dates. Shared by the CLI's `--out *.xlsx` and the dashboard's downloads."""

from __future__ import annotations

import io
import re

import pandas as pd

from bizai.errors import DataContractError

SHEET_ROWS = 1_048_576  # Excel's rows per sheet, the header included
SHEET_NAME_LENGTH = 31  # Excel's longest sheet name


def tables_to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook with one sheet per frame (named by its key, cleaned and made distinct as Excel requires)."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", datetime_format="yyyy-mm-dd", date_format="yyyy-mm-dd") as writer:
        book = writer.book
        header = book.add_format({"bold": True, "bottom": 1})
        number, date = book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "yyyy-mm-dd"})
        for (name, frame), sheet_name in zip(sheets.items(), unique_sheet_names(list(sheets)), strict=True):
            require_sheet_rows(len(frame), name)
            frame = excel_dates(frame)
            frame.to_excel(writer, sheet_name=sheet_name, index=False)
            sheet = writer.sheets[sheet_name]
            sheet.freeze_panes(1, 0)
            for position, column in enumerate(frame.columns):
                sheet.write(0, position, str(column), header)
                values = frame[column]
                style = (date if pd.api.types.is_datetime64_any_dtype(values)
                         else number if pd.api.types.is_float_dtype(values) else None)
                sheet.set_column(position, position, max(12, len(str(column)) + 2), style)
    return buffer.getvalue()


def forecasts_by_period(forecasts: pd.DataFrame, id_cols: list[str], time_col: str,
                        value_col: str = "forecast") -> pd.DataFrame:
    """Entities down, periods across (ISO dates), with a Total row and column: the point forecast as finance reads
    it, the sheet beside the long table in the dashboard's and the CLI's workbooks."""
    table = excel_dates(forecasts)  # a Period column by its first day, zoned times by their wall clock
    table = table.assign(period=pd.to_datetime(table[time_col]).dt.strftime("%Y-%m-%d"))
    table[id_cols] = table[id_cols].astype(str)
    wide = table.pivot_table(index=id_cols, columns="period", values=value_col, aggfunc="sum", margins=True,
                             margins_name="Total")
    return wide.reset_index().rename_axis(columns=None)


def require_sheet_rows(rows: int, name: str) -> None:
    """Refuse a table longer than one Excel sheet holds, saying which formats hold it."""
    if rows > SHEET_ROWS - 1:
        raise DataContractError(f"{rows:,} rows of {name!r} do not fit in an Excel sheet ({SHEET_ROWS - 1:,} rows "
                                "below the header): write .parquet or .csv instead.")


def sheet_name_of(name: str) -> str:
    """`name` as Excel accepts a sheet name: none of []:*?/\\ and at most 31 characters."""
    return re.sub(r"[\[\]:*?/\\]", "_", str(name))[:SHEET_NAME_LENGTH] or "Sheet1"


def unique_sheet_names(names: list[str], reserved: tuple[str, ...] = ()) -> list[str]:
    """`names` as Excel sheet names (sheet_name_of), each distinct from the others and from `reserved` as Excel
    compares them (ignoring case): a repeat gets ' (2)', ' (3)' within the 31 characters."""
    taken = {name.casefold() for name in reserved}
    result = []
    for name in names:
        base, candidate, number = sheet_name_of(name), sheet_name_of(name), 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = base[:SHEET_NAME_LENGTH - len(suffix)] + suffix
        taken.add(candidate.casefold())
        result.append(candidate)
    return result


def excel_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cells hold no time zone or period: zoned times as their wall-clock time (as bizai reads them), periods
    by their first day (forecasts come back typed like the caller's data, e.g. a Parquet file's UTC timestamps)."""
    zoned = [c for c in frame.columns if isinstance(frame[c].dtype, pd.DatetimeTZDtype | pd.PeriodDtype)]
    return frame.assign(**{c: frame[c].dt.tz_localize(None) if isinstance(frame[c].dtype, pd.DatetimeTZDtype)
                           else frame[c].dt.to_timestamp() for c in zoned})
