"""Walmart benchmark (../shared/data/walmart_store_sales, real weekly store x department sales): train to
2012-07-27, the last 13 weeks held out, series with at least 52 weeks of history and all 13 test weeks (2,807 of
3,331). WMAE (the Kaggle competition's metric: holiday weeks weigh 5), MAE and WAPE; fit+predict seconds.

    python benchmarks/forecast_walmart.py [--models seasonal_naive,lightgbm] [--peer-python PY] [--peers a,b]

Peers (seasonal naive, statsforecast AutoETS and AutoTheta, mlforecast LightGBM) run in their own environment in
the same run through benchmarks/peers/walmart_nixtla.py when --peer-python names a Python with statsforecast,
mlforecast and lightgbm installed. Run it with nothing else on the machine: seconds are wall clock.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from report import write_report

from bizai.finance import ProfitForecaster
from bizai.finance.metrics import score_forecasts

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "walmart_store_sales"
RESULTS = ROOT / "benchmarks" / "results" / "forecast_walmart.md"
CUTOFF = pd.Timestamp("2012-07-27")
HORIZON = 13
KEYS = ["Store", "Dept", "Date"]


def load() -> tuple[pd.DataFrame, pd.DataFrame]:
    sales = pd.read_parquet(DATA / "train.parquet")
    train, test = sales[sales["Date"] <= CUTOFF], sales[sales["Date"] > CUTOFF]
    history = train.groupby(["Store", "Dept"]).size()
    test_weeks = test.groupby(["Store", "Dept"]).size()
    keep = history[history >= 52].index.intersection(test_weeks[test_weeks == HORIZON].index)

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[pd.MultiIndex.from_frame(frame[["Store", "Dept"]]).isin(keep)].reset_index(drop=True)

    return kept(train), kept(test)


def scores(actual: pd.DataFrame, predicted: pd.DataFrame, name: str, seconds: float) -> dict:
    merged = actual.merge(predicted, on=KEYS, how="left")
    assert merged["forecast"].notna().all(), f"{name}: every held-out row must be forecast"
    error = (merged["Weekly_Sales"] - merged["forecast"]).abs()
    weight = np.where(merged["IsHoliday"], 5.0, 1.0)
    return {"model": name, "WMAE": float((weight * error).sum() / weight.sum()), "MAE": float(error.mean()),
            "WAPE": float(error.sum() / merged["Weekly_Sales"].abs().sum()), "fit+predict s": seconds,
            **interval_scores(merged["Weekly_Sales"], merged)}


def interval_scores(actual: pd.Series, predicted: pd.DataFrame) -> dict:
    """P10-P90 coverage and the mean pinball loss of P10 and P90 (both penalise a band too narrow or too wide), when
    the forecasts have them."""
    if not {"p10", "p90"} <= set(predicted.columns):
        return {}
    scores = score_forecasts(predicted[["forecast", "p10", "p90"]].assign(actual=actual.to_numpy()))
    return {"P10-P90 coverage": scores["coverage_p10_p90"],
            "P10/P90 pinball": (scores["pinball_p10"] + scores["pinball_p90"]) / 2}


def bizai_row(model: str, train: pd.DataFrame, test: pd.DataFrame, model_params: dict | None = None,
              **options) -> dict:
    """bizai's scores; `options` are further ProfitForecaster arguments (a lever measured against the defaults)."""
    # Peers forecast every series, so none counts as ended here (a department closed for months may reopen).
    forecaster = ProfitForecaster(model=model, horizon=HORIZON, freq="W-FRI", random_state=0, ended_after=52,
                                  show_progress=False, model_params=model_params, **options)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster.fit(train, id_col=["Store", "Dept"], time_col="Date", target_col="Weekly_Sales",
                       known_cols=["IsHoliday"])
        predicted = forecaster.predict(known_future=test[KEYS + ["IsHoliday"]])
    seconds = time.perf_counter() - started
    chosen = f" (chose {forecaster.model_name_})" if model == "auto" else ""
    return scores(test, predicted, f"bizai {model}{chosen}", seconds)


def peer_rows(peer_python: str, peers: str, train: pd.DataFrame, test: pd.DataFrame) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "train.parquet", Path(folder) / "peers.parquet"
        unique_id = train["Store"].astype(str) + "_" + train["Dept"].astype(str)
        pd.DataFrame({"unique_id": unique_id, "ds": train["Date"], "y": train["Weekly_Sales"]}).to_parquet(source)
        subprocess.run([peer_python, str(ROOT / "benchmarks" / "peers" / "walmart_nixtla.py"), str(source),
                        str(HORIZON), str(out), "--models", peers], check=True)
        peer = pd.read_parquet(out)
    ids = peer["unique_id"].str.split("_", expand=True).astype(int)
    peer = peer.assign(Store=ids[0], Dept=ids[1], Date=pd.to_datetime(peer["ds"]))
    return [scores(test, group[KEYS + ["forecast"]], f"{name} (peer)", float(group["seconds"].iloc[0]))
            for name, group in peer.groupby("model", sort=False)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", default="seasonal_naive,lightgbm,auto")
    parser.add_argument("--peer-python", help="a Python with statsforecast, mlforecast and lightgbm installed")
    parser.add_argument("--peers", default="seasonal_naive,auto_ets,auto_theta,mlforecast_lightgbm")
    parser.add_argument("--model-params", type=json.loads, help='model_params for every bizai model, as JSON: '
                        '\'{"id_features": false}\' measures a lever')
    args = parser.parse_args()
    train, test = load()
    rows = peer_rows(args.peer_python, args.peers, train, test) if args.peer_python else []  # they fail fastest
    rows = [bizai_row(model, train, test, args.model_params) for model in args.models.split(",")] + rows
    if args.model_params:
        for row in rows:
            if row["model"].startswith("bizai "):
                row["model"] += f" {json.dumps(args.model_params)}"
    n_series = train.groupby(["Store", "Dept"]).ngroups
    write_report(RESULTS, f"Walmart: 13-week holdout, {n_series:,} store x department series",
                 "CPU only, 2 threads. bizai uses the holiday flag as a known covariate; peers see sales only. Peers "
                 "ran in their own environment in the same run (benchmarks/peers/walmart_nixtla.py).",
                 pd.DataFrame(rows))


if __name__ == "__main__":
    main()
