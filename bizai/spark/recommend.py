"""Scoring every user (or a users table) with a saved bizai recommender on Spark.

Each partition runs BaseRecommender.recommend_batches, the code the single-machine `bizai recommend score`
runs, on its share of users: results are the same rows and scores.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from bizai.errors import DataContractError
from bizai.schema import shorten
from bizai.spark.session import executor_errors, get_session
from bizai.spark.shipping import open_model, ship_model
from bizai.spark.types import require_id_kind, require_spark_columns, spark_type_of

log = logging.getLogger(__name__)
POSITION = "__bizai_user_position"


def load_recommender(path: str):
    """A saved recommender, loaded once per Python worker."""
    from bizai.recsys import BaseRecommender

    model = BaseRecommender.load(path)
    model.show_progress = False
    return model


def score_users(model: str | os.PathLike, users=None, k: int = 20, filter_seen: bool = True,
                allow_unknown: bool = False, user_col: str | None = None, batch_size: int = 5000,
                partitions: int | None = None, spark=None, ship: bool = True):
    """Top-`k` items for every user of the model (users=None) or for the ids in a Spark DataFrame `users`.

    Returns a lazy Spark DataFrame (user, item, score, rank) under the model's column names. user_col: the
    id column of `users` (default: the model's user column). Unknown users are refused unless allow_unknown
    (then they get the popular items, as on one machine). ship=False reads `model` on the executors directly
    (storage every node mounts).
    """
    spark = spark or get_session()
    recommender = load_recommender(str(model))  # refuses damaged or incompatible folders before any task runs
    data = recommender.data_
    cols = data.columns
    reference = ship_model(spark, Path(model), ship)
    user_type = spark_type_of(data.users.external.dtype)
    schema = (f"`{cols.user_col}` {user_type}, `{cols.item_col}` {spark_type_of(data.items.external.dtype)}, "
              "score double, rank bigint")
    partitions = partitions or spark.sparkContext.defaultParallelism

    if users is None:
        positions = spark.range(0, data.n_users, numPartitions=partitions).withColumnRenamed("id", POSITION)

        def score_positions(batches):
            model_here = open_model(reference, load_recommender)
            external = model_here.data_.users.external
            for batch in batches:
                ids = external[batch[POSITION].to_numpy()]
                yield from model_here.recommend_batches(ids, k=k, filter_seen=filter_seen, batch_size=batch_size)

        return positions.mapInPandas(score_positions, schema)

    column = user_col or cols.user_col
    require_spark_columns(users, [column], "users table")
    require_id_kind(users, column, data.users.kind, "users table")
    requested = users.select(column).repartition(partitions)

    def score_ids(batches):
        model_here = open_model(reference, load_recommender)
        for batch in batches:
            ids = batch[column].to_numpy(dtype=object)
            positions = model_here.data_.users.to_internal(ids, strict=False, what="user")
            if not allow_unknown and (positions < 0).any():
                unknown = pd.Index(ids)[positions < 0]
                raise DataContractError(f"users table column {column!r}: user id(s) unknown to the model, e.g. "
                                        f"{shorten(unknown.tolist())}. Pass allow_unknown=True (--allow-unknown) to "
                                        "give them popular items.")
            yield from model_here.recommend_batches(ids, k=k, filter_seen=filter_seen, batch_size=batch_size)

    return requested.mapInPandas(score_ids, schema)


def collect_scores(frame) -> pd.DataFrame:
    """Run a scoring DataFrame and bring it to the driver as pandas, with executor errors as bizai errors."""
    with executor_errors():
        return frame.toPandas()
