"""Fit cost against panel size: bizai's LightGBM beside mlforecast's on synthetic daily panels (up to 10,000 series
x 2 years), the last `horizon` days held out.

    python benchmarks/forecast_scaling.py [--peer-python PY] [--sizes 1000x730,10000x730] [--horizons 14,28]

Each panel: weekly and yearly seasonality, a trend, a promotion flag known in advance (bizai uses it, the peer
sees sales only, as in the Walmart benchmark) and noise, with series sizes spread over three orders of magnitude.
Seconds are wall clock for fit + predict; peak memory is this process's maximum resident set so far (it only grows,
so sizes run from small to large). Run it with nothing else on the machine.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from forecast_walmart import interval_scores
from report import write_report

from bizai.finance import ProfitForecaster

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "forecast_scaling.md"


def synthetic_daily_panel(n_series: int, n_days: int, seed: int = 0) -> pd.DataFrame:
    """series, date, sales, promo: seasonal daily sales with a known promotion lift."""
    rng = np.random.default_rng(seed)
    days = np.arange(n_days)
    level = np.exp(rng.uniform(np.log(5), np.log(5000), n_series))[:, None]
    weekly = 1 + rng.uniform(0.05, 0.4, n_series)[:, None] * np.sin(2 * np.pi * (days + rng.integers(0, 7, n_series)
                                                                                  [:, None]) / 7)
    yearly = 1 + rng.uniform(0.0, 0.3, n_series)[:, None] * np.sin(2 * np.pi * days / 365.25)
    trend = 1 + rng.normal(0, 0.3, n_series)[:, None] * days / n_days
    promo = (rng.random((n_series, n_days)) < 0.1).astype(np.int8)
    lift = 1 + rng.uniform(0.1, 0.6, n_series)[:, None] * promo
    noise = rng.gamma(20, 1 / 20, (n_series, n_days))
    sales = (level * weekly * yearly * np.clip(trend, 0.2, None) * lift * noise).astype(float)
    dates = pd.date_range("2023-01-01", periods=n_days, freq="D")
    return pd.DataFrame({"series": np.repeat(np.arange(n_series), n_days).astype(str),
                         "date": np.tile(dates, n_series), "sales": sales.ravel(), "promo": promo.ravel()})


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bizai_row(train: pd.DataFrame, test: pd.DataFrame, horizon: int, model_params: dict | None = None,
              **options) -> dict:
    """bizai's row; `options` are further ProfitForecaster arguments (a lever measured against the defaults)."""
    forecaster = ProfitForecaster(model="lightgbm", horizon=horizon, freq="D", random_state=0, show_progress=False,
                                  model_params=model_params, **options)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecaster.fit(train, id_col="series", time_col="date", target_col="sales", known_cols=["promo"])
        predicted = forecaster.predict(known_future=test[["series", "date", "promo"]])
    seconds = time.perf_counter() - started
    merged = test.merge(predicted, on=["series", "date"])
    return {"model": "bizai lightgbm", "seconds": seconds, "MAE": float((merged["sales"] - merged["forecast"]).abs()
                                                                        .mean()), "peak MiB": peak_mib(),
            **interval_scores(merged["sales"], merged)}


def peer_row(peer_python: str, train: pd.DataFrame, test: pd.DataFrame, horizon: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "train.parquet", Path(folder) / "peer.parquet"
        train.rename(columns={"series": "unique_id", "date": "ds", "sales": "y"})[["unique_id", "ds", "y"]].to_parquet(
            source)
        subprocess.run([peer_python, str(ROOT / "benchmarks" / "peers" / "scaling_mlforecast.py"), str(source),
                        str(horizon), str(out)], check=True)
        peer = pd.read_parquet(out).rename(columns={"unique_id": "series", "ds": "date"})
    merged = test.merge(peer, on=["series", "date"])
    return {"model": "mlforecast LightGBM (peer)", "seconds": float(peer["seconds"].iloc[0]),
            "MAE": float((merged["sales"] - merged["forecast"]).abs().mean()), "peak MiB": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", help="a Python with mlforecast and lightgbm installed")
    parser.add_argument("--sizes", default="1000x730,3000x730,10000x365,10000x730", help="series x days, ascending")
    parser.add_argument("--horizons", default="14", help="days held out and forecast")
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        n_series, n_days = (int(part) for part in size.split("x"))
        panel = synthetic_daily_panel(n_series, n_days)
        for horizon in (int(h) for h in args.horizons.split(",")):
            cutoff = panel["date"].max() - pd.Timedelta(days=horizon)
            train, test = panel[panel["date"] <= cutoff], panel[panel["date"] > cutoff]
            found = [bizai_row(train, test, horizon)]
            if args.peer_python:
                found.append(peer_row(args.peer_python, train, test, horizon))
            for row in found:
                rows.append({"series": n_series, "days": n_days, "training rows": len(train), "horizon": horizon,
                             **row, "seconds per million rows": row["seconds"] / len(train) * 1e6})
                print(rows[-1], flush=True)
    write_report(RESULTS, "Fit cost against panel size: synthetic daily panels",
                 "Fit + predict wall-clock seconds and MAE on the held-out days, bizai's LightGBM (defaults, the promo "
                 "flag as a known covariate) beside mlforecast's LightGBM (lags 1, 7, 14, 28, rolling means 7 and 28, "
                 "day of week and month; 100 trees) run in its own environment in the same run. Nothing else ran.",
                 pd.DataFrame(rows))


if __name__ == "__main__":
    main()
