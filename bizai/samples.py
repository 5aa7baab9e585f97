"""Where the bundled sample data lives, and the one sample file made on first use (the interaction log is too big
to keep in git; its script is deterministic). Used by the demo, the dashboard and the docs' tour."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_DATA = REPO / "sample_data"


def sample_events_path() -> Path:
    """sample_data/events.csv, made by sample_data/make_events.py when it is not there yet."""
    path = SAMPLE_DATA / "events.csv"
    if not path.exists():
        subprocess.run([sys.executable, str(SAMPLE_DATA / "make_events.py")], check=True, stdout=subprocess.DEVNULL)
    return path
