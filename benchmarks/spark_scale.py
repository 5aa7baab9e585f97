"""Spark (local[2]) beside one process, on the same run:

1. scoring every user at k=20 with a saved ALS model: `bizai recommend score` vs the same with --engine spark
   (wall time, peak resident memory of the largest process, users/s);
2. Walmart weekly sales (../shared/data/walmart_store_sales, 3,331 Store x Dept series), one LightGBM per store
   Type: fit + forecast of the last 8 weeks in one process (a loop over types) vs bizai.spark.fit_partitioned +
   predict_series, with the accuracy of both on the held-out weeks;
3. ALS on MovieLens-1M (the split of benchmarks/recsys_ml1m.py): implicit vs Spark MLlib, NDCG@10 and fit time.

    python benchmarks/spark_scale.py [--users 1000000] [--parts scoring,walmart,ml1m]

Both sides use one LightGBM thread per model (n_jobs=1), so two Spark tasks never share a core's threads and the
two sides fit identical trees. Measure with nothing else running.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from report import write_report
from score_million_users import synthetic_events

from bizai.recsys import ALSRecommender

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RESULTS = Path(__file__).parent / "results"
MASTER = "local[2]"


def tree_rss_mib(root: int) -> float:
    """Resident memory of `root` and all its descendants (Spark's JVM and Python workers included), from /proc."""
    parents, rss = {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree) / 1024


def measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident memory in MiB of the command's whole process tree, sampled every 0.2 s)."""
    started = time.perf_counter()
    process = subprocess.Popen(command)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, tree_rss_mib(process.pid))
        time.sleep(0.2)
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, command)
    return time.perf_counter() - started, peak


def scoring(users: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        ALSRecommender(random_state=0, show_progress=False).fit(synthetic_events(users), user_col="user_id",
                                                                item_col="item_id").save(folder / "model")
        base = [sys.executable, "-m", "bizai.cli.main", "recommend", "score", "--model", str(folder / "model"),
                "--users", "all", "--k", "20", "--quiet"]
        rows = []
        for engine, extra, out in [("one process", [], folder / "recs.parquet"),
                                   (f"spark {MASTER}", ["--engine", "spark", "--master", MASTER], folder / "recs")]:
            seconds, peak = measured([*base, *extra, "--out", str(out)])
            written = len(pd.read_parquet(out, columns=["rank"]))
            rows.append({"engine": engine, "users": users, "rows written": written, "wall s": seconds,
                         "users/s": users / seconds, "peak RSS MiB (all processes)": peak})
    write_report(RESULTS / f"spark_scoring_{users}_users.md", "Scoring every user at k=20: one process vs Spark",
                 "ALS, 128 factors, 2,000 synthetic items; wall time includes starting Python (and Spark's JVM).",
                 pd.DataFrame(rows))


def walmart() -> None:
    from bizai.finance import ProfitForecaster
    from bizai.spark import fit_partitioned, get_session, predict_series

    sales = pd.read_parquet(SHARED / "walmart_store_sales" / "train.parquet")
    stores = pd.read_parquet(SHARED / "walmart_store_sales" / "stores.parquet")
    sales = sales.merge(stores[["Store", "Type"]], on="Store").astype({"Store": str, "Dept": str})
    cutoff = sales["Date"].max() - pd.Timedelta(weeks=8)
    history, actual = sales[sales["Date"] <= cutoff], sales[sales["Date"] > cutoff]
    roles = dict(id_col=["Store", "Dept"], time_col="Date", target_col="Weekly_Sales")
    params = dict(model="lightgbm", horizon=8, freq="W-FRI", random_state=0, model_params={"n_jobs": 1})

    started = time.perf_counter()
    local = pd.concat([ProfitForecaster(show_progress=False, **params).fit(rows, **roles).predict().assign(Type=kind)
                       for kind, rows in history.groupby("Type")])
    local_seconds = time.perf_counter() - started

    spark = get_session(MASTER, show_progress=False)
    spark.range(1).count()  # the JVM is up before the clock starts: its start is measured in part 1
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        frame = spark.createDataFrame(history)
        models = fit_partitioned(frame, "Type", Path(folder) / "models", spark=spark, **roles, **params)
        remote = predict_series(models, frame, spark=spark).toPandas()
        spark_seconds = time.perf_counter() - started

    keys = ["Store", "Dept", "Date"]
    merged = local.merge(remote, on=keys, suffixes=("_local", "_spark"))
    scored = merged.merge(actual[keys + ["Weekly_Sales"]], on=keys)
    rows = []
    for engine, seconds, column in [("one process (loop over types)", local_seconds, "forecast_local"),
                                    (f"spark {MASTER} (applyInPandas)", spark_seconds, "forecast_spark")]:
        rows.append({"engine": engine, "series": history.groupby(["Store", "Dept"]).ngroups, "models": 3,
                     "fit + forecast s": seconds, "MAE last 8 weeks": (scored[column] - scored["Weekly_Sales"]).abs().mean(),
                     "max |spark - local| forecast": float(np.abs(merged["forecast_local"] - merged["forecast_spark"]).max())})
    write_report(RESULTS / "spark_walmart.md", "Walmart weekly sales, one LightGBM per store Type: one process vs Spark",
                 f"{len(merged):,} forecasts matched; MAE over the {len(scored):,} held-out rows with actuals.",
                 pd.DataFrame(rows))


def movielens() -> None:
    from bizai.recsys import evaluate, leave_last_out_split
    from bizai.spark import fit_mllib_als, get_session

    ratings = pd.read_parquet(SHARED / "ml-1m" / "ratings.parquet")
    train, test = leave_last_out_split(ratings, "user_id", "timestamp")
    spark = get_session(MASTER, show_progress=False)
    spark.range(1).count()
    rows = []
    for name, fit in [("implicit ALS (bizai als)", lambda: ALSRecommender(random_state=0, show_progress=False).fit(
                           train, user_col="user_id", item_col="item_id")),
                      (f"Spark MLlib ALS on {MASTER} (--engine spark)", lambda: fit_mllib_als(
                           spark.createDataFrame(train[["user_id", "item_id"]]), random_state=0, spark=spark))]:
        started = time.perf_counter()
        model = fit()
        seconds = time.perf_counter() - started
        table = evaluate(model, train, test, k=10)
        rows.append({"model": name, "HR@10": table["hr"].iloc[0], "NDCG@10": table["ndcg"].iloc[0], "fit s": seconds})
    write_report(RESULTS / "spark_ml1m.md", "MovieLens-1M, ALS: implicit vs Spark MLlib (same split, same defaults)",
                 "Same confidence input (BM25-weighted) and hyper-parameters (128 factors, regularization 0.05, alpha 1, "
                 "15 iterations); MLlib scales the penalty by each user's and item's rating count (ALS-WR).",
                 pd.DataFrame(rows))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--parts", default="scoring,walmart,ml1m")
    args = parser.parse_args()
    parts = args.parts.split(",")
    if "scoring" in parts:
        scoring(args.users)
    if "walmart" in parts:
        walmart()
    if "ml1m" in parts:
        movielens()


if __name__ == "__main__":
    main()
