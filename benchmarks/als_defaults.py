"""Choosing ALSRecommender's defaults on several splits and data sets, not one (#13): a small grid of settings,
NDCG@10 on each split, and for each setting its worst ratio to the best setting of each split (a default must be
good everywhere, so the setting with the best worst case wins).

Splits: MovieLens-1M (users 1..2999) leave-last-out with ties in time kept in file order, the same with ties broken
by item id, a global time split (last 10% of ratings by time); UCI Online Retail, last 28 days held out, seen
items filtered (returns netted, log(1 + quantity) weights, see recsys_online_retail.py).

    python benchmarks/als_defaults.py
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
from recsys_online_retail import split as retail_split
from report import write_report

from bizai.recsys import ALSRecommender, evaluate, leave_last_out_split, time_split

ML1M = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ml-1m" / "ratings.parquet"
RESULTS = Path(__file__).parent / "results" / "als_defaults.md"
GRID = {"factors": (32, 64, 96, 128), "regularization": (0.01, 0.05, 0.1), "alpha": (1.0, 5.0), "bm25": (True, False)}
CURRENT = {"factors": 128, "regularization": 0.05, "alpha": 1.0, "bm25": True}


def splits() -> dict[str, tuple[pd.DataFrame, pd.DataFrame, dict]]:
    ratings = pd.read_parquet(ML1M)
    movie = dict(user_col="user_id", item_col="item_id", time_col="timestamp")
    by_item = ratings.sort_values(["timestamp", "item_id"], kind="stable")
    retail_train, retail_test = retail_split()
    retail = dict(user_col="CustomerID", item_col="StockCode", time_col="InvoiceDate", weight_col="weight")
    return {"ml-1m last item": (*leave_last_out_split(ratings, "user_id", "timestamp"), movie),
            "ml-1m last item, ties by item id": (*leave_last_out_split(by_item, "user_id", "timestamp"), movie),
            "ml-1m time split": (*time_split(ratings, "timestamp", test_share=0.1), movie),
            "online retail 28 days": (retail_train, retail_test, retail)}


def main() -> None:
    data = splits()
    rows = []
    for values in itertools.product(*GRID.values()):
        settings = dict(zip(GRID, values, strict=True))
        row = {**settings}
        for name, (train, test, columns) in data.items():
            model = ALSRecommender(random_state=0, **settings)
            row[name] = float(evaluate(model, train, test, k=10, **columns)["ndcg"].iloc[0])
        print(row, flush=True)
        rows.append(row)
    table = pd.DataFrame(rows)
    split_names = list(data)
    table["worst ratio to best"] = (table[split_names] / table[split_names].max()).min(axis=1)
    table = table.sort_values("worst ratio to best", ascending=False, ignore_index=True)
    current = table[(table[list(CURRENT)] == pd.Series(CURRENT)).all(axis=1)].iloc[0]
    best = table.iloc[0]
    note = (f"CPU only. NDCG@10 per split, seen items filtered. Before this run the defaults were {CURRENT} "
            f"(worst ratio {current['worst ratio to best']:.3f}); the best worst case is "
            f"{ {k: best[k] for k in GRID} } (worst ratio {best['worst ratio to best']:.3f}).")
    write_report(RESULTS, "ALS defaults across splits and data sets", note, table.round(4))


if __name__ == "__main__":
    main()
