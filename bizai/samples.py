"""Where the bundled sample data and the dashboard live: inside the package when bizai is installed from a wheel
(bizai/sample_data, bizai/dashboards), beside it in a source checkout (./sample_data, ./dashboards). The sample data
is the monthly P&L of 40 stores (CSV) and a shop's interaction log (events.parquet, made once by
sample_data/make_events.py and kept compressed). Used by the demo, the dashboard and the docs' tour."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """The folder `name` shipped in the wheel, or the checkout's top-level one."""
    inside = PACKAGE / name
    return inside if inside.is_dir() else PACKAGE.parent / name


SAMPLE_DATA = bundled("sample_data")
DASHBOARDS = bundled("dashboards")


def sample_events_path() -> Path:
    """sample_data/events.parquet: user_id, item_id, timestamp, event."""
    return SAMPLE_DATA / "events.parquet"
