"""The peer for benchmarks/forecast_scaling.py, run in its own environment: mlforecast's LightGBM on a synthetic
daily panel.

    PYTHON_WITH_MLFORECAST benchmarks/peers/scaling_mlforecast.py TRAIN.parquet HORIZON OUT.parquet

TRAIN has unique_id, ds, y (daily, no gaps). Writes unique_id, ds, forecast and the fit+predict seconds.
"""

import sys
import time

import lightgbm as lgb
import pandas as pd
from mlforecast import MLForecast
from mlforecast.lag_transforms import RollingMean

source, horizon, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
train = pd.read_parquet(source)
started = time.perf_counter()
forecaster = MLForecast(models={"lgb": lgb.LGBMRegressor(random_state=0, verbosity=-1, n_jobs=2)}, freq="D",
                        lags=[1, 7, 14, 28], lag_transforms={1: [RollingMean(7), RollingMean(28)]},
                        date_features=["dayofweek", "month"])
forecaster.fit(train)
out = forecaster.predict(horizon)
seconds = time.perf_counter() - started
out.rename(columns={"lgb": "forecast"}).assign(seconds=seconds).to_parquet(target)
