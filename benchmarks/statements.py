"""Forecast statements: accuracy of reconciled hierarchies and coverage of calibrated ranges.

    python benchmarks/statements.py [--peer-python PATH]

1. aus_tourism (Total > State > Region > Region x Purpose: 389 series, 304 at the bottom), train 1998Q1-2015Q4,
   the last 8 quarters held out: RMSE and MAE per level and overall (mean over every series of every level) for
   bizai's base LightGBM forecasts and each reconciliation, beside Nixtla's statsforecast AutoETS +
   hierarchicalforecast run in its own environment in the same run (--peer-python: a Python with statsforecast and
   hierarchicalforecast; without it the peer rows are left out).
2. Coverage of the P10-P90 range per level, before (the model's own quantiles) and after conformal calibration
   (each window calibrated on the other windows), on the sample P&L, stallion and Walmart (Type > Store > Dept).
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from report import write_report
from scipy.stats import binom

from bizai.finance import StatementForecaster

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "benchmarks" / "results"
METHODS = ["none", "bottom_up", "ols", "wls_struct", "mint_shrink"]
LEVEL_NAMES = {"total": "Total", "State": "State", "Region": "Region", "leaf": "Region x Purpose"}


def per_series_errors(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    errors = frame.assign(error=frame["forecast"] - frame["actual"])
    return errors.groupby(keys).agg(rmse=("error", lambda e: float(np.sqrt(np.mean(e ** 2)))),
                                    mae=("error", lambda e: float(np.mean(np.abs(e))))).reset_index()


def summary(per_series: pd.DataFrame, method: str, seconds: float | None) -> dict:
    row = {"method": method}
    for level, name in LEVEL_NAMES.items():
        row[f"RMSE {name}"] = per_series.loc[per_series["level"] == level, "rmse"].mean()
    row["RMSE overall"] = per_series["rmse"].mean()
    row["MAE overall"] = per_series["mae"].mean()
    row["seconds"] = seconds
    return row


def tourism(peer_python: str | None) -> pd.DataFrame:
    data = pd.read_parquet(SHARED / "aus_tourism" / "tourism.parquet")
    data["Quarter"] = pd.to_datetime(data["Quarter"])
    data["leaf"] = data["Region"] + " / " + data["Purpose"]
    train, test = data[data["Quarter"] <= "2015-10-01"], data[data["Quarter"] > "2015-10-01"]
    started = time.perf_counter()
    model = StatementForecaster(model="lightgbm", horizon=8, freq="QS", reconcile="none", random_state=0,
                                calibration_windows=3)
    model.fit(train, id_col="leaf", time_col="Quarter", lines=["Trips"], hierarchy=["State", "Region", "leaf"])
    seconds = time.perf_counter() - started
    truth = held_out_actuals(model, test)
    rows = []
    for method in METHODS:
        model.reconcile = method
        started = time.perf_counter()
        forecast = model.predict()
        merged = forecast.merge(truth, on=["level", "node", "Quarter"])
        rows.append(summary(per_series_errors(merged, ["level", "node"]), f"bizai LightGBM, {method}",
                            seconds + time.perf_counter() - started))
    if peer_python:
        rows += peer_rows(peer_python, data)
    return pd.DataFrame(rows)


def held_out_actuals(model: StatementForecaster, test: pd.DataFrame) -> pd.DataFrame:
    """The held-out quarters summed up the same tree as the statement."""
    members = model.hierarchy_.membership()
    values = test.assign(leaf=test["leaf"].astype(str)).merge(members, on="leaf")
    return values.groupby(["level", "node", "Quarter"])["Trips"].sum().rename("actual").reset_index()


def peer_rows(peer_python: str, data: pd.DataFrame) -> list[dict]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "peer.parquet"
        started = time.perf_counter()
        subprocess.run([peer_python, str(ROOT / "benchmarks" / "peers" / "tourism_hierarchicalforecast.py"),
                        str(SHARED / "aus_tourism" / "tourism.parquet"), str(out)], check=True)
        seconds = time.perf_counter() - started
        peer = pd.read_parquet(out)
    truth = data.assign(ds=pd.to_datetime(data["Quarter"]))
    truth = truth[truth["ds"] > "2015-10-01"]
    leaf = truth.assign(unique_id="Australia/" + truth["State"] + "/" + truth["Region"] + "/" + truth["Purpose"])
    region = truth.groupby(["State", "Region", "ds"])["Trips"].sum().reset_index()
    region["unique_id"] = "Australia/" + region["State"] + "/" + region["Region"]
    state = truth.groupby(["State", "ds"])["Trips"].sum().reset_index()
    state["unique_id"] = "Australia/" + state["State"]
    total = truth.groupby("ds")["Trips"].sum().reset_index().assign(unique_id="Australia")
    actual = pd.concat([leaf, region, state, total])[["unique_id", "ds", "Trips"]].rename(columns={"Trips": "actual"})
    level_map = {"Country": "total", "Country/State": "State", "Country/State/Region": "Region",
                 "Country/State/Region/Purpose": "leaf"}
    merged = peer.merge(actual, on=["unique_id", "ds"]).assign(level=lambda f: f["level"].map(level_map))
    rows = []
    for method, rows_of_method in merged.groupby("method", sort=False):
        errors = per_series_errors(rows_of_method, ["level", "unique_id"])
        rows.append(summary(errors, f"statsforecast AutoETS + hierarchicalforecast, {method} (peer)", seconds))
    return rows


def coverage_rows(name: str, frame: pd.DataFrame, model_name: str = "lightgbm", windows: int | None = None,
                  **fit) -> list[dict]:
    """Coverage per level with `windows` calibration windows (None: the default, 4 where the history affords them)."""
    started = time.perf_counter()
    model = StatementForecaster(model=model_name, random_state=0, calibration_windows=windows,
                                **fit.pop("settings")).fit(frame, **fit)
    backtest = model.backtest()
    metrics = backtest.metrics
    seconds = time.perf_counter() - started
    points = backtest.forecasts.groupby("level", sort=False).size()
    rows = []
    for level, group in metrics.groupby("level", sort=False):
        rows.append({"data": f"{name}, {model_name}", "windows": model.calibration_windows_, "level": level,
                     "series": int(group["series"].sum()), "points": int(points[level]),
                     "coverage before": group["coverage_base"].mean(), "coverage after": group["coverage"].mean(),
                     "calibrated band's 5-95%": calibrated_range(int(points[level]), model.interval),
                     "WAPE base": group["wape_base"].mean(), "WAPE reconciled": group["wape"].mean(),
                     "fit seconds": seconds})
    return rows


def calibrated_range(points: int, interval: float) -> str:
    """The 5th to 95th percentile of the coverage an exactly calibrated band shows on `points` independent points
    (binomial): how far a level's measured coverage may stray by chance alone. Points of one window move together,
    so the real spread is wider still."""
    low, high = binom.ppf([0.05, 0.95], points, interval) / points
    return f"{low:.2f}-{high:.2f}"


def coverage() -> pd.DataFrame:
    rows = []
    pnl = pd.read_csv(ROOT / "sample_data" / "pnl_monthly.csv")
    for windows in (3, None):  # the 3-window backtest, then the default
        rows += coverage_rows("sample P&L (revenue, cost, profit)", pnl, windows=windows,
                              settings=dict(horizon=6, freq="MS"), id_col="store_id", time_col="month",
                              lines=["revenue", "cost"], identities={"profit": "revenue - cost"},
                              hierarchy=["region", "store_id"], known_cols=["promo_days", "holiday_days"],
                              static_cols=["store_format"])
    stallion = pd.read_parquet(SHARED / "stallion" / "stallion.parquet")
    stallion = stallion.assign(series=stallion["agency"].astype(str) + " / " + stallion["sku"].astype(str),
                               agency=stallion["agency"].astype(str))
    rows += coverage_rows("stallion (agency > agency x sku, volume)", stallion, settings=dict(horizon=6, freq="MS"),
                          id_col="series", time_col="date", lines=["volume"], hierarchy=["agency", "series"])
    walmart = pd.read_parquet(SHARED / "walmart_store_sales" / "train.parquet")
    stores = pd.read_parquet(SHARED / "walmart_store_sales" / "stores.parquet")
    walmart = walmart.merge(stores[["Store", "Type"]], on="Store")
    walmart = walmart.assign(store=walmart["Store"].astype(str), leaf=walmart["Store"].astype(str) + " / " +
                             walmart["Dept"].astype(str), Type=walmart["Type"].astype(str))
    # LightGBM since its training-row cap (#13) made a 3,400-series weekly statement affordable (seasonal naive before).
    rows += coverage_rows("Walmart (Type > Store > Dept, weekly sales)", walmart, "lightgbm",
                          settings=dict(horizon=8, freq="W-FRI"),
                          id_col="leaf", time_col="Date", lines=["Weekly_Sales"], hierarchy=["Type", "store", "leaf"])
    return pd.DataFrame(rows)


def methods_on_sample() -> pd.DataFrame:
    """Mean WAPE per level of each reconciliation on the sample P&L (3 backtest windows), to choose the default."""
    pnl = pd.read_csv(ROOT / "sample_data" / "pnl_monthly.csv")
    rows = []
    for method in METHODS:
        model = StatementForecaster(model="lightgbm", horizon=6, freq="MS", reconcile=method, random_state=0,
                                    calibration_windows=3).fit(
            pnl, id_col="store_id", time_col="month", lines=["revenue", "cost"], identities={"profit": "revenue - cost"},
            hierarchy=["region", "store_id"], known_cols=["promo_days", "holiday_days"], static_cols=["store_format"])
        metrics = model.backtest().metrics
        row = {"reconcile": method}
        for level, group in metrics.groupby("level", sort=False):
            row[f"WAPE {level}"] = group["wape"].mean()
        row["WAPE mean of levels"] = float(np.mean([v for k, v in row.items() if k.startswith("WAPE ")]))
        rows.append(row)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--peer-python", help="a Python with statsforecast and hierarchicalforecast installed")
    parser.add_argument("--skip-coverage", action="store_true")
    parser.add_argument("--skip-tourism", action="store_true")
    parser.add_argument("--skip-methods", action="store_true")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if not args.skip_tourism:
        write_report(RESULTS / "statements_tourism.md", "Reconciled hierarchy: aus_tourism, last 8 quarters held out",
                     "RMSE and MAE are per series, averaged over the series of a level (overall: over all 389). bizai "
                     "rows share one LightGBM fit (base forecasts and calibration); peer rows come from "
                     "benchmarks/peers/tourism_hierarchicalforecast.py run in its own environment in the same run.",
                     tourism(args.peer_python))
    if not args.skip_methods:
        write_report(RESULTS / "statements_methods.md", "Reconciliation methods on the sample P&L",
                     "Mean WAPE over revenue, cost and profit per level in 3 backtest windows (MinT's covariance from "
                     "the other windows).", methods_on_sample())
    if not args.skip_coverage:
        write_report(RESULTS / "statements_coverage.md", "Calibrated ranges: P10-P90 coverage per level",
                     "Coverage in time-ordered backtest windows (3, or the default: 4 where the history "
                     "affords them); 'after' calibrates each window on the other windows only, the band widened by "
                     "the spread of whole windows' shifts (bizai.finance.conformal). WAPE of base and reconciled "
                     "(mint_shrink) forecasts in the same windows. 'points': (node, line, period) "
                     "values per level over all windows; a level of one node has few, so one point moves its coverage "
                     "by 1/points.", coverage())


if __name__ == "__main__":
    main()
