"""One global LightGBM model over all series, direct multi-horizon (step is a feature, no recursion).

The point forecast and each quantile come from LightGBM quantile objectives on the scaled target. Rows are
weighted by the series' scale so the loss is the error in the caller's units (big entities matter more, as in
WAPE and MAE); pass sample_weighting="equal" to weight every series alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bizai.finance.base import ForecastModel, quantile_label
from bizai.finance.features import default_feature_config, prediction_table, training_table
from bizai.finance.panel import Panel
from bizai.hardware import compute_threads
from bizai.progress import progress
from bizai.schema import SERIES, TIME

DEFAULT_PARAMS = {
    "n_estimators": 400,
    "learning_rate": 0.03,
    "num_leaves": 63,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
}


class LightGBMModel(ForecastModel):
    """One global LightGBM per quantile over every series, direct multi-horizon (see the module docstring)."""
    name = "lightgbm"
    accepted_params = None  # any LightGBM parameter, plus sample_weighting

    def min_history(self, panel: Panel) -> int:
        """Three observed periods: fewer cannot give a lag and a scale."""
        return 3

    def lightgbm_params(self) -> dict:
        """The LightGBM parameters used: defaults, the caller's model_params, and the settings that make fits
        deterministic."""
        params = {**DEFAULT_PARAMS, **{k: v for k, v in self.params.items() if k != "sample_weighting"}}
        seed = self.settings.random_state if self.settings.random_state is not None else 0
        # deterministic + col-wise + a given thread count: same seed, same machine, same trees. Threads follow the
        # CPUs this process may use (BIZAI_THREADS or model_params n_jobs override).
        params.update(seed=seed, deterministic=True, force_col_wise=True, verbose=-1,
                      n_jobs=params.get("n_jobs") or compute_threads())
        return params

    def fit(self, panel: Panel) -> LightGBMModel:
        """Build the training table (every origin x step) and fit one booster per quantile; returns self."""
        import lightgbm as lgb

        horizon = self.settings.horizon
        self.config_ = default_feature_config(panel.season_length, horizon)
        features, target = training_table(panel.frame, panel.columns, horizon, self.config_)
        weighting = self.params.get("sample_weighting", "scale")
        weight = features["scale"].to_numpy() if weighting == "scale" else None
        self.feature_names_ = list(features.columns.drop("scale"))
        levels = sorted({0.5, *self.settings.quantiles})
        self.boosters_ = {}
        for q in progress(levels, "LightGBM quantile models", show=self.settings.show_progress):
            model = lgb.LGBMRegressor(objective="quantile", alpha=q, **self.lightgbm_params())
            model.fit(features[self.feature_names_], target, sample_weight=weight)
            self.boosters_[q] = model
        return self

    def predict(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """Forecast and quantiles for the future grid, in the target's units, quantiles kept in order."""
        features = prediction_table(panel.frame, panel.columns, future, self.config_)
        scale = features["scale"].to_numpy()
        predictions = {q: model.predict(features[self.feature_names_]) * scale for q, model in self.boosters_.items()}
        levels = sorted(predictions)
        stacked = np.sort(np.column_stack([predictions[q] for q in levels]), axis=1)  # no crossing quantiles
        out = future[[SERIES, TIME]].copy()
        out["forecast"] = stacked[:, levels.index(0.5)]
        for q in self.settings.quantiles:
            out[quantile_label(q)] = stacked[:, levels.index(q)]
        return out

    def contributions(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """Per-prediction SHAP contributions of the median model, in the target's units (long format)."""
        features = prediction_table(panel.frame, panel.columns, future, self.config_)
        raw = self.boosters_[0.5].predict(features[self.feature_names_], pred_contrib=True)
        scaled = raw * features["scale"].to_numpy()[:, None]
        wide = pd.DataFrame(scaled, columns=[*self.feature_names_, "baseline"], index=future.index)
        wide[SERIES] = future[SERIES].to_numpy()
        wide[TIME] = future[TIME].to_numpy()
        return wide.melt(id_vars=[SERIES, TIME], var_name="feature", value_name="contribution")

    def feature_importance(self) -> pd.DataFrame:
        """Gain share of each feature in the median booster."""
        gain = self.boosters_[0.5].booster_.feature_importance(importance_type="gain")
        total = gain.sum() or 1.0
        frame = pd.DataFrame({"feature": self.feature_names_, "importance": gain / total})
        return frame.sort_values("importance", ascending=False, ignore_index=True)

    def library_names(self) -> list[str]:
        """Libraries a saved model must be loaded with: lightgbm besides pandas and numpy."""
        return [*super().library_names(), "lightgbm"]
