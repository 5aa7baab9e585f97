"""Shared by the benchmark scripts: print a table and write it as Markdown with the date and machine."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

import pandas as pd


def markdown_table(frame: pd.DataFrame) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return "" if pd.isna(value) else f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.1f}"
        return str(value)

    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_report(path: Path, title: str, note: str, table: pd.DataFrame) -> None:
    print(table.to_string(index=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {title}\n\nMeasured {dt.date.today()} on {machine()}. {note}\n\n{markdown_table(table)}\n")
    print(f"wrote {path}")
