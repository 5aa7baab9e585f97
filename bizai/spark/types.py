"""Spark column types for bizai's outputs, and the id-kind check between a Spark column and a fitted model."""

from __future__ import annotations

import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import did_you_mean


def spark_type_of(dtype) -> str:
    """The Spark SQL type name that holds values of a pandas/numpy dtype."""
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean"
    if pd.api.types.is_integer_dtype(dtype):
        return "bigint"
    if pd.api.types.is_float_dtype(dtype):
        return "double"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "timestamp_ntz"
    return "string"


def id_kind(spark_type) -> str:
    """'number' or 'text', as IdMap.kind says of a model's ids."""
    from pyspark.sql.types import NumericType

    return "number" if isinstance(spark_type, NumericType) else "text"


def require_spark_columns(frame, names, what: str) -> None:
    """Refuse a Spark frame that lacks any of `names`, listing the columns it has."""
    missing = [name for name in names if name not in frame.columns]
    if missing:
        hints = ", ".join(f"{name!r}{did_you_mean(name, frame.columns)}" for name in missing)
        raise DataContractError(f"{what} has no column(s) {hints}; it has {frame.columns}.")


def require_id_kind(frame, column: str, expected: str, what: str) -> None:
    """Spark tables carry declared types: ids of another kind than at fit are a schema mistake, refused."""
    field = frame.schema[column]
    if id_kind(field.dataType) != expected:
        kind, cast = ("numbers", "bigint") if expected == "number" else ("text", "string")
        raise DataContractError(f"{what} column {column!r} is {field.dataType.simpleString()}, but the model's ids are "
                                f"{kind}; cast it, e.g. col({column!r}).cast({cast!r}).")
