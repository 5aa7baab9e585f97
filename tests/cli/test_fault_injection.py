"""kill -9 at random moments of fit, predict and score: every output is either the old one, whole, or a complete
new one, and no temporary file survives the next run (issue #14)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bizai.finance import ProfitForecaster
from bizai.persistence import read_meta, verify_checksums
from tests.cli.test_cli import FORECAST_COLUMNS, bizai
from tests.conftest import make_panel
from tests.recsys.conftest import make_events


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("faults")
    history, future = make_panel(n_series=6, periods=30)
    history.to_csv(folder / "pnl.csv", index=False)
    future.to_csv(folder / "future.csv", index=False)
    make_events(n_users=300, n_items=40).to_csv(folder / "events.csv", index=False)
    bizai("forecast", "fit", "--data", folder / "pnl.csv", *FORECAST_COLUMNS, "--model", "seasonal_naive",
          "--out", folder / "profit")
    bizai("recommend", "fit", "--data", folder / "events.csv", "--model", "popularity", "--out", folder / "recs")
    bizai("forecast", "predict", "--model", folder / "profit", "--known-future", folder / "future.csv",
          "--out", folder / "forecasts.parquet")
    pd.DataFrame({"old": [1]}).to_parquet(folder / "scores.parquet")
    return folder


def job_arguments(job: str, folder: Path) -> tuple[list[str], Path]:
    if job == "fit":  # replaces the seasonal_naive folder with a naive one
        return ["forecast", "fit", "--data", folder / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive",
                "--out", folder / "profit"], folder / "profit"
    if job == "predict":
        return ["forecast", "predict", "--model", folder / "profit", "--known-future", folder / "future.csv",
                "--out", folder / "forecasts.parquet"], folder / "forecasts.parquet"
    return ["recommend", "score", "--model", folder / "recs", "--k", "5", "--batch-size", "1",
            "--out", folder / "scores.parquet"], folder / "scores.parquet"


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name or ".old-" in p.name)


def kill_at_random(args: list, output: Path, rng: np.random.Generator) -> None:
    """Start the command and SIGKILL it: at a random time (odd draws) or just as its temporary output appears."""
    process = subprocess.Popen([sys.executable, "-m", "bizai.cli.main", *map(str, args)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, env={**os.environ, "BIZAI_QUIET": "1"})
    if rng.random() < 0.5:
        time.sleep(rng.uniform(0.2, 4.0))
    else:
        deadline = time.time() + 60
        while process.poll() is None and time.time() < deadline and not any(
                output.name in name for name in temporaries(output.parent)):
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.05))
    process.send_signal(signal.SIGKILL)
    process.wait()


def check_whole(job: str, output: Path, old: bytes | None) -> None:
    if job == "fit":
        meta = read_meta(output)
        verify_checksums(output, meta)  # old or new, the folder is exactly as some save wrote it
        assert meta["model"] in {"seasonal_naive", "naive"}
        assert ProfitForecaster.load(output).horizon == 6
        return
    if output.read_bytes() == old:
        return
    frame = pd.read_parquet(output)  # a new file must be complete
    expected = 6 * 6 if job == "predict" else 300 * 5
    assert len(frame) == expected


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("job", ["fit", "predict", "score"])
def test_a_killed_run_leaves_old_or_complete_output_and_the_next_run_cleans_up(prepared, tmp_path, job, seed):
    folder = tmp_path / "work"
    shutil.copytree(prepared, folder)
    args, output = job_arguments(job, folder)
    old = output.read_bytes() if output.is_file() else None
    kill_at_random(args, output, np.random.default_rng(seed))
    check_whole(job, output, old)
    bizai(*args)  # the next night's run completes and removes what the killed one left
    check_whole(job, output, None if job == "fit" else b"")
    assert temporaries(folder) == []


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_killed_ledger_append_leaves_the_ledger_as_it_was(prepared, tmp_path, seed):
    """A rerun of a recorded night killed at a random moment: the night's part is the old one or the new one,
    whole, and the other nights are untouched."""
    folder = tmp_path / "work"
    shutil.copytree(prepared, folder)
    ledger = folder / "ledger"
    base = ["forecast", "predict", "--model", folder / "profit", "--known-future", folder / "future.csv", "--ledger",
            ledger]
    bizai(*base, "--out", folder / "night1.parquet", "--run-date", "2026-01-01")
    bizai(*base, "--out", folder / "night2.parquet", "--run-date", "2026-01-02")
    before = {p.name: (p / "forecasts.parquet").read_bytes() for p in ledger.glob("run_date=*")}
    kill_at_random([*base, "--out", folder / "again.parquet", "--run-date", "2026-01-02"],
                   ledger / "run_date=2026-01-02", np.random.default_rng(seed))
    from bizai.monitor import ForecastLedger

    book = ForecastLedger(ledger)
    assert book.run_dates() == ["2026-01-01", "2026-01-02"]
    assert (ledger / "run_date=2026-01-01" / "forecasts.parquet").read_bytes() == before["run_date=2026-01-01"]
    rows = book.read()
    assert len(rows) == 2 * 6 * 6 and len(book.models()) == 1
    bizai(*base, "--out", folder / "again.parquet", "--run-date", "2026-01-02")
    assert temporaries(ledger) == [] and len(book.read()) == 2 * 6 * 6
