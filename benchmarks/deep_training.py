"""The deep models on this machine's accelerator, with the library's defaults: the TFT on stallion (6-month holdout,
as forecast_stallion.py) and SASRec on MovieLens-1M (leave-last-out, as recsys_ml1m.py). On a GPU both train
with bf16 mixed precision and SASRec scores with bf16 autocast. Reports time per epoch, accuracy, SASRec's scoring
speed, and whether two fits with one random state give the same result on this machine.

    python benchmarks/deep_training.py [--models tft,sasrec] [--tft-seeds 0,1,2]

Writes results/deep_training_<cuda|cpu>.md. The CPU column quotes this project's 2-core CPU figures for the same
code and defaults (forecast_stallion.md, recsys_ml1m.md), measured there because a fit takes 20 minutes on it.
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from forecast_stallion import fit_and_predict, load
from report import write_report

from bizai.finance import mae
from bizai.recsys import SASRecRecommender, SASRecTraining, evaluate, leave_last_out_split

RATINGS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "ml-1m" / "ratings.parquet"
RESULTS = Path(__file__).parent / "results"
COLUMNS = dict(user_col="user_id", item_col="item_id", time_col="timestamp")
# The same code and defaults on the 2-core CPU (x86_64, no GPU), 2026-11-24: forecast_stallion.md (TFT, seed 0; the
# five seeds' MAE mean 311.9; 15 epochs at 8.1 s each in deep_training_cpu.md) and recsys_ml1m.md (SASRec, 44
# epochs at 29.9 s each; scoring 2,306 users/s).
CPU = {"tft": {"MAE / NDCG@10": 278.5, "train s": 119.7, "s per epoch": 8.1},
       "sasrec": {"MAE / NDCG@10": 0.1824, "train s": 1314.4, "s per epoch": 29.9, "users/s": 2305.6}}


def device_name() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"


def tft_rows(seeds: list[int]) -> list[dict]:
    train, future, actual = load()
    short = {"max_epochs": 2, "limit_train_batches": 10}
    first, second = (fit_and_predict("tft", train, future, short, 0)[1] for _ in range(2))
    same = np.array_equal(first["forecast"].to_numpy(), second["forecast"].to_numpy())
    print(f"TFT: two 2-epoch fits with random_state 0 give the same forecasts: {same}", flush=True)
    rows = []
    for seed in seeds:
        forecaster, predicted, seconds = fit_and_predict("tft", train, future, random_state=seed)
        model = forecaster.fitted_model_
        merged = actual.merge(predicted, on=["agency", "sku", "date"])
        epochs = int(model.epochs_trained_)
        rows.append({"model": f"TFT stallion, seed {seed}", "device": model.accelerator_, "epochs": epochs,
                     "MAE / NDCG@10": mae(merged["volume"], merged["forecast"]), "train s": seconds,  # with predict
                     "s per epoch": seconds / max(epochs, 1), "users/s": float("nan"), "repeatable": same,
                     **{f"CPU {k}": v for k, v in CPU["tft"].items()}})
        print(rows[-1], flush=True)
    return rows


def scoring_speed(model: SASRecRecommender, repeats: int = 3) -> float:
    """Median users per second of recommend(k=20) over every user, after one warm-up call."""
    model.recommend(k=20)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        scored = model.recommend(k=20)
        times.append(time.perf_counter() - started)
    return scored["user_id"].nunique() / float(np.median(times))


def sasrec_rows(epochs: int | None) -> tuple[list[dict], pd.DataFrame]:
    import torch

    ratings = pd.read_parquet(RATINGS)
    train, test = leave_last_out_split(ratings, "user_id", "timestamp")
    short = [SASRecRecommender(training=SASRecTraining(epochs=2), random_state=0, show_progress=False).fit(train, **COLUMNS)
             for _ in range(2)]
    same = all(torch.equal(a, b) for a, b in zip(short[0].network_.state_dict().values(),
                                                 short[1].network_.state_dict().values(), strict=True))
    print(f"SASRec: two 2-epoch fits with random_state 0 give the same weights: {same}", flush=True)
    training = SASRecTraining() if epochs is None else SASRecTraining(epochs=epochs)
    model = SASRecRecommender(training=training, random_state=0, show_progress=False)
    started = time.perf_counter()
    model.fit(train, **COLUMNS)
    seconds = time.perf_counter() - started
    curve = pd.DataFrame(model.history_)
    print(curve.to_string(index=False), flush=True)
    rows = []
    # The accelerator's scoring path (bf16), then the CPU's (float32) on the same weights.
    for device in ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]:
        model.use_gpu = device == "cuda"
        ndcg = float(evaluate(model, train, test, k=10)["ndcg"].iloc[0])
        rows.append({"model": f"SASRec ml-1m, scored on {device}", "device": model.device_, "epochs": len(curve),
                     "MAE / NDCG@10": ndcg, "train s": seconds, "s per epoch": seconds / len(curve),
                     "users/s": scoring_speed(model), "repeatable": same,
                     **{f"CPU {k}": v for k, v in CPU["sasrec"].items()}})
        print(rows[-1], flush=True)
    return rows, curve


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="tft,sasrec")
    parser.add_argument("--tft-seeds", default="0", help="random states for the TFT, comma-separated")
    parser.add_argument("--sasrec-epochs", type=int, default=None, help="default: the library's")
    parser.add_argument("--verbose", action="store_true", help="log each epoch with a time stamp")
    args = parser.parse_args()
    if args.verbose:
        logging.basicConfig(format="%(asctime)s %(message)s")
        logging.getLogger("bizai").setLevel(logging.INFO)
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    precision = "bf16 mixed precision" if device == "cuda" and torch.cuda.is_bf16_supported() else "float32"
    rows = []

    def report() -> None:  # after each model, so a later failure keeps what was measured
        write_report(RESULTS / f"deep_training_{device}.md", f"The deep models on {device_name()}: training and scoring",
                     f"torch {torch.__version__}, {precision}. 'repeatable': two short fits with random_state 0 gave "
                     "identical forecasts (TFT) or weights (SASRec). CPU columns: the same code and defaults on the "
                     "project's 2-core CPU (forecast_stallion.md, recsys_ml1m.md).", pd.DataFrame(rows))

    names = args.models.split(",")
    if "sasrec" in names:  # first: it is the quicker of the two
        found, curve = sasrec_rows(args.sasrec_epochs)
        rows += found
        (RESULTS / f"sasrec_ml1m_curve_{device}.csv").write_text(curve.to_csv(index=False))
        report()
    if "tft" in names:
        rows += tft_rows([int(seed) for seed in args.tft_seeds.split(",")])
        report()


if __name__ == "__main__":
    main()
