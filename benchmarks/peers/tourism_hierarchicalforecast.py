"""The peer for benchmarks/statements.py, run in its own environment (statsforecast + hierarchicalforecast pin
other versions of our stack): AutoETS base forecasts reconciled by hierarchicalforecast, on the same split.

    PYTHON_WITH_NIXTLA benchmarks/peers/tourism_hierarchicalforecast.py TOURISM.parquet OUT.parquet

Writes one row per (method, unique_id, ds): forecast, with the level of each series in `level`.
"""

import sys

import pandas as pd
from hierarchicalforecast.core import HierarchicalReconciliation
from hierarchicalforecast.methods import BottomUp, MinTrace
from hierarchicalforecast.utils import aggregate
from statsforecast import StatsForecast
from statsforecast.models import AutoETS

source, target = sys.argv[1], sys.argv[2]
data = pd.read_parquet(source)
data["ds"] = pd.to_datetime(data["Quarter"])
data["Country"] = "Australia"
data = data.rename(columns={"Trips": "y"})
spec = [["Country"], ["Country", "State"], ["Country", "State", "Region"], ["Country", "State", "Region", "Purpose"]]
frame, S, tags = aggregate(data[["Country", "State", "Region", "Purpose", "ds", "y"]], spec)
train = frame[frame["ds"] <= "2015-10-01"]
forecaster = StatsForecast(models=[AutoETS(season_length=4, model="ZZA")], freq="QS", n_jobs=1)
base = forecaster.forecast(df=train, h=8, fitted=True)
fitted = forecaster.forecast_fitted_values()
reconcilers = [BottomUp(), MinTrace(method="ols"), MinTrace(method="wls_struct"), MinTrace(method="mint_shrink")]
reconciled = HierarchicalReconciliation(reconcilers=reconcilers).reconcile(Y_hat_df=base, Y_df=fitted, S_df=S, tags=tags)
level_of = {series: level for level, members in tags.items() for series in members}
columns = {c: c.replace("AutoETS/", "").replace("AutoETS", "base") for c in reconciled.columns if c.startswith("AutoETS")}
long = reconciled.rename(columns=columns).melt(id_vars=["unique_id", "ds"], value_vars=list(columns.values()),
                                               var_name="method", value_name="forecast")
long["level"] = long["unique_id"].map(level_of)
long.to_parquet(target)
