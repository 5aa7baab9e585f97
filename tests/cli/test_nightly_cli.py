"""`bizai forecast predict --ledger` and `bizai monitor forecast | recommend`: exit 0 when well, 3 on a breach,
2 on bad input with nothing written."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.cli.test_cli import bizai
from tests.monitor.conftest import split_panel
from tests.recsys.conftest import make_events

FIT = ["--id-col", "store", "--time-col", "month", "--target-col", "profit", "--known-cols", "promo",
       "--static-cols", "region"]


@pytest.fixture(scope="module")
def nightly(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nightly")
    history, future, actuals = split_panel()
    paths = {name: folder / f"{name}.csv" for name in ("history", "future", "actuals")}
    history.to_csv(paths["history"], index=False)
    future.to_csv(paths["future"], index=False)
    actuals.to_csv(paths["actuals"], index=False)
    model, ledger = folder / "model", folder / "ledger"
    bizai("forecast", "fit", "--data", paths["history"], *FIT, "--model", "seasonal_naive", "--horizon", "6",
          "--backtest-windows", "2", "--out", model)
    result = bizai("forecast", "predict", "--model", model, "--known-future", paths["future"], "--out",
                   folder / "forecasts.parquet", "--ledger", ledger, "--run-date", "2026-01-01")
    assert "recorded them in the ledger" in result.stdout
    return {**paths, "folder": folder, "model": model, "ledger": ledger, "actuals_frame": actuals}


def test_monitor_forecast_reports_and_passes_when_well(nightly):
    out = nightly["folder"] / "accuracy.csv"
    result = bizai("monitor", "forecast", "--ledger", nightly["ledger"], "--actuals", nightly["actuals"],
                   "--group-col", "region", "--max-wape-increase", "1.0", "--max-psi", "5", "--out", out)
    assert "Live accuracy" in result.stdout and "Input drift" in result.stdout and result.stdout.rstrip().endswith(
        "thresholds")
    table = pd.read_csv(out)
    assert set(table["region"]) == {"north", "south"} and set(table["step"]) == set(range(7))


def test_monitor_forecast_reads_a_wide_sheet_of_actuals_as_the_long_one(nightly, tmp_path):
    # finance sends the month's actuals as a sheet: a row per store and line (profit, promo), a column per month
    actuals = nightly["actuals_frame"]
    lines = actuals.melt(id_vars=["store", "region", "month"], value_vars=["profit", "promo"], var_name="line")
    sheet = lines.assign(month=pd.to_datetime(lines["month"]).dt.strftime("%b-%y")).pivot(
        index=["store", "region", "line"], columns="month", values="value")
    sheet[sorted(sheet.columns, key=lambda m: pd.to_datetime(m, format="%b-%y"))].reset_index().to_csv(
        tmp_path / "actuals_sheet.csv", index=False)
    tables = {}
    for name, path, wide in (("long", nightly["actuals"], []), ("sheet", tmp_path / "actuals_sheet.csv", ["--wide"])):
        bizai("monitor", "forecast", "--ledger", nightly["ledger"], "--actuals", path, *wide, "--group-col", "region",
              "--out", tmp_path / f"{name}.csv")
        tables[name] = pd.read_csv(tmp_path / f"{name}.csv")
    pd.testing.assert_frame_equal(tables["sheet"], tables["long"])


def test_planted_degradation_and_drift_exit_3_with_one_line(nightly, tmp_path):
    planted = nightly["actuals_frame"].copy()
    planted.loc[planted["store"] == "S1", "profit"] *= 3  # one store's level shifts
    path = tmp_path / "planted.csv"
    planted.to_csv(path, index=False)
    result = bizai("monitor", "forecast", "--ledger", nightly["ledger"], "--actuals", path, "--group-col", "store",
                   "--max-wape-increase", "0.5", check_code=3)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("alert: 1 threshold(s) breached") and "store=S1" in lines[0]
    drifted = nightly["actuals_frame"].assign(promo=lambda f: f["promo"] + 50)
    drifted.to_csv(path, index=False)
    result = bizai("monitor", "forecast", "--ledger", nightly["ledger"], "--actuals", path, "--max-psi", "0.25",
                   check_code=3)
    assert "input drift in 'promo'" in result.stderr


def test_monitor_forecast_bad_input_exits_2_and_writes_nothing(nightly, tmp_path):
    out = tmp_path / "accuracy.csv"
    not_ledger = tmp_path / "folder"
    not_ledger.mkdir()
    cases = [
        (["--ledger", not_ledger, "--actuals", nightly["actuals"]], "not a forecast ledger"),
        (["--ledger", nightly["ledger"], "--actuals", nightly["actuals"], "--min-coverage", "1.5"], "--min-coverage"),
        (["--ledger", nightly["ledger"], "--actuals", nightly["history"].with_name("nope.csv")], "nope.csv"),
    ]
    never = nightly["actuals_frame"].assign(month="2031-01-01").drop_duplicates("store")
    never.to_csv(tmp_path / "never.csv", index=False)
    cases.append((["--ledger", nightly["ledger"], "--actuals", tmp_path / "never.csv"], "matches a forecast"))
    for args, message in cases:
        result = bizai("monitor", "forecast", *args, "--out", out, check_code=2)
        assert message in result.stderr
        assert not out.exists()


def test_a_ledger_of_another_job_is_refused_before_anything_is_written(nightly, tmp_path):
    other = tmp_path / "revenue"
    bizai("forecast", "fit", "--data", nightly["history"], "--id-col", "store", "--time-col", "month", "--target-col",
          "revenue", "--model", "naive", "--horizon", "6", "--out", other)
    out = tmp_path / "forecasts.parquet"
    result = bizai("forecast", "predict", "--model", other, "--out", out, "--ledger", nightly["ledger"], check_code=2)
    assert "one ledger per forecasting job" in result.stderr and not out.exists()


def test_monitor_recommend(tmp_path):
    events = make_events()
    train, later = events[events["timestamp"] % 10_000 < 300], events[events["timestamp"] % 10_000 >= 300]
    train.to_csv(tmp_path / "train.csv", index=False)
    later.assign(revenue=2.5).to_csv(tmp_path / "later.csv", index=False)
    bizai("recommend", "fit", "--data", tmp_path / "train.csv", "--model", "itemknn", "--out", tmp_path / "model")
    bizai("recommend", "score", "--model", tmp_path / "model", "--users", "all", "--k", "5", "--out",
          tmp_path / "recs.parquet")
    result = bizai("monitor", "recommend", "--recommendations", tmp_path / "recs.parquet", "--events",
                   tmp_path / "later.csv", "--value-col", "revenue", "--out", tmp_path / "outcomes.csv")
    outcomes = pd.read_csv(tmp_path / "outcomes.csv").set_index("list")
    assert outcomes.loc["recommendations", "hit_rate"] > 0.3 and "popularity" in result.stdout
    result = bizai("monitor", "recommend", "--recommendations", tmp_path / "recs.parquet", "--events",
                   tmp_path / "later.csv", "--min-hit-rate", "1.0", check_code=3)
    assert result.stderr.startswith("alert: 1 threshold(s) breached: hit rate")
    result = bizai("monitor", "recommend", "--recommendations", tmp_path / "recs.parquet", "--events",
                   tmp_path / "later.csv", "--time-col", "timestamp", "--since", "2031-01-01", check_code=2)
    assert "No event falls in the window" in result.stderr


def test_forecast_update_then_predict_starts_after_the_new_actuals(nightly, tmp_path):
    model = tmp_path / "plain"
    bizai("forecast", "fit", "--data", nightly["history"], "--id-col", "store", "--time-col", "month", "--target-col",
          "profit", "--model", "seasonal_naive", "--horizon", "3", "--out", model)
    result = bizai("forecast", "update", "--model", model, "--data", nightly["actuals"], "--out", tmp_path / "plain2")
    assert "24 new rows, 0 restated" in result.stdout
    bizai("forecast", "predict", "--model", tmp_path / "plain2", "--out", tmp_path / "next.csv")
    first = pd.to_datetime(pd.read_csv(tmp_path / "next.csv")["month"]).min()
    assert first > pd.to_datetime(nightly["actuals_frame"]["month"]).max()
    result = bizai("forecast", "update", "--model", model, "--data", nightly["history"], "--out", tmp_path / "bad",
                   check_code=2)
    assert "at or before" in result.stderr and not (tmp_path / "bad").exists()


def test_recommend_update_folds_in_new_users(tmp_path):
    events = make_events(n_users=80)
    old = events[events["user_id"].map(lambda u: int(u[1:]) < 70)]
    new = events.drop(old.index).assign(timestamp=lambda f: f["timestamp"] + 10**7)
    old.to_csv(tmp_path / "old.csv", index=False)
    new.to_parquet(tmp_path / "new.parquet", index=False)
    bizai("recommend", "fit", "--data", tmp_path / "old.csv", "--time-col", "timestamp", "--model", "als",
          "--out", tmp_path / "m1")
    result = bizai("recommend", "update", "--model", tmp_path / "m1", "--data", tmp_path / "new.parquet", "--out",
                   tmp_path / "m2")
    assert "10 new users" in result.stdout
    pd.DataFrame({"user_id": ["u75"]}).to_csv(tmp_path / "who.csv", index=False)
    bizai("recommend", "score", "--model", tmp_path / "m2", "--users", tmp_path / "who.csv", "--out",
          tmp_path / "recs.csv")
    assert len(pd.read_csv(tmp_path / "recs.csv")) == 20
    result = bizai("recommend", "update", "--model", tmp_path / "m1", "--data", tmp_path / "old.csv", "--out",
                   tmp_path / "m3", check_code=2)
    assert "old data" in result.stderr and not (tmp_path / "m3").exists()


def test_examples_nightly_sh_runs_a_first_night_then_an_update_night(tmp_path):
    """The nightly example as written: night 1 fits and forecasts into the ledger (nothing to judge yet); night 2
    updates both models, forecasts again and judges night 1's forecasts and recommendations."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    pnl = pd.read_csv(repo / "sample_data" / "pnl_monthly.csv", dtype={"store_id": str}, parse_dates=["month"])
    pnl = pnl[pnl["store_id"].isin(sorted(pnl["store_id"].unique())[:6])]
    later = pd.read_csv(repo / "sample_data" / "pnl_future.csv", dtype={"store_id": str}, parse_dates=["month"])
    known = pd.concat([pnl, later])[["store_id", "month", "promo_days", "holiday_days"]]
    months = sorted(pnl["month"].unique())
    events = make_events(n_users=80).assign(revenue=3.0)
    cut = events["timestamp"].quantile(0.8)
    folders = {name: tmp_path / name for name in ("in", "out", "models")}
    (folders["in"] / "events").mkdir(parents=True)
    env = {**os.environ, "BIZAI": f"{sys.executable} -m bizai.cli.main", "BIZAI_QUIET": "1",
           **{name.upper(): str(path) for name, path in folders.items()}}

    def night(day: str, end, new_events: pd.DataFrame) -> subprocess.CompletedProcess:
        pnl[pnl["month"] <= end].to_parquet(folders["in"] / "pnl.parquet", index=False)
        pnl[pnl["month"] == end].to_parquet(folders["in"] / "pnl_new.parquet", index=False)
        future = known[(known["month"] > end)]
        future[future["month"].isin(sorted(future["month"].unique())[:6])].to_parquet(
            folders["in"] / "pnl_future.parquet", index=False)
        new_events.to_parquet(folders["in"] / "events_new.parquet", index=False)
        new_events.to_parquet(folders["in"] / "events" / f"{day}.parquet", index=False)
        return subprocess.run(["bash", str(repo / "examples" / "nightly.sh")], env={**env, "DAY": day},
                              capture_output=True, text=True, timeout=600)

    first = night("2026-01-01", months[-7], events[events["timestamp"] <= cut])
    assert first.returncode == 0, first.stdout + first.stderr
    assert "nothing to judge yet" in first.stdout
    second = night("2026-01-02", months[-6], events[events["timestamp"] > cut])
    assert second.returncode in (0, 3), second.stdout + second.stderr
    if second.returncode == 3:
        assert second.stderr.strip().splitlines()[-1].startswith("alert:")
    lineage = json.loads((folders["models"] / "profit" / "meta.json").read_text())["lineage"]
    assert len(lineage) == 1 and lineage[0]["rows_added"] == 6
    assert json.loads((folders["models"] / "recs" / "meta.json").read_text())["lineage"][0]["rows_added"] > 0
    judged = pd.read_parquet(folders["out"] / "monitor" / "forecast-2026-01-02.parquet")
    assert judged.loc[judged["step"] == 0, "n"].sum() == 6  # night 1's first month, one per store
    outcomes = pd.read_parquet(folders["out"] / "monitor" / "recommend-2026-01-02.parquet")
    assert outcomes["active_users"].iloc[0] > 0
    assert sorted(p.name for p in (folders["out"] / "ledger").glob("run_date=*")) == [
        "run_date=2026-01-01", "run_date=2026-01-02"]


def test_monitor_track_logs_the_figures_with_the_run_date_as_step(nightly, tmp_path):
    import datetime as dt
    import os
    import subprocess
    import sys

    import mlflow

    uri = f"file:{tmp_path / 'mlruns'}"
    env = {**os.environ, "BIZAI_QUIET": "1", "BIZAI_TRACKING_URI": uri}
    subprocess.run([sys.executable, "-m", "bizai.cli.main", "monitor", "forecast", "--ledger", str(nightly["ledger"]),
                    "--actuals", str(nightly["actuals"]), "--track"], check=True, env=env, capture_output=True,
                   timeout=300)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) == 1 and runs.iloc[0]["metrics.wape"] > 0 and "metrics.max_psi" in runs.columns
    history = mlflow.MlflowClient().get_metric_history(runs.iloc[0]["run_id"], "wape")
    assert history[0].step == int(dt.datetime.now(dt.UTC).strftime("%Y%m%d"))
