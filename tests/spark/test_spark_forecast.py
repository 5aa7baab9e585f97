"""Spark forecasting gives single-machine forecasts: one saved model over series buckets, and one model per
partition fitted by applyInPandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai.errors import DataContractError, UnsafeOutputError
from bizai.finance import ProfitForecaster
from bizai.spark import fit_partitioned, predict_series, write_parquet_directory
from bizai.spark.forecast import read_partition_index
from bizai.spark.session import executor_errors
from tests.conftest import FIT_COLUMNS, make_panel

NO_KNOWN = {k: v for k, v in FIT_COLUMNS.items() if k != "known_cols"}


@pytest.fixture(scope="module")
def data():
    return make_panel(n_series=8, periods=30)


def run(frame) -> pd.DataFrame:
    with executor_errors():
        return frame.toPandas()


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.assign(month=pd.to_datetime(frame["month"]))
    return frame.sort_values(["store", "month"]).reset_index(drop=True)


def test_spark_predict_equals_one_machine(spark, data, tmp_path):
    history, future = data
    model = ProfitForecaster(model="lightgbm", horizon=6, random_state=0).fit(history, **FIT_COLUMNS)
    model.save(tmp_path / "model")
    local = ordered(model.predict(known_future=future))
    remote = ordered(run(predict_series(tmp_path / "model", spark.createDataFrame(history),
                                        spark.createDataFrame(future), buckets=3, spark=spark)))
    assert list(remote.columns) == list(local.columns)
    assert remote["store"].tolist() == local["store"].tolist()
    assert (remote["month"] == local["month"]).all()
    np.testing.assert_allclose(remote[["forecast", "p10", "p50", "p90"]], local[["forecast", "p10", "p50", "p90"]],
                               rtol=1e-9)


def test_spark_predict_keeps_date_columns_as_dates(spark, data, tmp_path):
    history, _ = data
    model = ProfitForecaster(model="seasonal_naive", horizon=2).fit(history, **NO_KNOWN)
    model.save(tmp_path / "model")
    dated = spark.createDataFrame(history.assign(month=history["month"].dt.date))
    result = predict_series(tmp_path / "model", dated, spark=spark)
    assert result.schema["month"].dataType.simpleString() == "date"
    assert len(run(result)) == 2 * history["store"].nunique()


def test_known_covariates_need_the_known_future(spark, data, tmp_path):
    history, _ = data
    ProfitForecaster(model="naive", horizon=2).fit(history, **FIT_COLUMNS).save(tmp_path / "model")
    with pytest.raises(DataContractError, match="known_future"):
        predict_series(tmp_path / "model", spark.createDataFrame(history), spark=spark)
    with pytest.raises(DataContractError, match="history has no column.*'revenue'"):
        predict_series(tmp_path / "model", spark.createDataFrame(history.drop(columns="revenue")), spark=spark)
    with pytest.raises(DataContractError, match=r"'revenue' \(did you mean 'revenu'\?\)"):
        predict_series(tmp_path / "model", spark.createDataFrame(history.rename(columns={"revenue": "revenu"})),
                       spark=spark)


def test_partitioned_fit_equals_one_model_per_partition(spark, data, tmp_path):
    history, _ = data
    params = dict(model="lightgbm", horizon=3, random_state=0)
    folder = fit_partitioned(spark.createDataFrame(history), "region", tmp_path / "parts", spark=spark,
                             **NO_KNOWN, **params)
    index = read_partition_index(folder)
    assert sorted(index["folders"]) == ["north", "south"]
    remote = run(predict_series(folder, spark.createDataFrame(history), spark=spark))
    assert list(remote.columns[:3]) == ["region", "store", "month"]
    for region, rows in history.groupby("region"):
        local = ordered(ProfitForecaster(**params).fit(rows, **NO_KNOWN).predict())
        mine = ordered(remote[remote["region"] == region].drop(columns="region"))
        assert mine["store"].tolist() == local["store"].tolist()
        np.testing.assert_allclose(mine["forecast"], local["forecast"], rtol=1e-9)


def test_partition_key_with_nulls_and_unknown_partitions(spark, data, tmp_path):
    history, _ = data
    holes = history.astype({"region": object}).copy()
    holes.loc[[0, 5], "region"] = None
    with pytest.raises(DataContractError, match="2 row.*null in 'region'"):
        fit_partitioned(spark.createDataFrame(holes), "region", tmp_path / "parts", spark=spark, model="naive",
                        **NO_KNOWN)
    assert not (tmp_path / "parts").exists()
    folder = fit_partitioned(spark.createDataFrame(history[history["region"] == "north"]), "region",
                             tmp_path / "parts", spark=spark, model="naive", horizon=2, **NO_KNOWN)
    with pytest.raises(DataContractError, match="region='south' has no model"):
        run(predict_series(folder, spark.createDataFrame(history), spark=spark))
    with pytest.raises(DataContractError, match=r"history has no column\(s\) 'profit'"):  # in the driver, at once
        predict_series(folder, spark.createDataFrame(history.drop(columns="profit")), spark=spark)


def test_a_failing_partition_leaves_no_folder(spark, data, tmp_path):
    history, _ = data
    broken = history.astype({"profit": str})
    broken.loc[broken["region"] == "south", "profit"] = "oops"
    with pytest.raises(DataContractError, match="profit"):
        fit_partitioned(spark.createDataFrame(broken), "region", tmp_path / "parts", spark=spark, model="naive",
                        **NO_KNOWN)
    assert list(tmp_path.iterdir()) == []


def test_parquet_directories_are_committed_whole_and_never_over_user_folders(spark, tmp_path):
    frame = spark.range(10)
    out = write_parquet_directory(frame, tmp_path / "out")
    assert len(pd.read_parquet(out)) == 10
    with pytest.raises(UnsafeOutputError, match="already exists; pass --overwrite"):
        write_parquet_directory(frame, out)
    write_parquet_directory(spark.range(3), out, overwrite=True)
    assert len(pd.read_parquet(out)) == 3
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(UnsafeOutputError, match="not Parquet output"):
        write_parquet_directory(frame, mine, overwrite=True)
    assert (mine / "notes.txt").read_text() == "keep me"
    with pytest.raises(UnsafeOutputError, match=r"names a \.xlsx file, but Spark writes a Parquet directory"):
        write_parquet_directory(frame, tmp_path / "forecasts.xlsx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "out"]
