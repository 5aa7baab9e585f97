"""What the pages share: cached data loaders, cached training, and the session's current data set.

Computation is bizai's; this module only caches it (data with st.cache_data, models with st.cache_resource).
"""

from __future__ import annotations

import io
import json
import threading
import warnings
from collections import OrderedDict
from pathlib import Path

import pandas as pd
import streamlit as st

from bizai import BizaiWarning
from bizai.errors import BizaiError
from bizai.io import COMPRESSIONS, READABLE_SUFFIXES, read_table
from bizai.samples import SAMPLE_DATA, sample_events_path
from bizai.schema import ID_JOIN
from bizai.workbook import tables_to_xlsx

SAMPLE = SAMPLE_DATA
PNL_COLUMNS = {"id_col": "store_id", "time_col": "month", "target_col": "profit",
               "static_cols": ["region", "store_format"], "known_cols": ["promo_days", "holiday_days"],
               "past_cols": ["revenue"]}
EVENT_COLUMNS = {"user_col": "user_id", "item_col": "item_id", "time_col": "timestamp", "event_col": "event"}
EVENT_WEIGHTS = {"view": 1.0, "cart": 3.0, "purchase": 5.0}


@st.cache_data(show_spinner="Loading sample P&L data…")
def sample_pnl() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_csv(SAMPLE / "pnl_monthly.csv"), pd.read_csv(SAMPLE / "pnl_future.csv")


@st.cache_data(show_spinner="Loading sample interaction log…")
def sample_events() -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(sample_events_path()), pd.read_csv(SAMPLE / "items.csv")


# what bizai.io.read_table reads, compressed CSVs (orders.csv.gz) among them
UPLOAD_TYPES = [suffix.lstrip(".") for suffix in (*READABLE_SUFFIXES, *COMPRESSIONS)]


@st.cache_data(show_spinner="Reading the upload…")
def read_upload(name: str, content: bytes, text_columns: tuple[str, ...] = ()) -> pd.DataFrame:
    """An uploaded CSV/Excel/Parquet file as a frame (bizai's reader, so errors read the same as in the CLI).

    `text_columns` (the mapped id columns) are read as text, so ids such as "007" are kept as written."""
    import tempfile

    path = Path(name)  # orders.csv.gz keeps both suffixes: the reader needs to know what is compressed
    suffix = "".join(path.suffixes[-2:]) if path.suffix.lower() in COMPRESSIONS else path.suffix
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        handle.write(content)
        handle.flush()
        return read_table(handle.name, text_columns=text_columns)


def series_data() -> dict:
    """The current series data set: frame, future frame (or None), column roles, label, freq (None: inferred)."""
    if "series" not in st.session_state:
        history, future = sample_pnl()
        st.session_state["series"] = {"frame": history, "future": future, "columns": dict(PNL_COLUMNS),
                                      "label": "sample P&L (40 stores, monthly)"}
    return st.session_state["series"]


def events_data() -> dict:
    if "events" not in st.session_state:
        events, items = sample_events()
        st.session_state["events"] = {"frame": events, "items": items, "columns": dict(EVENT_COLUMNS),
                                      "weights": dict(EVENT_WEIGHTS), "label": "sample shop (3,000 customers)"}
    return st.session_state["events"]


def frame_key(frame: pd.DataFrame) -> str:
    from bizai.persistence import fingerprint

    return fingerprint(frame)


# Trained forecasters shared by every session, newest last. Not st.cache_resource: training reports its steps to a
# progress bar drawn outside the training function, and Streamlit's caches replay the st calls made inside a cached
# function, which fails for elements created outside it.
TRAINED_FORECASTERS: OrderedDict[tuple, object] = OrderedDict()
TRAINED_KEPT = 8
TRAINED_LOCK = threading.Lock()


def train_forecaster(key: str, frame: pd.DataFrame, roles_json: str, model: str, horizon: int, quantiles: tuple,
                     calibration_windows: int, freq: str | None = None):
    """Fit once per (data, settings); `key` is the data fingerprint (the frame itself is not hashed). Steps go to
    the caller's bizai.progress.reporting_steps; a cancelled fit (the reporter raised) stores nothing."""
    from bizai.finance import ProfitForecaster

    settings = (key, roles_json, model, horizon, quantiles, calibration_windows, freq)
    with TRAINED_LOCK:
        if settings in TRAINED_FORECASTERS:
            TRAINED_FORECASTERS.move_to_end(settings)
            return TRAINED_FORECASTERS[settings]
    forecaster = ProfitForecaster(model=model, horizon=horizon, freq=freq, quantiles=quantiles, random_state=0,
                                  calibration_windows=calibration_windows, show_progress=False)
    forecaster.fit(frame, **json.loads(roles_json))
    with TRAINED_LOCK:
        TRAINED_FORECASTERS[settings] = forecaster
        while len(TRAINED_FORECASTERS) > TRAINED_KEPT:
            TRAINED_FORECASTERS.popitem(last=False)
    return forecaster


@st.cache_data(show_spinner=False, max_entries=8)
def future_horizon(key: str, _frame: pd.DataFrame, _future: pd.DataFrame | None, roles_json: str,
                   freq: str | None = None) -> int | None:
    """How many periods the known future covers for every series (None when the data has no known columns), so a
    longer horizon is refused before training; `key` fingerprints both frames."""
    from bizai.finance.forecaster import covered_horizon
    from bizai.finance.panel import columns_from_arguments, prepare_panel

    roles = json.loads(roles_json)
    if not roles.get("known_cols"):
        return None
    if _future is None:
        return 0
    return covered_horizon(_future, prepare_panel(_frame, columns_from_arguments(**roles), freq))


@st.cache_resource(show_spinner=False, max_entries=8)
def train_recommender(key: str, _frame: pd.DataFrame, columns_json: str, weights_json: str, model: str,
                      params_json: str = "{}"):
    from bizai.recsys.registry import build_recommender

    recommender = build_recommender(model, 0, False, **json.loads(params_json))
    if model == "sasrec":
        recommender.training.epochs = 8  # keep the page responsive on a laptop CPU (epochs: the same model every run)
    return recommender.fit(_frame, **json.loads(columns_json), event_weights=json.loads(weights_json) or None)


def as_key(value: dict) -> str:
    """A dict as a stable cache key."""
    return json.dumps(value, sort_keys=True)


def show_error(error: Exception) -> None:
    """Problems in words, never a traceback."""
    if isinstance(error, BizaiError):
        st.error(str(error), icon="⚠️")
    else:
        st.error(f"Something went wrong: {type(error).__name__}: {error}", icon="⚠️")


def download_buttons(frame: pd.DataFrame, stem: str, extra_sheets: dict[str, pd.DataFrame] | None = None) -> None:
    """CSV (dates as dates), Parquet and Excel downloads of `frame`; the workbook also holds `extra_sheets`."""
    left, middle, right = st.columns(3)
    left.download_button("Download CSV", frame.to_csv(index=False, date_format="%Y-%m-%d").encode(), f"{stem}.csv",
                         "text/csv", key=f"{stem}-csv")
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    middle.download_button("Download Parquet", buffer.getvalue(), f"{stem}.parquet", "application/octet-stream",
                           key=f"{stem}-parquet")
    right.download_button("Download Excel", tables_to_xlsx({stem: frame, **(extra_sheets or {})}), f"{stem}.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{stem}-xlsx")


def entity_labels(frame: pd.DataFrame, id_cols: list[str]) -> pd.Series:
    """Each row's entity as the pages show it: its ids joined, '1 / 5' for store 1, department 5."""
    return frame[id_cols].astype(str).agg(ID_JOIN.join, axis=1)


def entity_ids(frame: pd.DataFrame, id_cols: list[str]) -> dict[str, object]:
    """Each entity's label (entity_labels), sorted, -> its id as ProfitForecaster.plot and
    bizai.finance.panel.rows_with_ids take it: a value, or a tuple for several id columns."""
    rows = frame[id_cols].drop_duplicates()
    labels = entity_labels(rows, id_cols)
    values = [row[0] if len(id_cols) == 1 else tuple(row) for row in rows.itertuples(index=False)]
    return dict(sorted(zip(labels, values, strict=True)))


@st.cache_resource(show_spinner=False, max_entries=4)
def train_statement(key: str, _frame: pd.DataFrame, settings_json: str):
    """Fit a StatementForecaster once per (data, settings); `key` is the data fingerprint. Returns it and the
    warnings of its fit (closed or new stores), kept with it so the page shows them on every rerun."""
    from bizai.finance import StatementForecaster

    settings = json.loads(settings_json)
    forecaster = StatementForecaster(model=settings["model"], horizon=settings["horizon"], freq=settings.get("freq"),
                                     reconcile=settings["reconcile"], random_state=0, show_progress=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecaster.fit(_frame, **settings["roles"])
    return forecaster, page_messages(caught)


def page_messages(caught: list[warnings.WarningMessage]) -> list[str]:
    """bizai's warnings about the data (closed stores, short series), once each, for the page; other libraries'
    warnings are about code, not the analyst's data, so they go to the console as usual."""
    for other in (w for w in caught if not issubclass(w.category, BizaiWarning)):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return list(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, BizaiWarning)))


def workbook_bytes(forecaster, tables) -> bytes:
    """The statement workbook as bytes, for a download button."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "forecast_statement.xlsx"
        forecaster.to_excel(path, tables=tables)
        return path.read_bytes()
