"""LightGBM fit time on a quiet machine and beside one busy process, per thread count and OpenMP wait policy.

OpenMP threads that busy-wait (spin) between parallel regions fight a process sharing their cores: a fit can slow
down by an order of magnitude. Each fit runs in its own Python process (the wait policy is read when the OpenMP
runtime loads) on the stallion panel, with the same trees every time; the busy neighbour is one spinning Python
process. Run it with nothing else on the machine:

    python benchmarks/threads_contention.py [--trees 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from report import write_report

from bizai.hardware import available_cpus

RESULTS = Path(__file__).parent / "results" / "threads_contention.md"
FIT = """
import sys, time, warnings
sys.path.insert(0, {bench!r})
from forecast_stallion import load, KNOWN, STATIC, PAST
from bizai.finance import ProfitForecaster
train, future, actual = load()
fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                      model_params={{"n_estimators": {trees}, "n_jobs": {threads}}})
started = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    fc.fit(train, id_col=["agency", "sku"], time_col="date", target_col="volume", static_cols=STATIC,
           known_cols=KNOWN, past_cols=PAST)
print(time.perf_counter() - started, float(fc.predict(known_future=future)["forecast"].sum()))
"""
SPIN = "while True: pass"


def fit_seconds(threads: int, policy: str | None, trees: int, busy: bool) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if policy:
        env["OMP_WAIT_POLICY"] = policy
    neighbour = subprocess.Popen([sys.executable, "-c", SPIN]) if busy else None
    try:
        time.sleep(0.5 if busy else 0)
        code = FIT.format(bench=str(Path(__file__).parent), trees=trees, threads=threads)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    finally:
        if neighbour:
            neighbour.kill()
            neighbour.wait()
    seconds, total = out.stdout.split()[-2:]
    return float(seconds), float(total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=100, help="Trees per quantile booster.")
    args = parser.parse_args()
    cpus = available_cpus()
    rows, reference = [], None
    for threads in sorted({cpus, max(1, cpus - 1), 1}, reverse=True):
        for policy in (None, "PASSIVE"):
            quiet, total = fit_seconds(threads, policy, args.trees, busy=False)
            busy, busy_total = fit_seconds(threads, policy, args.trees, busy=True)
            reference = total if reference is None else reference
            rows.append({"threads": threads, "OMP_WAIT_POLICY": policy or "(library default)",
                         "quiet fit s": quiet, "beside a busy process s": busy, "slow-down": busy / quiet,
                         "forecast total": total, "same as first row": total == busy_total == reference})
    note = (f"ProfitForecaster(model='lightgbm') fit on stallion (350 series), {args.trees} trees per quantile, "
            f"{cpus} CPUs available; the busy neighbour is one spinning Python process. Each fit in a fresh process.")
    write_report(RESULTS, "LightGBM threads beside a busy process", note, pd.DataFrame(rows))


if __name__ == "__main__":
    main()
