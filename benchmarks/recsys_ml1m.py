"""MovieLens-1M (users 1..2999, see ../shared/data/ml-1m/PROVENANCE.md): leave-last-out, full ranking over the
catalogue, seen items filtered. HR@10, NDCG@10, train time and batch-scoring time (every user, k=20).

    python benchmarks/recsys_ml1m.py [--models popularity,itemknn,als,ease,sasrec]

Peers measured here on this exact split (issue #3): popularity NDCG@10 0.017, hand-tuned implicit ALS 0.046,
implicit BM25 item-kNN 0.041, RecTools SASRec 40 epochs on CPU (~47 min) 0.167 (HR@10 0.281).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from report import write_report

from bizai.recsys import (
    ALSRecommender,
    EASERecommender,
    ItemKNNRecommender,
    PopularityRecommender,
    SASRecRecommender,
    evaluate,
    leave_last_out_split,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ml-1m" / "ratings.parquet"
RESULTS = Path(__file__).parent / "results" / "recsys_ml1m.md"
MODELS = {"popularity": PopularityRecommender, "itemknn": ItemKNNRecommender, "als": lambda: ALSRecommender(random_state=0),
          "ease": EASERecommender,
          "sasrec": lambda: SASRecRecommender(random_state=0, show_progress=False)}
PEERS = [("popularity (peer)", float("nan"), 0.017), ("implicit ALS hand-tuned (peer)", float("nan"), 0.046),
         ("implicit BM25 item-kNN (peer)", float("nan"), 0.041), ("RecTools SASRec 40 epochs CPU ~47 min (peer)", 0.281, 0.167)]
COLUMNS = dict(user_col="user_id", item_col="item_id", time_col="timestamp")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default=",".join(MODELS))
    args = parser.parse_args()
    ratings = pd.read_parquet(DATA)
    train, test = leave_last_out_split(ratings, "user_id", "timestamp")
    rows = []
    for name in args.models.split(","):
        model = MODELS[name]()
        started = time.perf_counter()
        model.fit(train, **COLUMNS)
        train_seconds = time.perf_counter() - started
        table = evaluate(model, train, test, k=10)
        started = time.perf_counter()
        scored = model.recommend(k=20)
        score_seconds = time.perf_counter() - started
        row = {"model": f"bizai {name}", "HR@10": table["hr"].iloc[0], "NDCG@10": table["ndcg"].iloc[0],
               "train s": train_seconds, "score all users s (k=20)": score_seconds,
               "users/s": scored["user_id"].nunique() / score_seconds}
        if name == "sasrec":
            row["model"] += f" ({len(model.history_)} epochs, device {model.device_})"
            curve = pd.DataFrame(model.history_)
            print(curve.to_string(index=False), flush=True)
            (RESULTS.parent / "sasrec_ml1m_curve.csv").write_text(curve.to_csv(index=False))
        print(row, flush=True)
        rows.append(row)
    rows += [{"model": name, "HR@10": hr, "NDCG@10": ndcg} for name, hr, ndcg in PEERS]
    write_report(RESULTS, "MovieLens-1M (users 1..2999): leave-last-out, full ranking, seen filtered",
                 "CPU only, 2 cores. Peer figures were measured on this split and machine and are quoted from issue #3.",
                 pd.DataFrame(rows))


if __name__ == "__main__":
    main()
