"""The forecast ledger: every night's forecasts kept, so accuracy can be measured once the actuals arrive.

A ledger is a folder:

    ledger/
      _ledger.json                     what it holds: the forecast columns (ids, time, target) and frequency
      run_date=2026-11-23/
        _model.json                    the model that forecast that night: version, path, backtest figures,
                                       training end and feature profile (copied, so a later refit cannot lose them)
        forecasts.parquet              run_time, model_version, ids, time, step, forecast, p10, p50, p90 ...

One night is one part. A part is written whole through io.atomic_folder: a rerun of the same night replaces
it, and a killed run leaves the ledger as it was. Names starting with "_" keep Spark, pyarrow and DuckDB, which
read `ledger/` as a Hive-partitioned Parquet dataset, from mistaking the JSON files for data.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from bizai.errors import DataContractError, UnsafeOutputError
from bizai.frames import to_pandas
from bizai.io import atomic_folder, atomic_path, restore_retired, user_path
from bizai.persistence import FORECASTER_FAMILY, folder_version, read_meta
from bizai.schema import coerce_datetime, require_columns, rows_at

LEDGER_FILE = "_ledger.json"
MODEL_FILE = "_model.json"
FORECASTS_FILE = "forecasts.parquet"
LEDGER_FORMAT = "bizai-forecast-ledger"
PART_PREFIX = "run_date="


@dataclass(frozen=True)
class LedgerColumns:
    """The caller's column names the ledger's forecasts use (those of the model's training data)."""

    id_cols: list[str]
    time_col: str
    target_col: str
    freq: str

    def to_json(self) -> dict[str, Any]:
        """The columns as stored in _ledger.json."""
        return {"id_cols": self.id_cols, "time_col": self.time_col, "target_col": self.target_col, "freq": self.freq}


def model_record(model_folder: str | os.PathLike) -> dict[str, Any]:
    """What the ledger keeps about the model that made a night's forecasts."""
    meta = read_meta(model_folder)
    if meta.get("family") != FORECASTER_FAMILY:
        raise DataContractError(f"{str(model_folder)!r} holds a {meta.get('family')!r} model; the forecast ledger "
                                f"records forecasts of a {FORECASTER_FAMILY!r} model (bizai forecast fit).")
    keep = ("model", "created_at", "columns", "freq", "training_end", "training_rows", "training_fingerprint",
            "backtest_metrics", "calibration", "feature_profile", "feature_profile_end", "lineage")
    return {"version": folder_version(model_folder), "path": str(Path(model_folder).resolve()),
            **{key: meta.get(key) for key in keep}}


def columns_of(record: dict[str, Any]) -> LedgerColumns:
    """The ledger's columns from a model record (meta.json's columns and freq)."""
    cols = record["columns"]
    return LedgerColumns(list(cols["id_col"]), cols["time_col"], cols["target_col"], record["freq"])


def run_date_of(value: str | dt.date | None) -> str:
    """YYYY-MM-DD of `value` (today in UTC when None); anything else is refused."""
    if value is None:
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return pd.Timestamp(value).date().isoformat()
    except (ValueError, TypeError) as exc:
        raise DataContractError(f"run date {value!r} is not a date; expected YYYY-MM-DD.") from exc


class ForecastLedger:
    """A ledger folder: `append` a night's forecasts, `read` them back (optionally since a date).

    >>> ledger = ForecastLedger("ledger/")
    >>> ledger.append(forecasts, "models/profit")     # forecasts as ProfitForecaster.predict returns them
    >>> ledger.read()                                 # every night, one row per series, period and night
    """

    def __init__(self, path: str | os.PathLike):
        self.path = user_path(path)

    # ---------------------------------------------------------------------------------------- reading
    def exists(self) -> bool:
        """Whether a ledger has been started here."""
        return (self.path / LEDGER_FILE).is_file()

    def columns(self) -> LedgerColumns:
        """The ledger's columns; refuses a folder that is not a forecast ledger."""
        if not self.path.exists():
            raise DataContractError(f"Ledger {str(self.path)!r} does not exist; `bizai forecast predict ... --ledger "
                                    f"{self.path}` creates it with its first night.")
        if not self.exists():
            raise DataContractError(f"{str(self.path)!r} is not a forecast ledger (no {LEDGER_FILE}); give the "
                                    "folder that `bizai forecast predict --ledger` writes.")
        try:
            info = json.loads((self.path / LEDGER_FILE).read_text())
        except (OSError, ValueError) as exc:
            raise DataContractError(f"{str(self.path / LEDGER_FILE)!r} is unreadable ({exc}).") from exc
        if info.get("format") != LEDGER_FORMAT:
            raise DataContractError(f"{str(self.path)!r} holds a {info.get('format')!r} ledger, not a forecast "
                                    f"ledger ({LEDGER_FORMAT}).")
        return LedgerColumns(list(info["id_cols"]), info["time_col"], info["target_col"], info["freq"])

    def run_dates(self) -> list[str]:
        """The nights recorded, oldest first (YYYY-MM-DD)."""
        self.columns()
        restore_retired(self.path)  # a night whose rerun was killed mid-swap is whole on disk: count it
        return sorted(p.name[len(PART_PREFIX):] for p in self.path.glob(f"{PART_PREFIX}*")
                      if (p / FORECASTS_FILE).is_file())

    def models(self) -> dict[str, dict[str, Any]]:
        """Every model version that forecast into the ledger, by version."""
        records = {}
        for date in self.run_dates():
            record = json.loads((self.path / f"{PART_PREFIX}{date}" / MODEL_FILE).read_text())
            records[record["version"]] = record
        return records

    def read(self, since: str | None = None) -> pd.DataFrame:
        """All forecasts (or those of nights on or after `since`), with a run_date column, oldest night first."""
        dates = [d for d in self.run_dates() if since is None or d >= run_date_of(since)]
        if not dates:
            raise DataContractError(f"Ledger {str(self.path)!r} holds no forecasts"
                                    + (f" from {run_date_of(since)} on." if since else " yet."))
        parts = [pd.read_parquet(self.path / f"{PART_PREFIX}{d}" / FORECASTS_FILE).assign(run_date=d) for d in dates]
        return pd.concat(parts, ignore_index=True)

    # ---------------------------------------------------------------------------------------- writing
    def append(self, forecasts: pd.DataFrame, model_folder: str | os.PathLike,
               run_date: str | dt.date | None = None) -> Path:
        """Record one night's `forecasts` made by the saved model in `model_folder`; returns the part's folder.

        A second append for the same run date replaces that night's part (a rerun), atomically.
        """
        record = self.check_accepts(model_folder)
        columns = columns_of(record)
        date = run_date_of(run_date)
        rows = ledger_rows(to_pandas(forecasts)[0], columns, record["version"])
        self._create(columns)
        part = self.path / f"{PART_PREFIX}{date}"
        with atomic_folder(part) as folder:
            rows.to_parquet(folder / FORECASTS_FILE, index=False)
            (folder / MODEL_FILE).write_text(json.dumps(record, indent=2, default=str))
        return part

    def check_accepts(self, model_folder: str | os.PathLike) -> dict[str, Any]:
        """The model's ledger record, when this ledger may hold its forecasts: a new or empty folder, or a ledger
        of the same columns. Refused: a folder holding other things, a ledger of another forecasting job."""
        record = model_record(model_folder)
        columns = columns_of(record)
        if self.exists():
            held = self.columns()
            if held != columns:
                raise DataContractError(
                    f"Ledger {str(self.path)!r} records forecasts of {held.target_col!r} by "
                    f"{', '.join(held.id_cols)} and {held.time_col!r} ({held.freq}); this model forecasts "
                    f"{columns.target_col!r} by {', '.join(columns.id_cols)} and {columns.time_col!r} "
                    f"({columns.freq}). Use one ledger per forecasting job.")
        elif self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir())):
            raise UnsafeOutputError(f"{str(self.path)!r} exists and is not a forecast ledger; choose a new folder "
                                    "(or an existing ledger) for --ledger.")
        return record

    def _create(self, columns: LedgerColumns) -> None:
        if self.exists():
            return
        self.path.mkdir(parents=True, exist_ok=True)
        with atomic_path(self.path / LEDGER_FILE) as temporary:
            temporary.write_text(json.dumps({"format": LEDGER_FORMAT, "version": 1, **columns.to_json()}, indent=2))


def ledger_rows(forecasts: pd.DataFrame, columns: LedgerColumns, version: str) -> pd.DataFrame:
    """The forecasts as ledger rows: run time and model version first, then ids, time, step (1 = the first
    forecast period of each series) and the forecast and quantile columns."""
    if len(forecasts) == 0:
        raise DataContractError("There are no forecasts to record in the ledger (the frame is empty).")
    require_columns(forecasts, [*columns.id_cols, columns.time_col, "forecast"], "forecasts")
    values = [c for c in forecasts.columns if c == "forecast" or (c.startswith("p") and c[1:].isdigit())]
    frame = forecasts[[*columns.id_cols, columns.time_col, *values]].copy()
    frame[columns.time_col] = coerce_datetime(frame, columns.time_col, "forecasts")  # naive, whatever the caller's type
    doubled = frame.duplicated([*columns.id_cols, columns.time_col])
    if doubled.any():
        raise DataContractError(f"The forecasts repeat (id, time) rows {rows_at(frame, doubled)}; "
                                "one forecast per series and period is expected.")
    frame.insert(len(columns.id_cols) + 1, "step",
                 frame.groupby(columns.id_cols)[columns.time_col].rank(method="first").astype("int32"))
    frame.insert(0, "model_version", version)
    frame.insert(0, "run_time", pd.Timestamp.now(tz="UTC"))
    return frame.reset_index(drop=True)
