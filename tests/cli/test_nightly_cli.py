"""`bizai forecast predict --ledger` and `bizai monitor forecast | recommend`: exit 0 when well, 3 on a breach,
2 on bad input with nothing written."""

from __future__ import annotations

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
