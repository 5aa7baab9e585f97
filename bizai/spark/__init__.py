"""bizai on Apache Spark (the `spark` extra): the same model folders, API habits and numbers as on one machine.

    score_users(model, users=None, k=20)       recommendations for every user, through mapInPandas
    predict_series(model, history)             forecasts with a saved ProfitForecaster, series by series
    fit_partitioned(data, partition_col, ...)  one ProfitForecaster per partition value (applyInPandas)
    fit_mllib_als(events, out, ...)            Spark MLlib's implicit ALS, saved as an ordinary ALS folder
    write_parquet_directory(frame, path)       Parquet output committed whole

Every function takes and returns Spark DataFrames and uses the active SparkSession (or `spark=`).
"""

from bizai.spark.forecast import fit_partitioned, predict_series
from bizai.spark.mllib_als import fit_mllib_als
from bizai.spark.output import write_parquet_directory
from bizai.spark.recommend import score_users
from bizai.spark.session import get_session

__all__ = ["fit_mllib_als", "fit_partitioned", "get_session", "predict_series", "score_users", "write_parquet_directory"]
