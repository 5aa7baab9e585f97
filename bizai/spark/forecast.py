"""Forecasting many series on Spark with the ordinary ProfitForecaster.

predict_series: a saved forecaster predicts every series of a Spark history table. Series are hashed into
buckets; each bucket (history and known future co-grouped) is one ProfitForecaster.predict call, the code one
machine runs, so forecasts are the same numbers.

fit_partitioned: "many models": one ProfitForecaster per value of a partition column (region, category),
each fitted by groupBy(...).applyInPandas on the rows of its value and saved as an ordinary model folder
inside one partitioned folder with an index. predict_series predicts with such a folder too, each partition
with its own model. The folder is written where every executor can write (local mode, a mount such as /dbfs,
NFS) and is committed whole.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

import pandas as pd

from bizai.errors import DataContractError, IncompatibleModelError
from bizai.finance.base import quantile_label
from bizai.persistence import PARTITIONS_FAMILY, library_versions, read_meta, save_folder
from bizai.spark.session import executor_errors, get_session
from bizai.spark.shipping import open_model, ship_model
from bizai.spark.types import require_spark_columns

log = logging.getLogger(__name__)
INDEX_FILE = "partitions.json"
BUCKET = "__bizai_bucket"


def partition_folder(value: Any) -> str:
    """A file-system-safe, unique folder name for a partition value ("North East" -> part-North_East-1a2b3c4d)."""
    text = str(value)
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:40].strip("._") or "value"
    return f"part-{slug}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


def load_forecaster(path: str):
    """A saved forecaster, loaded once per Python worker."""
    from bizai.finance import ProfitForecaster

    forecaster = ProfitForecaster.load(path)
    forecaster.show_progress = False
    return forecaster


def read_partition_index(path: str | os.PathLike) -> dict[str, Any]:
    """The index of a partitioned forecaster folder: partition column, and value -> model folder."""
    meta = read_meta(path)
    if meta.get("family") != PARTITIONS_FAMILY:
        raise IncompatibleModelError(f"{str(path)!r} is a {meta.get('family')!r} model, not partitioned forecasters.")
    return json.loads((Path(path) / INDEX_FILE).read_text())


def refuse_null_keys(frame, columns: list[str], what: str) -> None:
    """Refuse rows with a null in any of `columns`, naming them."""
    from pyspark.sql import functions as F

    condition = None
    for name in columns:
        condition = F.col(name).isNull() if condition is None else condition | F.col(name).isNull()
    nulls = frame.filter(condition).count()
    if nulls:
        raise DataContractError(f"{what}: {nulls} row(s) have a null in {', '.join(map(repr, columns))}; every row "
                                "needs a value there (filter or fill them first).")


def time_is_date(history, time_col: str) -> bool:
    """Whether the time column is a date (not a timestamp), so the output keeps its type."""
    from pyspark.sql.types import DateType

    return isinstance(history.schema[time_col].dataType, DateType)


def output_schema(history, columns: dict[str, Any], quantiles, leading: list[str] = ()) -> str:
    """Spark schema of forecasts: [partition column,] id columns as in `history`, time (a date when history's is
    one; timestamps keep their kind), forecast and quantiles."""
    from pyspark.sql.types import TimestampType

    parts = [f"`{name}` {history.schema[name].dataType.simpleString()}" for name in [*leading, *columns["id_col"]]]
    time_type = history.schema[columns["time_col"]].dataType
    shown = "date" if time_is_date(history, columns["time_col"]) else "timestamp" if isinstance(
        time_type, TimestampType) else "timestamp_ntz"
    parts.append(f"`{columns['time_col']}` {shown}")
    parts += ["forecast double", *[f"{quantile_label(q)} double" for q in sorted(float(q) for q in quantiles)]]
    return ", ".join(parts)


def shaped(frame: pd.DataFrame, schema_time_is_date: bool, time_col: str) -> pd.DataFrame:
    """Forecasts in the types the Spark schema declares."""
    if schema_time_is_date:
        frame[time_col] = pd.to_datetime(frame[time_col]).dt.date
    return frame


def model_columns(columns: dict) -> list[str]:
    """Every column a saved forecaster reads, from its meta.json's `columns`."""
    return [*columns["id_col"], columns["time_col"], columns["target_col"], *columns["static_cols"],
            *columns["known_cols"], *columns["past_cols"]]


def predict_series(model: str | os.PathLike, history, known_future=None, buckets: int | None = None,
                   spark=None, ship: bool = True, fill_known: str | None = None):
    """Forecasts for every series in the Spark DataFrame `history`, with a saved forecaster folder (or a
    partitioned one from fit_partitioned). Returns a lazy Spark DataFrame: [partition column,] ids, time,
    forecast and quantile columns. known_future: the known covariates for the horizon, when the model has any;
    fill_known as for ProfitForecaster.predict."""
    spark = spark or get_session()
    meta = read_meta(model)
    if meta.get("family") == PARTITIONS_FAMILY:
        return predict_partitioned(model, history, known_future, spark, ship)
    columns = meta["columns"]
    require_spark_columns(history, model_columns(columns), "history")
    refuse_null_keys(history, columns["id_col"], "history")
    reference = ship_model(spark, Path(model), ship)
    schema = output_schema(history, columns, meta["params"]["quantiles"])
    is_date = time_is_date(history, columns["time_col"])
    buckets = buckets or spark.sparkContext.defaultParallelism * 2
    from pyspark.sql import functions as F

    bucket = F.pmod(F.hash(*[F.col(c) for c in columns["id_col"]]), F.lit(buckets))
    grouped = history.withColumn(BUCKET, bucket).groupBy(BUCKET)

    def forecast(data: pd.DataFrame, future: pd.DataFrame | None) -> pd.DataFrame:
        forecaster = open_model(reference, load_forecaster)
        result = forecaster.predict(known_future=future, data=data.drop(columns=BUCKET), fill_known=fill_known)
        return shaped(result, is_date, columns["time_col"])

    if known_future is None:
        if columns["known_cols"]:
            raise DataContractError(f"The model uses known covariates {columns['known_cols']}: pass known_future "
                                    "(--known-future) with their values for the horizon.")
        return grouped.applyInPandas(lambda data: forecast(data, None), schema)
    require_spark_columns(known_future, [*columns["id_col"], columns["time_col"], *columns["known_cols"]],
                          "known_future")
    future = known_future.withColumn(BUCKET, bucket).groupBy(BUCKET)

    def forecast_with_future(data: pd.DataFrame, future_rows: pd.DataFrame) -> pd.DataFrame:
        if data.empty:  # a bucket with future rows only: series unknown to the history table
            return pd.DataFrame({name: [] for name in [*columns["id_col"], columns["time_col"]]})
        return forecast(data, future_rows.drop(columns=BUCKET))

    return grouped.cogroup(future).applyInPandas(forecast_with_future, schema)


def predict_partitioned(model, history, known_future, spark, ship: bool):
    """Forecast with a partitioned model folder: each partition's rows go to its own model."""
    index = read_partition_index(model)
    key = index["partition_col"]
    require_spark_columns(history, [key], "history")
    refuse_null_keys(history, [key], "history")
    if known_future is not None:
        raise DataContractError("Partitioned forecasters predict from history only; known_future is not supported "
                                "yet (fit without known_cols, or predict each partition's folder).")
    first = Path(model) / next(iter(index["folders"].values()))
    first_meta = read_meta(first)
    columns = first_meta["columns"]
    require_spark_columns(history, model_columns(columns), "history")  # here, not as an executor's error
    schema = output_schema(history, columns, first_meta["params"]["quantiles"], leading=[key])
    is_date = time_is_date(history, columns["time_col"])
    reference = ship_model(spark, Path(model), ship)
    folders = index["folders"]

    def forecast(data: pd.DataFrame) -> pd.DataFrame:
        value = data[key].iloc[0]
        name = folders.get(str(value))
        if name is None:
            raise DataContractError(f"history: {key}={value!r} has no model in this partitioned folder (it has "
                                    f"{len(folders)} partitions: {', '.join(list(folders)[:5])}).")
        forecaster = open_model(reference, load_forecaster, part=name)
        model_columns = forecaster.panel_.columns.all_columns
        result = forecaster.predict(data=data[[c for c in data.columns if c in model_columns]])
        if key in result.columns:
            result = result.drop(columns=key)
        result.insert(0, key, value)
        return shaped(result, is_date, columns["time_col"])

    return history.groupBy(key).applyInPandas(forecast, schema)


def fit_partitioned(data, partition_col: str, out: str | os.PathLike, id_col, time_col: str, target_col: str,
                    static_cols=None, known_cols=None, past_cols=None, spark=None, training_files=None,
                    **forecaster_params) -> Path:
    """Fit one ProfitForecaster(**forecaster_params) per value of `partition_col` on Spark and save them all in
    the folder `out` (an index plus one ordinary model folder per value). Returns `out`. `training_files`: the
    paths `data` was read from, kept in meta.json so that outputs refuse to overwrite them (the CLI gives them)."""
    from bizai.finance import ProfitForecaster

    spark = spark or get_session()
    roles = dict(id_col=[id_col] if isinstance(id_col, str) else list(id_col), time_col=time_col,
                 target_col=target_col, static_cols=list(static_cols or []), known_cols=list(known_cols or []),
                 past_cols=list(past_cols or []))
    needed = [partition_col, *roles["id_col"], time_col, target_col, *roles["static_cols"], *roles["known_cols"],
              *roles["past_cols"]]
    require_spark_columns(data, needed, "data")
    refuse_null_keys(data, [partition_col], "data")
    ProfitForecaster(**forecaster_params)._check_parameters()  # bad parameters fail here, not in every task
    started = time.perf_counter()
    params = dict(forecaster_params, show_progress=False)
    model_columns = list(dict.fromkeys(needed[1:]))  # the partition column stays only where it plays a role

    def write(folder: Path) -> None:
        target = str(folder)

        def fit_one(rows: pd.DataFrame) -> pd.DataFrame:
            value = rows[partition_col].iloc[0]
            frame = rows[model_columns]
            began = time.perf_counter()
            forecaster = ProfitForecaster(**params).fit(frame, **roles)
            name = partition_folder(value)
            forecaster.save(Path(target) / name)
            return pd.DataFrame({"value": [str(value)], "folder": [name], "model": [forecaster.model_name_],
                                 "series": [len(forecaster.panel_.series_ids)], "rows": [len(frame)],
                                 "fit_seconds": [time.perf_counter() - began]})

        schema = "value string, folder string, model string, series bigint, rows bigint, fit_seconds double"
        with executor_errors():
            summary = data.select(*dict.fromkeys(needed)).groupBy(partition_col).applyInPandas(fit_one, schema).toPandas()
        summary = summary.sort_values("value").reset_index(drop=True)
        index = {"partition_col": partition_col, "folders": dict(zip(summary["value"], summary["folder"], strict=True)),
                 "summary": summary.to_dict("records")}
        (folder / INDEX_FILE).write_text(json.dumps(index, indent=2, default=str))

    meta = {"family": PARTITIONS_FAMILY, "model": "ProfitForecaster", "params": params,
            "columns": roles, "partition_col": partition_col, "library_versions": library_versions(["pandas"]),
            "training_files": training_files}
    folder = save_folder(out, meta, write)
    log.info("fitted %s partitions in %.1f s", partition_col, time.perf_counter() - started)
    return folder
