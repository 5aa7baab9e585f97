"""Small data the tests make themselves, and the one fixture that reads ../shared/data (skips without it)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("BIZAI_QUIET", "1")
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def make_panel(n_series: int = 5, periods: int = 36, freq: str = "MS", seed: int = 0, start="2021-01-01"):
    """A small panel with trend, seasonality, a known promo covariate, a static region and a past covariate."""
    rng = np.random.default_rng(seed)
    times = pd.date_range(start, periods=periods + 6, freq=freq)
    rows = []
    for number in range(n_series):
        level = 100 * (number + 1)
        t = np.arange(len(times))
        promo = rng.integers(0, 5, len(times))
        y = level * (1 + 0.01 * t) * (1 + 0.2 * np.sin(2 * np.pi * t / 12)) + 10 * promo + rng.normal(0, 5, len(t))
        rows.append(pd.DataFrame({"store": f"S{number}", "month": times, "profit": y, "promo": promo,
                                  "region": "north" if number % 2 else "south", "revenue": y * 3}))
    full = pd.concat(rows, ignore_index=True)
    history = full[full["month"] < times[periods]].reset_index(drop=True)
    future = full[full["month"] >= times[periods]][["store", "month", "promo"]].reset_index(drop=True)
    return history, future


FIT_COLUMNS = dict(id_col="store", time_col="month", target_col="profit", static_cols=["region"],
                   known_cols=["promo"], past_cols=["revenue"])


@pytest.fixture(scope="session")
def panel():
    return make_panel()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present on this machine")
    return SHARED_DATA
