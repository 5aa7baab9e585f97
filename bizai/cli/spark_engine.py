"""`--engine spark` for `recommend fit/score` and `forecast fit/predict`: the same commands with Spark doing the
work (reading and writing Parquet directories). Each function is the Spark body of the command of its name;
the library does the work (bizai.spark)."""

from __future__ import annotations

import warnings
from enum import StrEnum
from pathlib import Path

import typer

from bizai.cli.options import (
    check_model_out,
    record_training_files,
    refuse_output_over_training_files,
    training_files,
)
from bizai.errors import DataContractError
from bizai.persistence import PARTITIONS_FAMILY, RECOMMENDER_FAMILY

ENGINE_HELP = "local (one process) or spark (Parquet in and out; needs bizai[spark] and Java 17+)."
MASTER = typer.Option(None, "--master", help="Spark master for --engine spark (default: local[*]).")
OVERWRITE = typer.Option(False, "--overwrite", help="With --engine spark: replace an existing Parquet output directory.")


class Engine(StrEnum):
    """Where a command runs: this process (local) or a Spark cluster (spark)."""
    local = "local"
    spark = "spark"


ENGINE = typer.Option(Engine.local, "--engine", help=ENGINE_HELP)


def session(master: str | None, show_progress: bool | None):
    """A Spark session for one command, with pyspark's repeated pandas warning silenced."""
    from bizai.spark import get_session

    # pyspark 4.x warns about pandas 3 on every conversion; one command line should not print it dozens of times.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    return get_session(master or "local[*]", show_progress=show_progress is not False)


def check_parquet(path: Path | str | None, option: str) -> None:
    """Refuse, before Spark starts, an input that is missing or not Parquet. CSV is refused: Spark's schema
    inference would turn ids like "007" into 7."""
    if path is None:
        return
    path = Path(path)
    if not path.exists():
        raise DataContractError(f"{option} {str(path)!r} does not exist.")
    if path.is_file() and path.suffix.lower() not in (".parquet", ".pq"):
        raise DataContractError(f"{option} {str(path)!r}: --engine spark reads Parquet (a file or a directory of part "
                                "files); convert CSV to Parquet first so ids keep their type.")


def read_parquet(spark, path: Path | str, option: str):
    """A Parquet file or directory (checked by check_parquet) as a Spark DataFrame."""
    check_parquet(path, option)
    return spark.read.parquet(str(path))


def recommend_fit(data: Path, model: str, columns: dict, random_state: int, out: Path, master, show) -> str:
    """Fit ALS with Spark MLlib and save it as a bizai recommender folder; returns the line to print."""
    from bizai.spark import fit_mllib_als

    if model != "als":
        raise DataContractError(f"--engine spark trains 'als' (Spark MLlib's ALS); {model!r} trains on one machine "
                                "(--engine local).")
    check_model_out(out, RECOMMENDER_FAMILY, [data])
    check_parquet(data, "--data")
    spark = session(master, show)
    events = read_parquet(spark, data, "--data")
    recommender = fit_mllib_als(events, random_state=random_state, show_progress=show, spark=spark,
                                **{k: v for k, v in columns.items() if k != "time_col"})  # ALS ignores event order
    record_training_files(recommender, data)
    recommender.save(out)
    return (f"saved als model trained with Spark MLlib ({recommender.data_.n_users} users, "
            f"{recommender.data_.n_items} items) to {out}")


def recommend_score(model: Path, users: str, k: int, filter_seen: bool, allow_unknown: bool, batch_size: int,
                    out: Path, overwrite: bool, master, show) -> str:
    """Score users with a saved recommender on Spark into a Parquet directory; returns the line to print."""
    from bizai.spark import score_users, write_parquet_directory
    from bizai.spark.output import check_output_directory
    from bizai.spark.session import executor_errors

    check_output_directory(out, overwrite, [model, None if users == "all" else users])
    refuse_output_over_training_files(out, model)
    check_parquet(None if users == "all" else users, "--users")
    spark = session(master, show)
    requested = None if users == "all" else read_parquet(spark, users, "--users")
    user_col = requested.columns[0] if requested is not None else None  # as on one machine: the first column
    frame = score_users(model, requested, k=k, filter_seen=filter_seen, allow_unknown=allow_unknown,
                        user_col=user_col, batch_size=batch_size, spark=spark)
    with executor_errors():
        write_parquet_directory(frame, out, overwrite, [model])
    return f"wrote recommendations to {out} (Parquet directory)"


def forecast_fit(data: Path, partition_col: str | None, roles: dict, params: dict, out: Path, master, show) -> str:
    """Fit forecasters on Spark (one per --partition-col value, or one for all); returns the line to print."""
    from bizai.spark import fit_partitioned
    from bizai.spark.forecast import read_partition_index

    if not partition_col:
        raise DataContractError("--engine spark fits one model per value of --partition-col (e.g. region); name it, "
                                "or fit one model on one machine (--engine local).")
    check_model_out(out, PARTITIONS_FAMILY, [data])
    check_parquet(data, "--data")
    spark = session(master, show)
    frame = read_parquet(spark, data, "--data")
    folder = fit_partitioned(frame, partition_col, out, spark=spark, training_files=training_files(data), **roles,
                             **params)
    count = len(read_partition_index(folder)["folders"])
    return f"saved {count} {params['model']} models, one per {partition_col}, to {folder}"


def forecast_predict(model: Path, data: Path | None, known_future: Path | None, out: Path, overwrite: bool,
                     master, show, fill_known: str | None = None) -> str:
    """Forecast with a saved forecaster (or a partitioned folder) on Spark into a Parquet directory."""
    from bizai.spark import predict_series, write_parquet_directory
    from bizai.spark.output import check_output_directory
    from bizai.spark.session import executor_errors

    if data is None:
        raise DataContractError("--engine spark forecasts from --data: the history table (Parquet) in Spark.")
    check_output_directory(out, overwrite, [model, data, known_future])
    refuse_output_over_training_files(out, model)
    check_parquet(data, "--data")
    check_parquet(known_future, "--known-future")
    spark = session(master, show)
    history = read_parquet(spark, data, "--data")
    future = read_parquet(spark, known_future, "--known-future") if known_future else None
    frame = predict_series(model, history, future, spark=spark, fill_known=fill_known)
    with executor_errors():
        write_parquet_directory(frame, out, overwrite, [model, data, known_future])
    return f"wrote forecasts to {out} (Parquet directory)"
