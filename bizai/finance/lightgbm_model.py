"""One global LightGBM model over all series, direct multi-horizon (step is a feature, no recursion).

The point forecast and each quantile come from LightGBM quantile objectives on the scaled target. Rows are
weighted by the series' scale so the loss is the error in the caller's units (big entities matter more, as in
WAPE and MAE); pass sample_weighting="equal" to weight every series alike. The interval boosters (P10, P90) are
unweighted by default (interval_weighting="equal"): the scale is a feature, so weighting does not change the quantile
they learn, only where the trees spend their splits, and LightGBM's weighted quantile leaves (a sort per leaf) make
a weighted booster twice as slow; see benchmarks/results/lightgbm_levers.md for what it changes.

Cost: the training table has a row per (origin, step), series x periods x horizon in all. Above
`max_training_rows` (model_params, default 250,000; None keeps every row) the rows whose target lies in the last
season are kept first and the rest sampled: on Walmart (2,807 weekly series, 13-week horizon, 4.5 million rows)
250,000 rows forecast as well as 1 million (MAE 1,416 both) at a quarter of the fit time, so fit time stops growing
with history and horizon (see benchmarks/results/forecast_walmart.md). Over the cap the median draws its own rows
in proportion to the series scale and trains unweighted, which learns what the scale weights teach at half the
cost of a weighted quantile booster (see `training_data`).
"""

from __future__ import annotations

import contextlib
import functools

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from bizai.errors import DataContractError
from bizai.finance.base import ForecastModel, quantile_label
from bizai.finance.features import (
    PanelLayout,
    capped_rows,
    default_feature_config,
    id_part_columns,
    prediction_table,
    table_of_rows,
    trailing_scale,
    usable_rows,
    with_id_parts,
)
from bizai.finance.panel import Panel, SeriesColumns
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
# The median (the point forecast) grows larger trees with larger leaves: with features.RECENT_MEAN's comparison,
# stallion's MAE went 232.9 -> 227.1 (mean of five seeds), Walmart's stayed (1,341.6 -> 1,343.7), at more fit time
# (stallion 16 -> 22 s, Walmart 26 -> 40 s); the interval boosters gained nothing from them (Walmart pinball 328.7 ->
# 338.0) and keep DEFAULT_PARAMS. A caller's num_leaves or min_child_samples applies to every booster
# ({"num_leaves": 63, "min_child_samples": 20} is the faster fit of before). See benchmarks/results/forecast_*.md.
MEDIAN_PARAMS = {"num_leaves": 255, "min_child_samples": 50}


DEFAULT_MAX_ROWS = 250_000
# Over this share of repeated rows a draw by scale is not used: many repeats mean a few series dwarf the rest (a
# statement's totals are series: on Walmart's Type > Store > Dept two thirds of the draw were repeats, one row 153
# times, and every level's error grew), and repeats let leaves (min_child_samples counts rows) fit a handful of rows;
# the median then trains weighted on the uniform draw as before. Plain Walmart repeats 0.7% of its draw; the
# synthetic 1,000-series daily panel 19% at 28 days (MAE -0.5%) and 44% at 14 days (MAE +0.3%).
MAX_REPEATED_SHARE = 0.25
OWN_PARAMS = ("sample_weighting", "interval_weighting", "max_training_rows", "id_features")  # bizai's, not LightGBM's
WEIGHTINGS = ("scale", "equal")


def repeated_share(rows_by_step: list[np.ndarray]) -> float:
    """The share of drawn (origin, step) rows that repeat one drawn before (each step's positions sorted)."""
    drawn = sum(len(rows) for rows in rows_by_step)
    distinct = sum(int(np.count_nonzero(np.diff(rows))) + 1 for rows in rows_by_step if len(rows))
    return 1 - distinct / drawn if drawn else 0.0


def core_params(params: dict) -> dict:
    """scikit-learn-style LightGBM parameters as lightgbm.train takes them: the wrapper's own keys dropped (the
    core knows n_estimators, subsample, reg_lambda... as aliases) and the unset ones (None) left out."""
    wrapper_only = {"importance_type", "class_weight", "random_state", "silent"}
    return {key: value for key, value in params.items() if key not in wrapper_only and value is not None}


@functools.cache
def lightgbm_param_names() -> frozenset[str] | None:
    """LightGBM's parameter names and aliases (the scikit-learn ones included: n_estimators, subsample...), read
    once per process (every model built, per backtest window and candidate, checks against them), so a misspelt
    name is refused instead of ignored ({"num_leafs": 10} trained the default trees). LightGBM keeps the list in a
    private helper; should it move, None: any name passes as before."""
    try:
        from lightgbm.basic import _ConfigAliases

        aliases = _ConfigAliases._get_all_param_aliases()
    except (ImportError, AttributeError):
        return None
    return frozenset({*aliases, *(a for names in aliases.values() for a in names)})


@contextlib.contextmanager
def lightgbm_refusals_named(given: dict):
    """LightGBM's refusal of a parameter value (num_leaves=-1, n_estimators="many") as a DataContractError that
    names the caller's model_params, instead of a LightGBMError from its C++ config checks."""
    from lightgbm.basic import LightGBMError

    try:
        yield
    except LightGBMError as exc:
        raise DataContractError(f"LightGBM refused to train: {str(exc).strip().rstrip(' .')}." +
                                (f" Check model_params {given!r}." if given else "")) from exc


def mean_one(weights: np.ndarray) -> np.ndarray:
    """Row weights scaled to average 1. LightGBM weighs reg_lambda and min_sum_hessian_in_leaf against the sum of a
    leaf's weights, so weights in the target's units (series scales) made the trees depend on the units: the same
    profits in millions (weights near 0.01, where reg_lambda=1 dominates) forecast 1.7% apart from the same in units."""
    return weights / weights.mean()


class LightGBMModel(ForecastModel):
    """One global LightGBM per quantile over every series, direct multi-horizon (see the module docstring)."""
    name = "lightgbm"
    accepted_params = None  # see known_params: LightGBM's own names, plus OWN_PARAMS
    separate_interval_models = True

    @classmethod
    def known_params(cls) -> frozenset[str] | None:
        """LightGBM's parameter names and aliases plus bizai's OWN_PARAMS (see lightgbm_param_names)."""
        names = lightgbm_param_names()
        return None if names is None else names | frozenset(OWN_PARAMS)

    def min_history(self, panel: Panel) -> int:
        """Three observed periods: fewer cannot give a lag and a scale."""
        return 3

    def seed(self) -> int:
        """The random state of the fit (0 when none was given, so fits repeat)."""
        return self.settings.random_state if self.settings.random_state is not None else 0

    def max_training_rows(self) -> int | None:
        """The cap on training rows (model_params max_training_rows; None keeps every row)."""
        value = self.params.get("max_training_rows", DEFAULT_MAX_ROWS)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1000):
            raise DataContractError(f"max_training_rows must be None (every row) or an integer of at least 1,000, "
                                    f"got {value!r}.")
        return value

    def weighting(self, name: str, default: str) -> str:
        """The row weighting model_params `name` asks for: "scale" (rows count by their series' size) or "equal"."""
        value = self.params.get(name, default)
        if value not in WEIGHTINGS:
            raise DataContractError(f"{name} must be one of {', '.join(map(repr, WEIGHTINGS))}, got {value!r}.")
        return value

    def id_parts(self, panel: Panel) -> list[str]:
        """The id columns that are features (features.id_part_columns), none when model_params id_features=False."""
        wanted = self.params.get("id_features", True)
        if not isinstance(wanted, bool | np.bool_):
            raise DataContractError(f"id_features must be True or False, got {wanted!r}.")
        return id_part_columns(panel) if wanted else []

    def panel_table(self, panel: Panel) -> tuple[pd.DataFrame, SeriesColumns]:
        """The frame and columns the features are built from: the panel's, plus the id parts chosen at fit time
        (none for models saved before id parts were features)."""
        return with_id_parts(panel, getattr(self, "id_parts_", []))

    def lightgbm_params(self, median: bool = True) -> dict:
        """The LightGBM parameters used: defaults, the caller's model_params, and the settings that make fits
        deterministic. Interval boosters (not the median) take half the trees at twice the learning rate: on Walmart
        their P10-P90 coverage was the same (0.739 vs 0.736) and the fit 30% shorter."""
        params = {**DEFAULT_PARAMS, **(MEDIAN_PARAMS if median else {}),
                  **{k: v for k, v in self.params.items() if k not in OWN_PARAMS}}
        if not median:
            params.update(n_estimators=max(1, int(params["n_estimators"]) // 2),
                          learning_rate=float(params["learning_rate"]) * 2)
        # deterministic + col-wise + a given thread count: same seed, same machine, same trees. Threads follow the
        # CPUs this process may use (BIZAI_THREADS or model_params n_jobs override). No feature pre-filter: the
        # boosters share one Dataset but not one min_child_samples, and LightGBM refuses a smaller one after a
        # Dataset was filtered by a larger.
        params.update(seed=self.seed(), deterministic=True, force_col_wise=True, verbose=-1, feature_pre_filter=False,
                      n_jobs=params.get("n_jobs") or compute_threads())
        return params

    def fit(self, panel: Panel) -> LightGBMModel:
        """Build the training table (origin x step rows) and fit one booster per quantile; returns self."""
        import lightgbm as lgb
        from lightgbm import LGBMRegressor

        self.config_ = default_feature_config(panel.season_length, self.settings.horizon)
        self.id_parts_ = self.id_parts(panel)
        features, target, median_mask = self.training_data(panel)
        self.feature_names_ = list(features.columns.drop("scale"))
        levels = sorted({0.5, *self.settings.quantiles})
        # One Dataset binned once for every quantile (the boosters differ in objective, trees, rows and weights).
        shared = {**LGBMRegressor().get_params(), **self.lightgbm_params()}
        with lightgbm_refusals_named(self.params):
            dataset = lgb.Dataset(features[self.feature_names_], target, params=core_params(shared),
                                  free_raw_data=False).construct()
        scale = features["scale"].to_numpy()
        everything = np.arange(len(features))
        rows = ({True: everything, False: everything} if median_mask is None
                else {True: np.flatnonzero(median_mask), False: np.flatnonzero(~median_mask)})
        subsets = {median: dataset if len(part) == len(features) else dataset.subset(part).construct()
                   for median, part in rows.items() if median or len(levels) > 1}
        # the median's rows drawn in proportion to the scale already count by size: it then trains unweighted
        weighting = {True: "equal" if median_mask is not None else self.weighting("sample_weighting", "scale"),
                     False: self.weighting("interval_weighting", "equal")}
        self.boosters_ = {}
        for q in progress(levels, "LightGBM models", show=self.settings.show_progress):
            median = q == 0.5
            params = core_params({**shared, **self.lightgbm_params(median=median), "objective": "quantile",
                                  "alpha": q})
            subset = subsets[median]
            subset.set_field("weight", mean_one(scale[rows[median]]) if weighting[median] == "scale" else None)
            with lightgbm_refusals_named(self.params):
                self.boosters_[q] = lgb.train(params, subset, num_boost_round=params.pop("n_estimators"))
        return self

    def recent_from(self, panel: Panel) -> pd.Timestamp:
        """Training rows whose target lies after this time are recent (kept first over the row cap): the last
        season, or the last horizon when that is longer."""
        return panel.frame[TIME].max() - max(panel.season_length, self.settings.horizon) * to_offset(panel.freq)

    def training_data(self, panel: Panel) -> tuple[pd.DataFrame, pd.Series, np.ndarray | None]:
        """The features (with the series' `scale`), the scaled target, and a mask of the table's rows that train
        the median booster, the others training the interval boosters (None: every row trains every booster;
        `config_` set).

        Under the row cap every booster trains on every row. Over it, the interval boosters train on the uniform
        draw of training_rows and, when the median is weighted by scale (the default), it trains unweighted on its
        own draw made in proportion to the scale, stacked after the first: LightGBM's weighted quantile leaves sort
        each leaf's rows, which makes a weighted median booster cost twice an unweighted one on as many rows
        (see benchmarks/results/lightgbm_levers.md). A draw that repeats too many rows (MAX_REPEATED_SHARE) is
        dropped and the median trains weighted on the uniform draw."""
        frame, columns = self.panel_table(panel)
        horizon, cap, seed = self.settings.horizon, self.max_training_rows(), self.seed()
        recent_from = self.recent_from(panel)
        layout = PanelLayout.of(frame)
        usable = usable_rows(frame, horizon, layout)
        uniform = capped_rows(frame, usable, cap, recent_from, seed)
        capped = cap is not None and sum(int(mask.sum()) for mask in usable) > cap
        by_scale = None
        if capped and self.weighting("sample_weighting", "scale") == "scale":
            weights = trailing_scale(frame, layout, self.config_.scale_window)
            by_scale = capped_rows(frame, usable, cap, recent_from, seed, weights=weights)
        if by_scale is None or repeated_share(by_scale) > MAX_REPEATED_SHARE:
            return (*table_of_rows(frame, columns, self.config_, uniform, layout), None)
        if set(self.settings.quantiles) <= {0.5}:  # no interval booster needs the uniform draw
            uniform = [rows[:0] for rows in uniform]
        features, target = table_of_rows(frame, columns, self.config_,
                                         [np.concatenate(pair) for pair in zip(uniform, by_scale, strict=True)],
                                         layout)
        median_mask = np.concatenate([np.r_[np.zeros(len(u), bool), np.ones(len(b), bool)]
                                      for u, b in zip(uniform, by_scale, strict=True)])
        return features, target, median_mask

    def booster(self, q: float):
        """The LightGBM Booster of quantile `q` (models saved by earlier bizai versions hold
        scikit-learn regressors)."""
        model = self.boosters_[q]
        return getattr(model, "booster_", model)

    def predict(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """Forecast and quantiles for the future grid, in the target's units, quantiles kept in order."""
        features = prediction_table(*self.panel_table(panel), future, self.config_)
        scale = features["scale"].to_numpy()
        table = features[self.feature_names_]
        threads = self.lightgbm_params()["n_jobs"]
        predictions = {q: self.booster(q).predict(table, num_threads=threads) * scale for q in self.boosters_}
        levels = sorted(predictions)
        stacked = np.sort(np.column_stack([predictions[q] for q in levels]), axis=1)  # no crossing quantiles
        out = future[[SERIES, TIME]].copy()
        out["forecast"] = stacked[:, levels.index(0.5)]
        for q in self.settings.quantiles:
            out[quantile_label(q)] = stacked[:, levels.index(q)]
        return out

    def contributions(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """Per-prediction SHAP contributions of the median model, in the target's units (long format)."""
        features = prediction_table(*self.panel_table(panel), future, self.config_)
        raw = self.booster(0.5).predict(features[self.feature_names_], pred_contrib=True,
                                        num_threads=self.lightgbm_params()["n_jobs"])
        scaled = raw * features["scale"].to_numpy()[:, None]
        wide = pd.DataFrame(scaled, columns=[*self.feature_names_, "baseline"], index=future.index)
        wide[SERIES] = future[SERIES].to_numpy()
        wide[TIME] = future[TIME].to_numpy()
        return wide.melt(id_vars=[SERIES, TIME], var_name="feature", value_name="contribution")

    def feature_importance(self) -> pd.DataFrame:
        """Gain share of each feature in the median booster."""
        gain = self.booster(0.5).feature_importance(importance_type="gain")
        total = gain.sum() or 1.0
        frame = pd.DataFrame({"feature": self.feature_names_, "importance": gain / total})
        return frame.sort_values("importance", ascending=False, ignore_index=True)

    def library_names(self) -> list[str]:
        """Libraries a saved model must be loaded with: lightgbm besides pandas and numpy."""
        return [*super().library_names(), "lightgbm"]
