"""SASRec serving speed on MovieLens-1M: users scored per second by `recommend` (every user, k=20) and NDCG@10
(leave-last-out, seen filtered) for the full network at every position (how bizai scored before) and for the
serving path (last position only, leading padding cut, users in length-sorted chunks), on one trained network.

    python benchmarks/sasrec_serving.py [--epochs 35] [--threads N]

Fewer epochs give a weaker network but the same speed comparison; the table says how many were trained.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from report import write_report

from bizai.recsys import SASRecRecommender, SASRecTraining, evaluate, leave_last_out_split

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ml-1m" / "ratings.parquet"
RESULTS = Path(__file__).parent / "results" / "sasrec_serving.md"
COLUMNS = dict(user_col="user_id", item_col="item_id", time_col="timestamp")


class FullNetworkScoring(SASRecRecommender):
    """The serving path before: the whole network at every position for all users of a batch, then the last."""

    def _scores(self, users: np.ndarray) -> np.ndarray:
        import torch

        with torch.no_grad():
            batch = torch.from_numpy(self.sequences_[users])
            return self.network_.item_scores(self.network_(batch)[:, -1]).numpy().astype(np.float64)


def measured(model, train, test, name: str) -> dict:
    started = time.perf_counter()
    scored = model.recommend(k=20)
    seconds = time.perf_counter() - started
    table = evaluate(model, train, test, k=10)
    return {"scoring": name, "NDCG@10": float(table["ndcg"].iloc[0]), "HR@10": float(table["hr"].iloc[0]),
            "users": scored["user_id"].nunique(), "score s": seconds, "users/s": scored["user_id"].nunique() / seconds}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=SASRecTraining().epochs)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    ratings = pd.read_parquet(DATA)
    train, test = leave_last_out_split(ratings, "user_id", "timestamp")
    model = SASRecRecommender(training=SASRecTraining(epochs=args.epochs, patience=args.epochs), random_state=0,
                              show_progress=False)
    started = time.perf_counter()
    model.fit(train, **COLUMNS)
    train_seconds = time.perf_counter() - started
    before = FullNetworkScoring.__new__(FullNetworkScoring)
    before.__dict__.update(model.__dict__)
    rows = [measured(before, train, test, "full network, every position (before)"),
            measured(model, train, test, "last position only, padding cut, length-sorted chunks")]
    write_report(RESULTS, "SASRec serving on MovieLens-1M: users scored per second",
                 f"CPU only, {torch.get_num_threads()} threads. One network trained {len(model.history_)} epochs "
                 f"({train_seconds:.0f} s, default architecture); both rows score it.", pd.DataFrame(rows))


if __name__ == "__main__":
    main()
