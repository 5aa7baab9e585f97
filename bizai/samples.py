"""Where the bundled sample data lives: the monthly P&L of 40 stores (CSV) and a shop's interaction log
(events.parquet, made once by sample_data/make_events.py and kept compressed). Used by the demo, the dashboard and
the docs' tour."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"


def sample_events_path() -> Path:
    """sample_data/events.parquet: user_id, item_id, timestamp, event."""
    return SAMPLE_DATA / "events.parquet"
