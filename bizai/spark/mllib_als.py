"""ALS trained by Spark MLlib (`ALS(implicitPrefs=True)`), saved as an ordinary bizai recommender folder.

The interactions are weighed and aggregated on Spark; the driver builds the same id maps and BM25-weighted
confidence matrix as ALSRecommender (the folder keeps that matrix to filter seen items, so the driver must hold
it); the alternating least squares iterations, the expensive part, run on the cluster. The result is an
ALSRecommender whose factors came from MLlib: `bizai recommend score`, the dashboard and bizai.spark.score_users
load and use it unchanged.

MLlib's regParam scales the penalty by each user's and item's number of ratings (ALS-WR), implicit's does
not: the same `regularization` is not the same model. benchmarks/spark_scale.py compares them on MovieLens.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Mapping

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.recsys.als import ALSRecommender
from bizai.recsys.dataset import EventColumns, InteractionData
from bizai.spark.session import get_session
from bizai.spark.types import require_spark_columns

WEIGHT = "__bizai_weight"
CHECKPOINT_INTERVAL = 5  # ALS iterations between checkpoints, where a checkpoint folder is set (cut_lineage_locally)


class MLlibALSRecommender(ALSRecommender):
    """ALSRecommender whose factors are learnt by Spark MLlib on the active SparkSession (see the module)."""

    libraries = ("numpy", "scipy", "implicit", "pyspark")

    def _fit(self, data: InteractionData) -> None:
        from implicit.cpu.als import AlternatingLeastSquares
        from pyspark.ml.recommendation import ALS

        spark = get_session()
        cut_lineage_locally(spark)
        self.weighted_ = self._weighted(data.matrix)
        coo = self.weighted_.tocoo()
        positive = coo.data > 0  # a zero weight is no evidence; MLlib would read it as a negative
        ratings = pd.DataFrame({"user": coo.row[positive].astype(np.int32), "item": coo.col[positive].astype(np.int32),
                                "rating": coo.data[positive].astype(np.float32)})
        frame = spark.createDataFrame(ratings)
        als = ALS(rank=self.factors, regParam=self.regularization, alpha=self.alpha, maxIter=self.iterations,
                  checkpointInterval=CHECKPOINT_INTERVAL, implicitPrefs=True, userCol="user", itemCol="item", ratingCol="rating",
                  seed=0 if self.random_state is None else int(self.random_state), coldStartStrategy="drop")
        fitted = als.fit(frame)
        model = AlternatingLeastSquares(factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                                        iterations=self.iterations, random_state=self.random_state)
        model.user_factors = factors_matrix(fitted.userFactors.toPandas(), data.n_users, self.factors)
        model.item_factors = factors_matrix(fitted.itemFactors.toPandas(), data.n_items, self.factors)
        self.model_ = model
        self.used_gpu_ = False


def cut_lineage_locally(spark) -> None:
    """Give a local session without a checkpoint folder a temporary one (removed at exit), so that ALS checkpoints
    its factors every CHECKPOINT_INTERVAL iterations. Without it each iteration lengthens the lineage that every
    task serialises, recursively: 15 iterations overflowed the JVM's stack now and then ('Task serialization
    failed: java.lang.StackOverflowError'). A cluster's checkpoint folder must be on shared storage: its
    owner sets it (spark.sparkContext.setCheckpointDir)."""
    context = spark.sparkContext
    if context.getCheckpointDir() is None and context.master.startswith("local"):
        folder = tempfile.mkdtemp(prefix="bizai-spark-checkpoints-")
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        context.setCheckpointDir(folder)


def factors_matrix(rows: pd.DataFrame, count: int, rank: int) -> np.ndarray:
    """MLlib's (id, features) rows as a dense array by internal position; ids without ratings get zeros."""
    matrix = np.zeros((count, rank), dtype=np.float32)
    if len(rows):
        matrix[rows["id"].to_numpy()] = np.stack(rows["features"].to_numpy()).astype(np.float32)
    return matrix


def weighted_pairs(events, user_col: str, item_col: str, weight_col: str | None, event_col: str | None,
                   event_weights: Mapping[str, float] | None) -> pd.DataFrame:
    """(user, item, summed weight) per pair, computed on Spark and brought to the driver; bad input refused
    with the rules of the single-machine path (null ids, negative/missing weights, event types without weight)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import NumericType

    needed = [c for c in (user_col, item_col, weight_col, event_col) if c]
    require_spark_columns(events, needed, "events")
    nulls = events.filter(F.col(user_col).isNull() | F.col(item_col).isNull()).count()
    if nulls:
        raise DataContractError(f"events: {nulls} row(s) have no {user_col!r} or {item_col!r}; every event needs both.")
    if weight_col:
        if not isinstance(events.schema[weight_col].dataType, NumericType):
            raise DataContractError(f"events column {weight_col!r} is {events.schema[weight_col].dataType.simpleString()}"
                                    "; weights must be numbers >= 0.")
        weight = F.col(weight_col).cast("double")
        bad = events.filter(weight.isNull() | (weight < 0) | F.isnan(weight)).count()
        if bad:
            raise DataContractError(f"events column {weight_col!r}: {bad} row(s) are missing or negative; expected "
                                    "weights >= 0.")
    elif event_col:
        if not event_weights:
            raise DataContractError(f"event_col={event_col!r} needs event_weights, e.g. view=1,cart=3,purchase=5.")
        known = [str(k) for k in event_weights]
        unknown = [r[0] for r in events.select(F.col(event_col).cast("string")).distinct()
                   .filter(~F.col(event_col).isin(known) | F.col(event_col).isNull()).limit(5).collect()]
        if unknown:
            raise DataContractError(f"Event type(s) {unknown} in column {event_col!r} have no weight; event_weights "
                                    f"covers {known}.")
        mapping = F.create_map(*[F.lit(x) for k, v in event_weights.items() for x in (str(k), float(v))])
        weight = mapping[F.col(event_col).cast("string")]
    else:
        weight = F.lit(1.0)
    pairs = events.groupBy(user_col, item_col).agg(F.sum(weight).alias(WEIGHT))
    frame = pairs.toPandas()
    if frame.empty:
        raise DataContractError("events is empty: there is nothing to learn from.")
    return frame


def fit_mllib_als(events, out: str | os.PathLike | None = None, user_col: str = "user_id", item_col: str = "item_id",
                  weight_col: str | None = None, event_col: str | None = None,
                  event_weights: Mapping[str, float] | None = None, spark=None, **params) -> MLlibALSRecommender:
    """Fit ALS with Spark MLlib on the Spark DataFrame `events`; save it to `out` when given. `params` are
    ALSRecommender's (factors, regularization, alpha, iterations, bm25, random_state...). Returns the fitted model."""
    if spark is None:
        get_session()  # started here; MLlibALSRecommender._fit then finds it as the active session
    pairs = weighted_pairs(events, user_col, item_col, weight_col, event_col, event_weights)
    recommender = MLlibALSRecommender(**params)
    recommender.fit(pairs, user_col=user_col, item_col=item_col, weight_col=WEIGHT)
    recommender.data_.columns = EventColumns(user_col, item_col, None, weight_col, event_col)
    recommender.event_weights_ = dict(event_weights) if event_weights else None
    if out is not None:
        recommender.save(out)
    return recommender
