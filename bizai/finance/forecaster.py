"""ProfitForecaster: the one public forecasting estimator. It validates, routes to a model, falls back for
short series, backtests, explains, plots and saves; the models themselves live in their own modules."""

from __future__ import annotations

import logging
import numbers
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from bizai.errors import DataContractError, check_is_fitted, check_random_state
from bizai.extras import require
from bizai.finance.backtest import BacktestResult, backtest_cutoffs, summarise
from bizai.finance.base import ForecastModel, ModelSettings
from bizai.finance.baselines import NaiveModel
from bizai.finance.calibration import (
    arrived_scores,
    calibrated,
    calibration_scores,
    coverage_report,
    refreshed_bands,
)
from bizai.finance.conformal import ConformalBands
from bizai.finance.frequency import pandas_frequency
from bizai.finance.metrics import quantile_columns
from bizai.finance.panel import (
    Panel,
    check_horizon_in_range,
    columns_from_arguments,
    extend_trailing_gaps,
    future_calendar,
    horizon_grid,
    longest_gaps,
    prepare_future,
    prepare_panel,
    quiet_panel_reports,
    refuse_respelled_series,
    report_new_gaps,
    report_trailing_gaps,
    require_id_filter,
    rows_with_ids,
    trailing_gaps,
)
from bizai.finance.registry import (
    MODEL_NAMES,
    auto_candidates,
    build_model,
    model_class,
    params_for,
    unknown_to_every_model,
)
from bizai.finance.total import total_forecast, total_scores
from bizai.frames import FrameKind, TimeTypes, date_columns, frame_kind, from_pandas, to_pandas, with_cutoff
from bizai.hyperparams import Flag, Number, check_argument, check_hyperparameters
from bizai.monitor.drift import feature_profile
from bizai.persistence import (
    FORECASTER_FAMILY,
    chained_fingerprint,
    fingerprint,
    folder_version,
    json_params,
    library_versions,
    lineage_entry,
    load_pickled,
    save_pickled,
)
from bizai.progress import progress
from bizai.schema import (
    SERIES,
    TARGET,
    TIME,
    align_id_kind,
    coerce_datetime,
    on_clock,
    require_columns,
    require_non_empty,
    require_one_id_kind,
    require_unique,
    row_labels,
    shorten,
    warn_at_caller,
)

log = logging.getLogger(__name__)
FAMILY = FORECASTER_FAMILY
STATE_FILE = "forecaster.pkl"


# ProfitForecaster's numeric and flag parameters (bizai.hyperparams): backtest_windows 0 is off; ended_after None
# lets each series' own longest gap decide.
PARAMETER_RULES = {"horizon": Number(1, integer=True), "backtest_windows": Number(0, integer=True),
                   "ended_after": Number(0, integer=True, optional=True), "auto_windows": Number(1, integer=True),
                   "allow_distant_dates": Flag(), "show_progress": Flag(optional=True)}


class ProfitForecaster(BaseEstimator):
    """Forecast many series (stores, products, cost centres) at once.

    >>> fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0)
    >>> fc.fit(df, id_col="store_id", time_col="month", target_col="profit", known_cols=["promo_days"])
    >>> fc.predict(known_future=future)  # store_id, month, forecast, p10, p50, p90

    Parameters
    ----------
    model: "naive", "seasonal_naive", "lightgbm", "tft" or "auto" (backtests the affordable candidates and
        keeps the best; see `leaderboard_`).
    horizon: periods to forecast. freq: pandas frequency ('D', 'W-SUN', 'MS', 'QS'...); inferred when None.
    quantiles: levels of the interval columns (p10, p50, p90 for the default).
    model_params: extra parameters for the model (LightGBM or TFT hyper-parameters).
    auto_windows: backtest windows `auto` uses to choose.
    calibration_windows: when 2 or more, fit also backtests that many windows and calibrates the interval columns
        on their errors (conformal, per horizon step); `calibration_` reports coverage before and after.
    backtest_windows: when 1 or more, fit also backtests that many windows and keeps the metrics in
        `backtest_metrics_` (saved in meta.json, where the monitor compares live accuracy with them).
    ended_after: periods a series may be missing at the end of the data and still be forecast (retail series
        skip weeks); None allows the longest gap inside its own history, at least one period. Series missing
        for longer have ended and are not forecast.
    allow_distant_dates: accept dates far from the rest of the data (refused by default: usually a typo).
    show_progress: progress bars; None shows them on a terminal only.
    """

    def __init__(
        self,
        model: str = "lightgbm",
        horizon: int = 6,
        freq: str | None = None,
        quantiles: Sequence[float] = (0.1, 0.5, 0.9),
        random_state: int | None = None,
        model_params: dict[str, Any] | None = None,
        auto_windows: int = 2,
        calibration_windows: int = 0,
        backtest_windows: int = 0,
        ended_after: int | None = None,
        allow_distant_dates: bool = False,
        show_progress: bool | None = None,
    ):
        self.model = model
        self.horizon = horizon
        self.freq = freq
        self.quantiles = quantiles
        self.random_state = random_state
        self.model_params = model_params
        self.auto_windows = auto_windows
        self.calibration_windows = calibration_windows
        self.backtest_windows = backtest_windows
        self.ended_after = ended_after
        self.allow_distant_dates = allow_distant_dates
        self.show_progress = show_progress

    # ----------------------------------------------------------------------------------------- fitting
    def _check_parameters(self) -> None:
        """Refuse a bad parameter before any data is read: PARAMETER_RULES, and what rules cannot say (the model's
        name, quantiles, calibration windows of 0 or at least 2, the frequency, model_params)."""
        if self.model not in MODEL_NAMES:
            raise DataContractError(f"Unknown model {self.model!r}; expected one of {', '.join(MODEL_NAMES)}.")
        if isinstance(self.quantiles, str) or not all(isinstance(q, numbers.Real) and not isinstance(q, bool)
                                                      for q in self.quantiles):
            raise DataContractError(f"quantiles must be a list of numbers such as (0.1, 0.5, 0.9), got {self.quantiles!r}.")
        bad = [q for q in self.quantiles if not 0 < float(q) < 1]
        if bad:
            raise DataContractError(f"quantiles must lie strictly between 0 and 1, got {shorten(bad)}.")
        windows = self.calibration_windows
        if not isinstance(windows, int | np.integer) or windows < 0 or windows == 1:
            raise DataContractError(f"calibration_windows must be 0 (off) or at least 2, got {windows!r}.")
        check_random_state(self)
        if self.freq is not None:
            pandas_frequency(self.freq)  # a word or an unknown name is refused before data is read
        check_hyperparameters(self, PARAMETER_RULES)
        if self.model != "auto":
            build_model(self.model, self._settings(), dict(self.model_params or {}))  # misspelt model_params fail here
        elif unknown := unknown_to_every_model(dict(self.model_params or {})):
            raise DataContractError(f"Unknown model_params for model 'auto': {', '.join(map(repr, unknown))} is a "
                                    "parameter of none of its candidates (LightGBM's and the TFT's names).")

    def _settings(self, point_only: bool = False) -> ModelSettings:
        quantiles = (0.5,) if point_only else tuple(sorted(float(q) for q in self.quantiles))
        return ModelSettings(int(self.horizon), quantiles, self.random_state, self.show_progress)

    def fit(
        self,
        data,
        id_col: str | Sequence[str],
        time_col: str,
        target_col: str,
        static_cols: Sequence[str] | None = None,
        known_cols: Sequence[str] | None = None,
        past_cols: Sequence[str] | None = None,
    ) -> ProfitForecaster:
        """Validate `data` (pandas or polars, long format: one row per id and period) and fit the model."""
        self._check_parameters()
        started = time.perf_counter()
        frame, kind = to_pandas(data)
        columns = columns_from_arguments(id_col, time_col, target_col, static_cols, known_cols, past_cols)
        panel = prepare_panel(frame, columns, self.freq, self.allow_distant_dates)
        check_horizon_in_range(panel, int(self.horizon))
        self.model_name_ = self.model
        self.leaderboard_ = None
        if self.model == "auto":
            self.leaderboard_ = self._leaderboard(panel)
            self.model_name_ = str(self.leaderboard_.iloc[0]["model"])
            log.info("auto chose %s", self.model_name_)
        self.fitted_model_, self.fallback_model_ = self._fit_panel(panel, self.model_name_, self._point_only())
        self.bands_ = self.calibration_ = self.backtest_metrics_ = None
        backtests = {}  # windows -> (forecasts, cutoffs): calibration and metrics share one backtest when they can
        if self.calibration_windows:
            backtests[int(self.calibration_windows)] = self._calibrate(panel)
        if self.backtest_windows:
            windows = int(self.backtest_windows)
            forecasts, cutoffs = backtests.get(windows) or self._backtest_panel(panel, [self.model_name_], windows, None)
            self.backtest_metrics_ = summarise(forecasts, panel, cutoffs)[0].to_dict("records")
        self.panel_ = panel
        self.input_kind_: FrameKind = kind
        self.date_cols_ = date_columns(data)
        self.training_fingerprint_ = fingerprint(frame[columns.all_columns])
        self.feature_profile_ = feature_profile(frame, [columns.target_col, *columns.covariates])
        self.feature_profile_end_ = panel.frame[TIME].max()  # updates extend the history, not the drift reference
        self.training_rows_ = len(frame)
        self.lineage_ = []
        self.training_files_ = None  # the files the CLI read the data from, when it did (bizai.cli.options)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _point_only(self) -> bool:
        """Whether models are trained for the median alone: calibrated bands replace the models' own intervals, so
        a model whose intervals cost a model each (LightGBM's boosters) skips them."""
        return bool(self.calibration_windows) and model_class(self.model_name_).separate_interval_models

    def _fit_panel(self, panel: Panel, name: str, point_only: bool = False) -> tuple[ForecastModel, NaiveModel]:
        settings = self._settings(point_only)
        params = dict(self.model_params or {})
        model = build_model(name, settings, params_for(name, params) if self.model == "auto" else params)
        fallback = NaiveModel(settings).fit(panel)
        short = panel.short_series(model.min_history(panel))
        if len(short) == panel.frame[SERIES].nunique():
            warn_at_caller(f"Every series is shorter than the {model.min_history(panel)} periods {name} needs; "
                           "all forecasts are naive (last value).")
            return fallback, fallback
        if len(short):
            warn_at_caller(f"{len(short)} series have fewer than {model.min_history(panel)} observed periods and get the "
                           f"naive fallback forecast instead of {name}: {shorten(panel.series_labels(short))}.")
        model.fit(panel.subset(~panel.frame[SERIES].isin(short)))
        return model, fallback

    # -------------------------------------------------------------------------------------- predicting
    def predict(self, known_future=None, data=None, fill_known: str | None = None):
        """Forecast `horizon` periods after the data's last date, for every series that has not ended (see
        `ended_after`).

        known_future: rows (ids, time, known covariates) for the horizon; required when known_cols were given.
        data: optional newer history (same columns as at fit) to forecast from without refitting; series
            unseen at fit time are forecast too.
        fill_known: None refuses a known_future with missing rows or values, naming them; "carry" fills them with
            the series' last planned value (its last actual value for the first periods) and warns naming them.
        Returns ids, time, `forecast` and the quantile columns, as pandas or polars like the training data.
        """
        check_is_fitted(self, "fitted_model_")
        kind = frame_kind(data) if data is not None else self.input_kind_
        parts = list(self._forecast_batches(known_future, data, fill_known=fill_known))
        return from_pandas(pd.concat(parts, ignore_index=True), kind, self._date_cols(data))

    def predict_batches(self, known_future=None, data=None, series_per_batch: int = 2000, fill_known: str | None = None):
        """The same forecasts as `predict`, as pandas frames of at most `series_per_batch` series each, so a
        batch job over many thousands of series can write them out as it goes."""
        check_is_fitted(self, "fitted_model_")
        check_argument("series_per_batch", series_per_batch, Number(1, integer=True))
        for batch in self._forecast_batches(known_future, data, series_per_batch, fill_known):
            yield from_pandas(batch, "pandas", self._date_cols(data))

    def _forecast_batches(self, known_future, data, series_per_batch: int = 2000, fill_known: str | None = None):
        """predict_batches' frames with bizai's naive datetimes, before the caller's time types are given back."""
        panel, _ = self._panel_for(data)
        future_frame = to_pandas(known_future)[0] if known_future is not None else None
        panel, active = forecast_origin(panel, self.ended_after)
        future = prepare_future(future_frame, panel, self.horizon, active, fill_known)
        series = future[SERIES].unique()
        for start in range(0, len(series), series_per_batch):
            chunk = future[future[SERIES].isin(series[start:start + series_per_batch])]
            predictions = predict_with(self.fitted_model_, self.fallback_model_, panel, chunk)
            if getattr(self, "bands_", None) is not None:
                predictions = calibrated(predictions, panel, self.bands_)
            yield panel.to_caller(predictions)

    def _date_cols(self, data=None) -> TimeTypes:
        """How the caller's date and time columns were typed: those of `data` when given, else the training data's."""
        return date_columns(data) if data is not None else getattr(self, "date_cols_", ())

    def _panel_for(self, data) -> tuple[Panel, FrameKind]:
        if data is None:
            return self.panel_, self.input_kind_
        frame, kind = to_pandas(data)
        return (prepare_panel(frame, self.panel_.columns, self.panel_.freq, self.allow_distant_dates, what="history"),
                kind)

    def _band_quantiles(self) -> tuple[float, ...]:
        """The interval quantiles conformal bands are learnt for (the median is the point forecast's)."""
        return tuple(q for q in self._settings().quantiles if q != 0.5)

    def _calibrate(self, panel: Panel) -> tuple[pd.DataFrame, list]:
        """Backtest the chosen model on `calibration_windows` windows; learn the conformal bands from its errors.
        Returns the backtest (forecasts, cutoffs)."""
        forecasts, cutoffs = self._backtest_panel(panel, [self.model_name_], int(self.calibration_windows), None,
                                                  self._point_only())
        scores = calibration_scores(forecasts, panel)
        quantiles = self._band_quantiles()
        self.calibration_scores_ = scores  # kept so an update can add the errors of newly arrived periods
        self.bands_ = ConformalBands.fit(scores, quantiles)
        self.calibration_ = coverage_report(scores, quantiles)
        return forecasts, cutoffs

    # -------------------------------------------------------------------------------------- updating
    def update(self, new_data, recalibrate: bool = False) -> ProfitForecaster:
        """Append newer actuals (pandas or polars, the columns as at fit) so `predict` forecasts from the latest
        period without a refit; returns self.

        Rows for periods already held replace them (restated actuals); new series are forecast with the naive
        fallback until a refit. Calibrated intervals are refreshed without a refit: the model forecasts the
        arrived periods from the old end, and those errors join the calibration scores (the newest 12 origins
        are kept); `recalibrate=True` re-learns the bands from fresh backtest windows instead (that refits the
        model `calibration_windows` times). The update is recorded in `lineage_` (saved in meta.json).
        """
        check_is_fitted(self, "fitted_model_")
        check_argument("recalibrate", recalibrate, Flag())
        started = time.perf_counter()
        frame, _ = to_pandas(new_data)
        columns = self.panel_.columns
        require_non_empty(frame, "update")
        require_columns(frame, columns.all_columns, "update")
        new = frame[columns.all_columns].copy()
        new[columns.time_col] = coerce_datetime(  # a month/day order is taken only if it continues the calendar
            new, columns.time_col, "update",
            plausible=future_calendar(self.panel_, self.horizon, new[columns.time_col]))
        end = self.panel_.frame[TIME].max()
        if new[columns.time_col].max() <= end:
            raise DataContractError(
                f"Every row of the update is at or before {end.date()}, the end of the model's history (the update "
                f"ends at {new[columns.time_col].max().date()}): give actuals of the periods after it.")
        history = self.history_frame()
        for col in columns.id_cols:
            new[col] = align_id_kind(new[col], require_one_id_kind(history[col], col, "training"), col, "update")
        keys = [*columns.id_cols, columns.time_col]
        require_unique(new, keys, "update")
        refuse_respelled_series(new, history, columns.id_cols)
        combined = pd.concat([history, new], ignore_index=True)
        restated = int(combined.duplicated(keys, keep="last").sum())
        combined = combined.drop_duplicates(keys, keep="last", ignore_index=True)
        with quiet_panel_reports():  # the history's own gaps were reported at fit: not again every night
            panel = prepare_panel(combined, columns, self.panel_.freq, self.allow_distant_dates)
        report_new_gaps(panel.filled, columns.time_col, end)
        calibration = self._refresh_calibration(panel, recalibrate)
        self.panel_ = panel
        self.training_fingerprint_ = chained_fingerprint(self.training_fingerprint_, new)
        self.training_rows_ += len(new) - restated
        self.lineage_ = lineage_entry(self, started, rows_added=len(new) - restated, rows_restated=restated,
                                      history_end=panel.frame[TIME].max().isoformat(), calibration=calibration)
        log.info("updated the history to %s (%d new rows, %d restated)", panel.frame[TIME].max().date(),
                 len(new) - restated, restated)
        return self

    def _refresh_calibration(self, panel: Panel, recalibrate: bool) -> str | None:
        """'relearnt' (fresh backtest windows), 'refreshed' (the errors of the periods that arrived added to the
        scores, no refit) or None (the intervals are the model's own)."""
        if getattr(self, "bands_", None) is None:
            return None
        if recalibrate:
            self._calibrate(panel)
            return "relearnt"
        stored = getattr(self, "calibration_scores_", None)
        if stored is None:
            log.warning("this model was saved before bizai kept calibration scores: its bands stay as they were "
                        "(update with recalibrate=True, or refit, to renew them)")
            return "kept"
        new = arrived_scores(lambda p, f: predict_with(self.fitted_model_, self.fallback_model_, p, f), self.panel_,
                             panel, int(self.horizon))
        if len(new):
            quantiles = self._band_quantiles()
            self.calibration_scores_, self.bands_ = refreshed_bands(pd.concat([stored, new], ignore_index=True),
                                                                    quantiles)
            self.calibration_ = coverage_report(self.calibration_scores_, quantiles)
        return "refreshed"

    def history_frame(self) -> pd.DataFrame:
        """The observed history in the caller's columns (filled gaps left out), as fit received it."""
        cols = self.panel_.columns
        observed = self.panel_.frame.dropna(subset=[TARGET]).rename(columns={TARGET: cols.target_col})
        return self.panel_.to_caller(observed)[cols.all_columns]

    # ---------------------------------------------------------------------------------------- auto
    def _leaderboard(self, panel: Panel) -> pd.DataFrame:
        """Backtest every affordable candidate on the last `auto_windows` windows; best (lowest MAE) first."""
        forecasts, cutoffs = self._backtest_panel(panel, auto_candidates(), self.auto_windows, None)
        metrics, _ = summarise(forecasts, panel, cutoffs)
        return metrics.sort_values("mae", ignore_index=True)

    # ------------------------------------------------------------------------------------- explaining
    def feature_importance(self):
        """feature, importance (gain share, sums to 1) for lightgbm; variable-selection weights for tft."""
        check_is_fitted(self, "fitted_model_")
        importance = self.fitted_model_.feature_importance()
        if importance is None:
            raise DataContractError(
                f"Model {self.model_name_!r} has no feature importance; use 'lightgbm' or 'tft' for drivers."
            )
        return from_pandas(importance, self.input_kind_)

    def contributions(self, known_future=None, fill_known: str | None = None, ids: dict | None = None):
        """Per-forecast drivers (lightgbm): ids, time, feature, contribution in the target's units.

        For each forecast the contributions plus the `baseline` row add up to the median forecast. ids: only the
        series whose id columns take these values ({"store_id": "S001"}, or a list of values per column): each
        forecast's contributions take milliseconds (SHAP over every tree), minutes for thousands of series.
        """
        check_is_fitted(self, "fitted_model_")
        if not hasattr(self.fitted_model_, "contributions"):
            raise DataContractError(f"Per-forecast contributions need model 'lightgbm', not {self.model_name_!r}.")
        require_id_filter(ids, self.panel_.columns)
        panel, active = forecast_origin(self.panel_, self.ended_after)
        future_frame = to_pandas(known_future)[0] if known_future is not None else None
        future = prepare_future(future_frame, panel, self.horizon, active, fill_known)
        future = future[self.fitted_model_.forecastable(panel, future)]
        if ids:
            chosen = panel.series_ids.loc[rows_with_ids(panel.series_ids, ids), SERIES]
            future = future[future[SERIES].isin(chosen)]
            if future.empty:
                raise DataContractError(f"No series that is forecast matches ids={ids}.")
        return from_pandas(panel.to_caller(self.fitted_model_.contributions(panel, future)), self.input_kind_,
                           self._date_cols())

    # ------------------------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Save to a folder (atomically): the fitted state plus meta.json describing it."""
        check_is_fitted(self, "fitted_model_")
        cols = self.panel_.columns
        meta = {
            "family": FAMILY,
            "model": self.model_name_,
            "params": json_params(self),
            "columns": {"id_col": cols.id_cols, "time_col": cols.time_col, "target_col": cols.target_col,
                        "static_cols": cols.static_cols, "known_cols": cols.known_cols, "past_cols": cols.past_cols},
            "freq": self.panel_.freq,
            "series": len(self.panel_.series_ids),
            "training_rows": self.training_rows_,
            "training_fingerprint": self.training_fingerprint_,
            "training_end": self.panel_.frame[TIME].max().isoformat(),
            "feature_profile": getattr(self, "feature_profile_", None),
            "feature_profile_end": str(getattr(self, "feature_profile_end_", "")) or None,
            "lineage": getattr(self, "lineage_", None),
            "training_files": getattr(self, "training_files_", None),
            "fit_seconds": round(self.fit_seconds_, 3),
            "library_versions": library_versions(self.fitted_model_.library_names()),
            "backtest_metrics": getattr(self, "backtest_metrics_", None),
            "calibration": getattr(self, "calibration_", None),
            "leaderboard": None if self.leaderboard_ is None else self.leaderboard_.to_dict("records"),
        }

        return save_pickled(path, meta, self, STATE_FILE)

    @classmethod
    def load(cls, path: str | Path) -> ProfitForecaster:
        """Load a folder written by `save`; refuse it, saying what differs, when it is incompatible.

        Model folders hold pickled Python objects: load only folders you trust.
        """
        forecaster, meta = load_pickled(path, FAMILY, STATE_FILE)
        forecaster.meta_ = meta
        forecaster.folder_version_ = folder_version(path)
        return forecaster

    def predict_total(self, known_future=None, forecast=None, fill_known: str | None = None):
        """The total over all series per period: its forecast (the sum of the series' forecasts) and a band computed
        for the total from its own backtest errors (bizai.finance.total), never the sum of the series' quantiles.

        Needs a model fitted with calibration_windows >= 2. forecast: the series' forecasts already made (the output
        of `predict`, any subset of its quantile columns) so they are not made again; else `predict` is called with
        `known_future` and `fill_known`. When `forecast` holds only some of the series (one region's stores), the
        total is theirs and so are its band's errors and scale. Returns the time column, forecast and those quantile
        columns.
        """
        check_is_fitted(self, "fitted_model_")
        scores = getattr(self, "calibration_scores_", None)
        if scores is None:
            raise DataContractError("The total's own range is learnt from backtest errors: fit with "
                                    "calibration_windows=2 or more (quantiles of the series do not add up to the "
                                    "total's).")
        if forecast is None:
            forecast = self.predict(known_future=known_future, fill_known=fill_known)
        frame, kind = to_pandas(forecast)
        time_col = self.panel_.columns.time_col
        levels = tuple(q for q in quantile_columns(frame) if q != 0.5)
        predictions = on_clock(frame, time_col).rename(columns={time_col: TIME})
        panel = self.panel_
        id_cols = panel.columns.id_cols
        present = frame[id_cols].drop_duplicates().merge(panel.series_ids, on=id_cols)[SERIES]
        if present.empty:
            raise DataContractError(f"forecast names none of the model's series in {', '.join(id_cols)} (e.g. "
                                    f"{shorten(row_labels(frame[id_cols].drop_duplicates()))}): pass rows of this "
                                    "model's own predict output.")
        if present.nunique() < len(panel.series_ids):
            panel = panel.subset(panel.frame[SERIES].isin(present))
            scores = scores[scores[SERIES].isin(present)]
        total = total_forecast(predictions, panel, total_scores(scores, panel), levels)
        return from_pandas(total.rename(columns={TIME: time_col}), kind, date_columns(forecast))

    # -------------------------------------------------------------------------------------- charts
    def plot(self, id=None, forecast=None, history_periods: int | None = 36, compare: dict | None = None,
             known_future=None):
        """Interactive Altair chart for one series (`id`: a value, or a tuple for several id columns) or, with
        id=None, for the total over all series: history, P50 line and the outer quantile band (the total's own band
        when the model was calibrated, see `predict_total`; else the sum of the series' bands, labelled so).
        forecast: the `predict` output to draw; else it is predicted here (`known_future` as for `predict`).
        compare: {name: forecasts of another model (its `predict` output)}, drawn as further lines."""
        require("altair", "ProfitForecaster.plot")
        from bizai.finance.plots import forecast_chart

        check_is_fitted(self, "fitted_model_")
        check_argument("history_periods", history_periods, Number(1, integer=True, optional=True))
        if forecast is None:
            forecast = self.predict(known_future=known_future)
        time_col = self.panel_.columns.time_col  # the caller's Periods or zoned times, drawn on the history's clock
        forecast = on_clock(to_pandas(forecast)[0], time_col)
        own_band = id is None and getattr(self, "calibration_scores_", None) is not None
        if own_band:
            forecast = self.predict_total(forecast=forecast)
        history = self.panel_.to_caller(self.panel_.frame[[SERIES, TIME, TARGET]]).rename(
            columns={TARGET: self.panel_.columns.target_col})
        others = {name: on_clock(to_pandas(frame)[0], time_col) for name, frame in (compare or {}).items()}
        return forecast_chart(history, forecast, self.panel_.columns, id, history_periods, total_band=own_band,
                              compare=others)

    # --------------------------------------------------------------------------------------- backtests
    def backtest(self, data=None, n_windows: int = 3, step: int | None = None, **column_roles) -> BacktestResult:
        """Rolling-origin backtest: refit on data up to each cutoff and forecast the next `horizon` periods.

        Uses the fitted column roles (or pass id_col=, time_col=, target_col=, ... when not fitted). For
        model="auto" every candidate is backtested. Returns forecasts (ids, cutoff, time, forecast, quantiles,
        actual, model) and metrics per model; the estimator is left as it was (`backtest_windows` records
        metrics at fit).
        """
        self._check_parameters()
        check_argument("n_windows", n_windows, Number(1, integer=True))
        check_argument("step", step, Number(1, integer=True, optional=True))
        if column_roles:
            columns = columns_from_arguments(**{k: column_roles.get(k) for k in (
                "id_col", "time_col", "target_col", "static_cols", "known_cols", "past_cols")})
        else:
            check_is_fitted(self, "panel_")
            columns = self.panel_.columns
        if data is None:
            check_is_fitted(self, "panel_")
            panel, kind = self.panel_, self.input_kind_
        else:
            frame, kind = to_pandas(data)
            panel = prepare_panel(frame, columns, self.freq or getattr(getattr(self, "panel_", None), "freq", None),
                                  self.allow_distant_dates)
        names = auto_candidates() if self.model == "auto" else [self.model]
        forecasts, cutoffs = self._backtest_panel(panel, names, n_windows, step)
        metrics, window_metrics = summarise(forecasts, panel, cutoffs)
        caller = panel.to_caller(forecasts)
        order = [*columns.id_cols, "cutoff", columns.time_col]
        caller = caller[order + [c for c in caller.columns if c not in order]]
        dates = with_cutoff(self._date_cols(data), columns.time_col)
        return BacktestResult(from_pandas(caller, kind, dates), from_pandas(metrics, kind),
                              from_pandas(window_metrics, kind, dates))

    def _backtest_panel(self, panel: Panel, names: list[str], n_windows: int, step: int | None,
                        point_only: bool = False):
        cutoffs = backtest_cutoffs(panel, int(self.horizon), n_windows, step)
        parts = []
        for cutoff in progress(cutoffs, "Backtest windows", show=self.show_progress):
            history = panel.subset(panel.frame[TIME] <= cutoff)
            window = panel.frame[panel.frame[TIME] > cutoff]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # short and ended series were reported once, at fit time
                history, active = forecast_origin(history, self.ended_after, report=False)
                # Known covariates of the window come from the data itself, as they would in production.
                future = horizon_grid(history, int(self.horizon), active).merge(
                    window[[SERIES, TIME, *panel.columns.known_cols]], on=[SERIES, TIME], how="left"
                )
                actual = window[[SERIES, TIME, TARGET]].rename(columns={TARGET: "actual"})
                for name in names:
                    model, fallback = self._fit_panel(history, name, point_only)
                    predicted = predict_with(model, fallback, history, future)
                    predicted = predicted.merge(actual, on=[SERIES, TIME], how="left")
                    parts.append(predicted.assign(cutoff=cutoff, model=name))
        return pd.concat(parts, ignore_index=True), cutoffs


def forecast_origin(panel: Panel, ended_after: int | None, report: bool = True) -> tuple[Panel, np.ndarray]:
    """The panel to forecast from and the series to forecast.

    A series whose last row is before the panel's last date is forecast when the periods it has been missing are
    no more than `ended_after` (None: the longest gap inside its own history, at least one period): those periods
    are added as missing and its forecast starts with everyone else's. Series missing for longer have ended and
    are not forecast (a warning names them). `report=False` (backtest windows) logs the series forecast across their
    gaps at debug level only: the forecast itself reports them, and a statement's windows repeated the note 4-6 times.
    """
    missing = trailing_gaps(panel)
    allowed = (pd.Series(int(ended_after), index=missing.index) if ended_after is not None
               else longest_gaps(panel).reindex(missing.index).clip(lower=1))
    end = panel.frame[TIME].max().date()
    ended = missing.index[missing > allowed]
    if len(ended):
        limit = "their usual gaps" if ended_after is None else f"{ended_after} period(s)"
        warn_at_caller(f"{len(ended)} series have had no data for longer than {limit} before {end} and are not "
                       f"forecast (ended_after sets how long a gap may be): {shorten(panel.series_labels(ended))}.")
    active = missing.index[missing <= allowed].to_numpy()
    extended, added = extend_trailing_gaps(panel, missing.loc[active])
    report_trailing_gaps(added, int(missing.loc[active].gt(0).sum()), end, panel.columns, report)
    return extended, active


def covered_horizon(known_future, panel: Panel, ended_after: int | None = None) -> int:
    """The longest horizon for which `known_future` holds every known covariate of every series that would be
    forecast from `panel` (0 when it covers none): check it before training, not after."""
    frame = to_pandas(known_future)[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ended series and the plan's unknown series are reported when forecasting
        extended, active = forecast_origin(panel, ended_after, report=False)
        covered, longest = 0, int(frame[panel.columns.time_col].nunique())  # at least its dates, in any form
        while covered < longest:  # binary search: prepare_future raises naming what is missing
            trial = (covered + longest + 1) // 2
            try:
                prepare_future(frame, extended, trial, active)
                covered = trial
            except DataContractError:
                longest = trial - 1
    return covered


def predict_with(model: ForecastModel, fallback: NaiveModel, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
    """Forecast `future` with `model`, and with the naive `fallback` for the series it cannot forecast (too short,
    or unseen by a model that needs to have seen them): the one place the fallback is applied."""
    use_fallback = ~model.forecastable(panel, future)
    parts = []
    if (~use_fallback).any():
        keep = panel.frame[SERIES].isin(future.loc[~use_fallback, SERIES].unique())
        parts.append(model.predict(panel.subset(keep), future[~use_fallback]))
    if use_fallback.any():
        parts.append(fallback.predict(panel, future[use_fallback]))
    return pd.concat(parts, ignore_index=True).sort_values([SERIES, TIME], ignore_index=True)
