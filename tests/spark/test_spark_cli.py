"""`--engine spark` through the real `bizai` command: Parquet in, Parquet directories out, usual exit codes,
nothing half-written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bizai.finance import ProfitForecaster
from bizai.recsys import BaseRecommender
from tests.cli.test_cli import bizai
from tests.conftest import make_panel
from tests.recsys.conftest import make_events

SPARK = ["--engine", "spark", "--master", "local[2]", "--quiet"]
COLUMNS = ["--id-col", "store", "--time-col", "month", "--target-col", "profit", "--static-cols", "region"]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("spark-cli")
    history, _ = make_panel(n_series=6, periods=30)
    events = folder / "events"
    events.mkdir()
    make_events(n_users=40, n_items=30).to_parquet(events / "part-0.parquet", index=False)  # a Parquet directory
    history.to_parquet(folder / "pnl.parquet", index=False)
    pd.DataFrame({"user_id": ["u1", "u2"]}).to_parquet(folder / "users.parquet", index=False)
    return {"folder": folder, "events": events, "pnl": folder / "pnl.parquet", "users": folder / "users.parquet"}


def test_recommend_fit_and_score_on_spark(files):
    folder = files["folder"]
    bizai("recommend", "fit", "--data", files["events"], "--event-col", "event", "--event-weights",
          "view=1,cart=3,purchase=5", "--out", folder / "recs", *SPARK)
    model = BaseRecommender.load(folder / "recs")
    assert model.meta_["model"] == "MLlibALSRecommender"
    temp = folder / "temp"
    temp.mkdir()
    bizai("recommend", "score", "--model", folder / "recs", "--users", files["users"], "--k", "3",
          "--out", folder / "scored", *SPARK, env={"TMPDIR": str(temp)})
    assert not list(temp.glob("bizai-ship-*"))  # the model's copy for the executors is gone with the job
    scored = pd.read_parquet(folder / "scored").sort_values(["user_id", "rank"]).reset_index(drop=True)
    local = model.recommend(["u1", "u2"], k=3).sort_values(["user_id", "rank"]).reset_index(drop=True)
    assert scored["item_id"].tolist() == local["item_id"].tolist()
    again = bizai("recommend", "score", "--model", folder / "recs", "--out", folder / "scored", *SPARK, check_code=2)
    assert "already exists; pass --overwrite" in again.stderr
    bizai("recommend", "score", "--model", folder / "recs", "--out", folder / "scored", "--overwrite", *SPARK)
    assert pd.read_parquet(folder / "scored")["user_id"].nunique() == 40
    assert model.meta_["training_files"] == [str(files["events"].resolve())]
    events_before = sorted(p.name for p in files["events"].iterdir())
    over = bizai("recommend", "score", "--model", folder / "recs", "--out", files["events"], "--overwrite", *SPARK,
                 check_code=2)  # a Parquet directory, so --overwrite alone would have replaced the events
    assert "is the data model" in over.stderr and sorted(p.name for p in files["events"].iterdir()) == events_before


def test_forecast_fit_partitioned_and_predict_on_spark(files):
    folder = files["folder"]
    bizai("forecast", "fit", "--data", files["pnl"], *COLUMNS, "--model", "naive", "--horizon", "2",
          "--partition-col", "region", "--out", folder / "parts", *SPARK)
    bizai("forecast", "predict", "--model", folder / "parts", "--data", files["pnl"], "--out", folder / "fc", *SPARK)
    forecasts = pd.read_parquet(folder / "fc")
    copy = folder / "pnl_copy"
    copy.mkdir()
    pd.read_parquet(files["pnl"]).to_parquet(copy / "part-0.parquet")
    bizai("forecast", "fit", "--data", copy, *COLUMNS, "--model", "naive", "--horizon", "2", "--partition-col",
          "region", "--out", folder / "parts_copy", *SPARK)
    over = bizai("forecast", "predict", "--model", folder / "parts_copy", "--data", files["pnl"], "--out", copy,
                 "--overwrite", *SPARK, check_code=2)
    assert "is the data model" in over.stderr and len(pd.read_parquet(copy)) == len(pd.read_parquet(files["pnl"]))
    assert len(forecasts) == 6 * 2 and set(forecasts["region"]) == {"north", "south"}
    history = pd.read_parquet(files["pnl"])
    north = ProfitForecaster(model="naive", horizon=2).fit(history[history["region"] == "north"], id_col="store",
                                                           time_col="month", target_col="profit",
                                                           static_cols=["region"]).predict()
    mine = forecasts[forecasts["region"] == "north"].sort_values(["store", "month"])
    assert mine["forecast"].tolist() == north.sort_values(["store", "month"])["forecast"].tolist()


def test_spark_engine_bad_input_exits_2_and_writes_nothing(files, tmp_path):
    csv = tmp_path / "events.csv"
    make_events(n_users=5).to_csv(csv, index=False)
    cases = [
        (["recommend", "fit", "--data", csv, "--out", tmp_path / "m"], "convert CSV to Parquet"),
        (["recommend", "fit", "--data", files["events"], "--model", "itemknn", "--out", tmp_path / "m"],
         "trains 'als'"),
        (["forecast", "fit", "--data", files["pnl"], *COLUMNS, "--out", tmp_path / "m"], "--partition-col"),
        (["forecast", "fit", "--data", files["pnl"], *COLUMNS, "--partition-col", "zone", "--out", tmp_path / "m"],
         "no column(s) 'zone'"),
    ]
    for args, message in cases:
        result = bizai(*args, *SPARK, check_code=2)
        assert message in result.stderr, result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith("error: "), result.stderr
        assert "Traceback" not in result.stderr and "\tat " not in result.stderr, result.stderr  # no JVM trace
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]


def test_an_engine_that_does_not_exist_is_a_usage_error(files):
    result = bizai("forecast", "predict", "--model", "m", "--out", "o", "--engine", "dask", check_code=2)
    assert "'dask' is not one of 'local', 'spark'" in result.stderr
