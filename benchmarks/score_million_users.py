"""Nightly-scale scoring: `bizai recommend score --users all --k 20` for one million users, measured as a
separate process (peak resident memory from getrusage, wall time, users per second).

    python benchmarks/score_million_users.py [--users 1000000]

The events are synthetic (about 8 per user, popularity-skewed over 2,000 items), made here at run time.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from report import write_report

from bizai.recsys import ALSRecommender

RESULTS = Path(__file__).parent / "results" / "score_million_users.md"


def synthetic_events(n_users: int, n_items: int = 2000, per_user: int = 8, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.9
    items = rng.choice(n_items, size=n_users * per_user, p=popularity / popularity.sum())
    return pd.DataFrame({"user_id": np.repeat(np.arange(n_users, dtype=np.int64), per_user), "item_id": items})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        events = synthetic_events(args.users)
        started = time.perf_counter()
        ALSRecommender(random_state=0, show_progress=False).fit(events, user_col="user_id", item_col="item_id").save(
            folder / "model")
        fit_seconds = time.perf_counter() - started
        del events
        out = folder / "recs.parquet"
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bizai.cli.main", "recommend", "score", "--model", str(folder / "model"),
                        "--users", "all", "--k", "20", "--batch-size", str(args.batch_size), "--quiet",
                        "--out", str(out)], check=True)
        seconds = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rows = pq.ParquetFile(out).metadata.num_rows
    table = pd.DataFrame([{"users": args.users, "k": 20, "rows written": rows, "ALS fit s (in-process)": fit_seconds,
                           "score wall s (incl. model load)": seconds, "users/s": args.users / seconds,
                           "peak RSS MiB (scoring process)": peak_mib, "limit MiB": 2048}])
    write_report(RESULTS, "Scoring one million users (bizai recommend score --users all --k 20)",
                 "ALS with default settings (128 factors) on synthetic events; scoring streams Parquet row groups of "
                 f"{args.batch_size} users.", table)
    assert peak_mib < 2048, f"peak memory {peak_mib:.0f} MiB exceeds 2 GiB"


if __name__ == "__main__":
    main()
