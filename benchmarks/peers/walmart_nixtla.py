"""The peers for benchmarks/forecast_walmart.py, run in their own environment (statsforecast and mlforecast pin
other versions of our stack): seasonal naive, AutoETS, AutoTheta and mlforecast's LightGBM on the same split.

    PYTHON_WITH_NIXTLA benchmarks/peers/walmart_nixtla.py TRAIN.parquet HORIZON OUT.parquet [--models a,b]

TRAIN has unique_id, ds, y (weekly, Fridays); missing weeks are filled with zero sales. Writes one row per
(model, unique_id, ds): forecast, and the seconds each model took to fit and predict in `seconds`.
"""

import sys
import time

import pandas as pd

source, horizon, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
wanted = sys.argv[5].split(",") if len(sys.argv) > 5 and sys.argv[4] == "--models" else [
    "seasonal_naive", "auto_ets", "auto_theta", "mlforecast_lightgbm"]
train = pd.read_parquet(source)
# Walmart leaves out weeks a department sold nothing; mlforecast refuses gaps, so every peer gets them as zeros.
from utilsforecast.preprocessing import fill_gaps  # noqa: E402

train = fill_gaps(train, freq="W-FRI").fillna({"y": 0.0})
frames = []


def statsforecast_model(name, model):
    from statsforecast import StatsForecast

    started = time.perf_counter()
    out = StatsForecast(models=[model], freq="W-FRI", n_jobs=1).forecast(df=train, h=horizon)
    seconds = time.perf_counter() - started
    value = [c for c in out.columns if c not in ("unique_id", "ds")][0]
    return out.rename(columns={value: "forecast"}).assign(model=name, seconds=seconds)


def mlforecast_lightgbm():
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean

    started = time.perf_counter()
    forecaster = MLForecast(models={"lgb": lgb.LGBMRegressor(random_state=0, verbosity=-1, n_jobs=2)}, freq="W-FRI",
                            lags=[1, 2, 52], lag_transforms={1: [RollingMean(4), RollingMean(13)]},
                            date_features=["week"])
    forecaster.fit(train)
    out = forecaster.predict(horizon)
    seconds = time.perf_counter() - started
    return out.rename(columns={"lgb": "forecast"}).assign(model="mlforecast LightGBM (lags 1, 2, 52, rolling means)",
                                                         seconds=seconds)


for name in wanted:
    if name == "seasonal_naive":
        from statsforecast.models import SeasonalNaive
        frames.append(statsforecast_model("statsforecast SeasonalNaive(52)", SeasonalNaive(season_length=52)))
    elif name == "auto_ets":
        from statsforecast.models import AutoETS
        frames.append(statsforecast_model("statsforecast AutoETS(52)", AutoETS(season_length=52)))
    elif name == "auto_theta":
        from statsforecast.models import AutoTheta
        frames.append(statsforecast_model("statsforecast AutoTheta(52)", AutoTheta(season_length=52)))
    elif name == "mlforecast_lightgbm":
        frames.append(mlforecast_lightgbm())
    else:
        raise SystemExit(f"unknown peer model {name!r}")
pd.concat(frames, ignore_index=True)[["model", "unique_id", "ds", "forecast", "seconds"]].to_parquet(target)
