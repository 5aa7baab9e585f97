"""The real `bizai` command in a subprocess: happy paths, exit codes, config precedence, atomic outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bizai.io import write_table_batches
from tests.conftest import make_panel
from tests.recsys.conftest import make_events


def bizai(*args: str, cwd: Path | None = None, check_code: int | None = 0,
          env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "bizai.cli.main", *map(str, args)], capture_output=True, text=True,
                            cwd=cwd, env={**os.environ, "BIZAI_QUIET": "1", **(env or {})}, timeout=300)
    if check_code is not None:
        assert result.returncode == check_code, result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("cli")
    history, future = make_panel(n_series=4, periods=30)
    paths = {"pnl": folder / "pnl.csv", "future": folder / "future.parquet", "events": folder / "events.csv"}
    history.to_csv(paths["pnl"], index=False)
    future.to_parquet(paths["future"], index=False)
    make_events().to_csv(paths["events"], index=False)
    return {**paths, "folder": folder}


FORECAST_COLUMNS = ["--id-col", "store", "--time-col", "month", "--target-col", "profit", "--known-cols", "promo",
                    "--static-cols", "region"]


def test_forecast_fit_predict_backtest(files):
    model = files["folder"] / "models" / "profit"
    bizai("forecast", "fit", "--data", files["pnl"], *FORECAST_COLUMNS, "--model", "naive", "--horizon", "6",
          "--backtest-windows", "2", "--out", model)
    meta = json.loads((model / "meta.json").read_text())
    assert meta["model"] == "naive" and meta["backtest_metrics"][0]["mae"] > 0
    out = files["folder"] / "forecasts.parquet"
    bizai("forecast", "predict", "--model", model, "--known-future", files["future"], "--out", out)
    forecasts = pd.read_parquet(out)
    assert len(forecasts) == 24 and {"forecast", "p10", "p90"} <= set(forecasts.columns)
    backtest = files["folder"] / "backtest.csv"
    result = bizai("forecast", "backtest", "--data", files["pnl"], *FORECAST_COLUMNS, "--model", "seasonal_naive",
                   "--windows", "2", "--out", backtest)
    assert "mae" in result.stdout and pd.read_csv(backtest)["cutoff"].nunique() == 2


def test_wide_sheets_fit_and_predict_as_their_long_tables(files, tmp_path):
    # one column per month, as a finance sheet: the target on one row per store, or target and promo on a row each
    from tests.test_wide import pnl_sheet

    history = pd.read_csv(files["pnl"], parse_dates=["month"])
    sheet = history.assign(month=history["month"].dt.strftime("%b-%y")).pivot(
        index=["store", "region"], columns="month", values="profit")
    sheet[sorted(sheet.columns, key=lambda m: pd.to_datetime(m, format="%b-%y"))].reset_index().to_csv(
        tmp_path / "profit.csv", index=False)
    roles = ["--id-col", "store", "--time-col", "month", "--target-col", "profit", "--static-cols", "region"]
    for data, model in ((tmp_path / "profit.csv", tmp_path / "wide"), (files["pnl"], tmp_path / "long")):
        bizai("forecast", "fit", "--data", data, "--wide", *roles, "--horizon", "3", "--model", "seasonal_naive",
              "--out", model)  # --wide reads a long table as it is
        bizai("forecast", "predict", "--model", model, "--out", model.with_suffix(".csv"))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "wide.csv"), pd.read_csv(tmp_path / "long.csv"))
    # the transposed sheet: a row per month, a column per store
    across = history.pivot(index="month", columns="store", values="profit").reset_index()
    across.to_csv(tmp_path / "across.csv", index=False)
    bizai("forecast", "fit", "--data", tmp_path / "across.csv", "--wide", *roles[:6], "--horizon", "3", "--model",
          "seasonal_naive", "--out", tmp_path / "across")
    bizai("forecast", "predict", "--model", tmp_path / "across", "--out", tmp_path / "across.csv.out.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "across.csv.out.csv"), pd.read_csv(tmp_path / "long.csv"))
    lines = pnl_sheet(history.drop(columns="revenue").rename(columns={"profit": "revenue"}).assign(cost=0.0))
    lines.to_csv(tmp_path / "lines.csv", index=False)
    bizai("forecast", "backtest", "--data", tmp_path / "lines.csv", "--wide", "--id-col", "store", "--time-col",
          "month", "--target-col", "revenue", "--known-cols", "promo", "--horizon", "3", "--windows", "1",
          "--model", "seasonal_naive", "--out", tmp_path / "backtest.csv")
    assert set(pd.read_csv(tmp_path / "backtest.csv")["store"]) == set(history["store"])
    refused = bizai("forecast", "fit", "--data", tmp_path / "profit.csv", "--wide", *roles, "--engine", "spark",
                    "--out", tmp_path / "spark", check_code=2)  # Spark reads data where it lies: refused before
    assert "--wide reads sheets on this machine" in refused.stderr and not (tmp_path / "spark").exists()


def test_predict_refuses_a_known_future_with_holes_unless_told_to_carry(files, tmp_path):
    model = tmp_path / "profit"
    bizai("forecast", "fit", "--data", files["pnl"], *FORECAST_COLUMNS, "--model", "naive", "--horizon", "6",
          "--ended-after", "2", "--out", model)
    holes = tmp_path / "holes.csv"
    pd.read_parquet(files["future"]).drop(index=[2, 7]).to_csv(holes, index=False)
    out = tmp_path / "forecasts.parquet"
    refused = bizai("forecast", "predict", "--model", model, "--known-future", holes, "--out", out, check_code=2)
    assert "no row for 2 (series, date) pair(s)" in refused.stderr and not out.exists()
    carried = bizai("forecast", "predict", "--model", model, "--known-future", holes, "--out", out, "--fill-known",
                    "carry")
    assert "last planned value was carried forward" in carried.stderr and len(pd.read_parquet(out)) == 24
    assert json.loads((model / "meta.json").read_text())["params"]["ended_after"] == 2


def test_recommend_fit_score_evaluate_and_models(files):
    model = files["folder"] / "models" / "recs"
    bizai("recommend", "fit", "--data", files["events"], "--time-col", "timestamp", "--model", "als", "--event-col",
          "event", "--event-weights", "view=1,cart=3,purchase=5", "--out", model)
    out = files["folder"] / "recs.parquet"
    bizai("recommend", "score", "--model", model, "--users", "all", "--k", "5", "--batch-size", "7", "--out", out)
    recs = pd.read_parquet(out)
    assert len(recs) == 60 * 5 and list(recs.columns) == ["user_id", "item_id", "score", "rank"]
    users = files["folder"] / "users.csv"
    pd.DataFrame({"customer": ["u1", "u2"]}).to_csv(users, index=False)
    bizai("recommend", "score", "--model", model, "--users", users, "--k", "3", "--out", out)
    assert set(pd.read_parquet(out)["user_id"]) == {"u1", "u2"}
    result = bizai("recommend", "evaluate", "--data", files["events"], "--time-col", "timestamp", "--model", "itemknn",
                   "--split", "last", "--k", "5,10")
    assert "itemknn" in result.stdout and "popularity" in result.stdout and "ndcg" in result.stdout
    listing = bizai("models", "list", files["folder"] / "models")
    assert "recommender/ALSRecommender" in listing.stdout and "forecaster/" in listing.stdout
    shown = json.loads(bizai("models", "show", model).stdout)
    assert shown["columns"]["user_col"] == "user_id" and "implicit" in shown["library_versions"]


def test_recommend_fit_takes_a_half_life_only_for_models_that_have_one(files, tmp_path):
    model = tmp_path / "ease"
    bizai("recommend", "fit", "--data", files["events"], "--time-col", "timestamp", "--model", "ease",
          "--half-life-days", "30", "--out", model)
    assert json.loads(bizai("models", "show", model).stdout)["params"]["half_life_days"] == 30
    refused = bizai("recommend", "fit", "--data", files["events"], "--time-col", "timestamp", "--model", "als",
                    "--half-life-days", "30", "--out", tmp_path / "als", check_code=2)
    assert "Model 'als' takes no parameter 'half_life_days'" in refused.stderr and not (tmp_path / "als").exists()


def test_config_file_and_flag_precedence(files):
    config = files["folder"] / "job.toml"
    config.write_text(f"""
[forecast.fit]
data = "{files['pnl']}"
id-col = "store"
time_col = "month"
target_col = "profit"
model = "naive"
horizon = 3
out = "{files['folder'] / 'models' / 'from-config'}"
""")
    bizai("--config", config, "forecast", "fit")
    assert json.loads((files["folder"] / "models" / "from-config" / "meta.json").read_text())["params"]["horizon"] == 3
    bizai("--config", config, "forecast", "fit", "--horizon", "2")
    assert json.loads((files["folder"] / "models" / "from-config" / "meta.json").read_text())["params"]["horizon"] == 2


@pytest.mark.parametrize("problem", ["missing_column", "no_file", "wrong_type", "not_a_workbook", "empty_file",
                                     "unknown_users", "unwritable"])
def test_bad_input_exits_2_with_a_message(files, problem, tmp_path):
    args = ["forecast", "fit", "--data", files["pnl"], *FORECAST_COLUMNS, "--model", "naive", "--out", tmp_path / "m"]
    expected = ""
    if problem == "missing_column":
        args[args.index("profit")] = "proft"
        expected = "did you mean 'profit'"
    elif problem == "no_file":
        args[3] = tmp_path / "nope.csv"
        expected = "does not exist"
    elif problem == "wrong_type":  # Excel 97-2003: not read, and the message says how to get on
        (tmp_path / "data.xls").write_bytes(b"\xd0\xcf\x11\xe0")
        args[3] = tmp_path / "data.xls"
        expected = r"Excel 97-2003 workbook: save it as \.xlsx or CSV\); expected \.csv \(or \.tsv, \.txt, .*\), \.xlsx"
    elif problem == "not_a_workbook":  # a CSV renamed .xlsx, or a damaged download
        (tmp_path / "data.xlsx").write_text("store_id,month,profit\n")
        args[3] = tmp_path / "data.xlsx"
        expected = r"data\.xlsx': it is not an Excel workbook"
    elif problem == "empty_file":
        (tmp_path / "empty.csv").write_text("store,month,profit\n")
        args[3] = tmp_path / "empty.csv"
        expected = "no rows"
    elif problem == "unknown_users":
        model = tmp_path / "pop"
        bizai("recommend", "fit", "--data", files["events"], "--model", "popularity", "--out", model)
        (tmp_path / "users.csv").write_text("user_id\nu1\nghost\n")
        args = ["recommend", "score", "--model", model, "--users", tmp_path / "users.csv", "--out", tmp_path / "r.parquet"]
        expected = "'ghost'"
    elif problem == "unwritable":
        if os.geteuid() == 0:
            args[-1] = Path("/proc/bizai-cannot-write/m")
        else:
            locked = tmp_path / "locked"
            locked.mkdir(mode=0o500)
            args[-1] = locked / "m"
        expected = "Output folder .* (cannot be created|is not writable)"
    result = bizai(*args, check_code=2)
    assert pytest.importorskip("re").search(expected, result.stderr), result.stderr


def test_help_of_every_command_has_an_example():
    for command in (["forecast", "fit"], ["forecast", "predict"], ["forecast", "backtest"], ["recommend", "fit"],
                    ["recommend", "score"], ["recommend", "evaluate"], ["models", "list"], ["models", "show"]):
        assert "Example" in bizai(*command, "--help").stdout
    assert "demo" in bizai("--help").stdout


def test_failed_write_leaves_the_old_file_intact(tmp_path):
    target = tmp_path / "out.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(target)

    def batches():
        yield pd.DataFrame({"a": [2, 3]})
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_table_batches(batches(), target)
    assert pd.read_parquet(target)["a"].tolist() == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]


def test_tables_are_written_only_under_the_suffixes_of_their_formats(tmp_path):
    from bizai.errors import UnsafeOutputError
    from bizai.io import write_table

    for name in ("forecasts.json", "forecasts"):
        with pytest.raises(UnsafeOutputError, match=r"must end in \.csv, \.xlsx or \.parquet"):
            write_table(pd.DataFrame({"a": [1]}), tmp_path / name)
        with pytest.raises(UnsafeOutputError, match=r"must end in"):
            write_table_batches(iter([pd.DataFrame({"a": [1]})]), tmp_path / name)
    assert not list(tmp_path.iterdir())


def test_killed_scoring_run_leaves_no_truncated_output(files, tmp_path):
    model = tmp_path / "pop"
    bizai("recommend", "fit", "--data", files["events"], "--model", "popularity", "--out", model)
    out = tmp_path / "recs.parquet"
    pd.DataFrame({"old": [1]}).to_parquet(out)
    process = subprocess.Popen([sys.executable, "-m", "bizai.cli.main", "recommend", "score", "--model", str(model),
                                "--k", "3", "--batch-size", "1", "--out", str(out)], env={**os.environ, "BIZAI_QUIET": "1"})
    deadline = time.time() + 60
    while not list(tmp_path.glob(".recs.parquet.tmp-*")) and time.time() < deadline and process.poll() is None:
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert pd.read_parquet(out).columns.tolist() == ["old"]  # the old file, whole


def test_track_logs_parameters_metrics_and_the_model_folder_to_mlflow(files, tmp_path):
    import mlflow

    uri = f"file:{tmp_path / 'mlruns'}"
    env = {**os.environ, "BIZAI_QUIET": "1", "BIZAI_TRACKING_URI": uri}
    subprocess.run([sys.executable, "-m", "bizai.cli.main", "forecast", "fit", "--data", str(files["pnl"]),
                    *FORECAST_COLUMNS, "--model", "naive", "--backtest-windows", "1", "--track",
                    "--out", str(tmp_path / "m")], check=True, env=env, capture_output=True, timeout=300)
    os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) == 1
    assert runs.iloc[0]["params.model"] == "naive" and runs.iloc[0]["metrics.mae"] > 0
    artifacts = [a.path for a in mlflow.MlflowClient().list_artifacts(runs.iloc[0]["run_id"], "model")]
    assert "model/meta.json" in artifacts


def test_without_track_nothing_is_logged(files, tmp_path):
    bizai("forecast", "fit", "--data", files["pnl"], *FORECAST_COLUMNS, "--model", "naive", "--out", tmp_path / "m",
          cwd=tmp_path)
    assert not (tmp_path / "mlruns").exists()
