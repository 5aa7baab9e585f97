"""StatementForecaster: a forecast P&L whose lines and levels add up, with calibrated ranges.

fit: every (level, node, line) series gets a base forecast from one global ProfitForecaster; time-ordered
backtest windows give the base errors (for MinT's covariance) and, after reconciliation, the scores that
calibrate the intervals. predict: base forecasts, reconciled so that every parent is the sum of its children and
every identity holds, plus conformal bands computed for each series from its own level's errors.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from bizai.errors import DataContractError, check_is_fitted
from bizai.extras import require
from bizai.finance.backtest import affordable_windows, naive_scales
from bizai.finance.base import quantile_label
from bizai.finance.conformal import ConformalBands, leave_one_window_out, series_scale
from bizai.finance.forecaster import ProfitForecaster, forecast_origin
from bizai.finance.frequency import pandas_frequency
from bizai.finance.metrics import coverage, mae, mean_mase, wape
from bizai.finance.panel import quiet_panel_reports, trailing_gaps, trailing_periods
from bizai.finance.statement.data import (
    KEY,
    LEVEL_FEATURE,
    LINE_FEATURE,
    TIME,
    VALUE,
    future_frame,
    long_history,
    refuse_mixed_phases,
    statement_columns,
    validated_leaf_table,
    with_leaf_ids,
)
from bizai.finance.statement.reconcile import METHODS, reconcile, require_affordable
from bizai.finance.statement.structure import (
    Hierarchy,
    SeriesIndex,
    StatementLines,
    build_hierarchy,
    build_series_index,
    natural_key,
)
from bizai.frames import FrameKind, TimeTypes, date_columns, from_pandas, to_pandas, with_cutoff
from bizai.hyperparams import Flag, Number, check_argument, check_hyperparameters
from bizai.io import check_output_file
from bizai.persistence import STATEMENT_FAMILY, fingerprint, json_params, library_versions, load_pickled, save_pickled
from bizai.schema import SERIES, shorten, warn_at_caller
from bizai.schema import TIME as PANEL_TIME

log = logging.getLogger(__name__)
FAMILY = STATEMENT_FAMILY
STATE_FILE = "statement.pkl"
PREFERRED_WINDOWS = 4  # calibration windows where the history affords them (see calibration_windows)


@dataclass
class StatementBacktest:
    """`forecasts`: one row per series, cutoff and period with base and reconciled forecasts, calibrated bands
    (leave-one-window-out) and the actual. `metrics`: per level and line (and 'all')."""

    forecasts: Any
    metrics: Any


PARAMETER_RULES = {"horizon": Number(1, integer=True), "interval": Number(0, 1, above=True),
                   "calibration_windows": Number(2, integer=True, optional=True), "show_progress": Flag(optional=True)}


class StatementForecaster(BaseEstimator):
    """Forecast revenue, cost and profit (any lines) for every node of a hierarchy, coherently.

    >>> st = StatementForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0)
    >>> st.fit(pnl, id_col="store_id", time_col="month", lines=["revenue", "cost"],
    ...        identities={"profit": "revenue - cost"}, hierarchy=["region", "store_id"])
    >>> st.predict()  # level, node, month, line, forecast, p10, p50, p90

    Parameters
    ----------
    model: the base model of ProfitForecaster ("lightgbm", "naive", "seasonal_naive", "tft").
    reconcile: "mint_shrink" (default: within 5% of the best method on both the sample P&L and aus_tourism, where
        bottom-up and OLS each came last once; benchmarks/results/statements_methods.md, statements_tourism.md),
        "wls_struct", "ols", "bottom_up" or "none" (base forecasts, not coherent).
    interval: nominal coverage of the band (0.8 gives p10 and p90).
    calibration_windows: time-ordered backtest windows used for MinT's error covariance and the calibration; None
        (default): 4 where the history keeps at least half of itself before the first window, else 3. The band
        widens by how much a window's errors shift as a whole (bizai.finance.conformal), which each window is
        calibrated on the others to measure: three others estimate that shift far better than two (the sample
        company's P10-P90 covered 0.72 of actuals with 3 windows, 0.76 with 4; benchmarks/statements.py).
    """

    def __init__(self, model: str = "lightgbm", horizon: int = 6, freq: str | None = None, reconcile: str = "mint_shrink",
                 interval: float = 0.8, calibration_windows: int | None = None, random_state: int | None = None,
                 model_params: dict[str, Any] | None = None, show_progress: bool | None = None):
        self.model = model
        self.horizon = horizon
        self.freq = freq
        self.reconcile = reconcile
        self.interval = interval
        self.calibration_windows = calibration_windows
        self.random_state = random_state
        self.model_params = model_params
        self.show_progress = show_progress

    # ------------------------------------------------------------------------------------------ fitting
    def _check_parameters(self) -> None:
        """Refuse a bad parameter in the statement's own name, before the line forecasters see it."""
        if self.reconcile not in METHODS:
            raise DataContractError(f"Unknown reconcile {self.reconcile!r}; expected one of {', '.join(METHODS)}.")
        check_hyperparameters(self, PARAMETER_RULES)
        if self.interval == 1:  # a rule's upper end is closed; a band holding everything has no quantiles
            raise DataContractError(f"StatementForecaster: interval must lie strictly between 0 and 1 (e.g. 0.8), "
                                    f"got {self.interval!r}.")

    @property
    def quantiles(self) -> tuple[float, float, float]:
        """The band's quantiles and the median: (0.1, 0.5, 0.9) for interval=0.8."""
        low = round((1 - float(self.interval)) / 2, 6)
        return (low, 0.5, round(1 - low, 6))

    def _base_forecaster(self) -> ProfitForecaster:
        freq = pandas_frequency(self.freq, warn=False) if self.freq is not None else None  # fit warned of a renamed one
        return ProfitForecaster(model=self.model, horizon=self.horizon, freq=freq, quantiles=self.quantiles,
                                random_state=self.random_state, model_params=self.model_params,
                                show_progress=self.show_progress)

    def fit(self, data, id_col: str | Sequence[str], time_col: str, lines: Mapping[str, str] | Sequence[str],
            identities: Mapping[str, str] | None = None, hierarchy: Sequence[str] | None = None,
            known_cols: Sequence[str] | None = None, static_cols: Sequence[str] | None = None,
            ratios: Mapping[str, str] | None = None) -> StatementForecaster:
        """Fit on a leaf-level table (one row per `id_col` and period) of additive `lines`.

        id_col: the leaf id column, or several that name a leaf together (['Store', 'Dept'], where department
        numbers repeat in every store: leaves '1 / 5', at the level 'Store / Dept'). identities: e.g. {"profit":
        "revenue - cost"}. hierarchy: level columns top to bottom ending with the leaf (appended when absent; with
        several id columns, a hierarchy ending with the last of them ends at that leaf); a total is always added.
        ratios: shown in reports, never forecast, e.g. {"margin": "profit / revenue"} (the default when profit and
        revenue exist).
        """
        self._check_parameters()
        started = time.perf_counter()
        frame, kind = to_pandas(data)
        statement_lines = StatementLines.from_arguments(lines, identities, ratios if ratios is not None else
                                                        default_ratios(lines, identities))
        columns = statement_columns(id_col, time_col, statement_lines, hierarchy, known_cols, static_cols)
        frame = with_leaf_ids(frame, columns.id_names, "statement")
        freq = pandas_frequency(self.freq) if self.freq is not None else None
        table = validated_leaf_table(frame, columns, freq)
        refuse_mixed_phases(table, columns, freq)
        self.hierarchy_: Hierarchy = build_hierarchy(table, columns.levels, time_col)
        require_affordable(self.reconcile, len(self.hierarchy_.nodes()) * len(statement_lines.all_lines),
                           len(self.hierarchy_.leaves), len(statement_lines.all_lines))
        self.index_: SeriesIndex = build_series_index(self.hierarchy_, statement_lines)
        self.columns_ = columns
        history = long_history(table, self.hierarchy_, columns)
        history = history.assign(**{LEVEL_FEATURE: history["level"], LINE_FEATURE: history["line"]})
        self.history_ = history
        with quiet_panel_reports():  # gaps are reported once, per leaf, below
            base = self._base_forecaster()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # short or ended series are reported by the calibration fits
                base.fit(history, **self._roles())
            self._calibrate(history, base.panel_.season_length)
        self.base_ = base
        active = forecast_active(base)
        report_leaf_gaps(base, columns.levels[-1], active)
        report_unforecast_nodes(base, self.index_, active)
        self.input_kind_: FrameKind = kind
        self.date_cols_ = {name: typed for name, typed in date_columns(data).items() if name == time_col}
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _roles(self) -> dict:
        cols = self.columns_
        return dict(id_col=KEY, time_col=TIME, target_col=VALUE, known_cols=cols.known_cols,
                    static_cols=[LEVEL_FEATURE, LINE_FEATURE, *cols.static_cols])

    def _calibrate(self, history: pd.DataFrame, season: int) -> None:
        """Backtest the base model, reconcile each window, and learn the bands (and MinT's covariance) from it."""
        self.calibration_windows_ = self.calibration_windows or max(
            3, affordable_windows(history[TIME].nunique(), int(self.horizon), PREFERRED_WINDOWS))
        result = self._base_forecaster().backtest(history, n_windows=self.calibration_windows_, **self._roles())
        windows = pd.DataFrame(result.forecasts)
        windows = windows.merge(self.index_.series[["key", "level", "node", "line"]], left_on=KEY, right_on="key")
        windows["step"] = windows.groupby(["key", "cutoff"])[TIME].rank(method="first").astype(int)
        self.residuals_ = residual_matrix(windows, self.index_)
        parts = []
        for cutoff, rows in windows.groupby("cutoff", sort=True):
            past = history[history[TIME] <= cutoff]
            scale, naive = series_scale(past, KEY, VALUE), naive_scales(past.sort_values([KEY, TIME]), season, KEY, VALUE)
            # MinT's covariance comes from the other windows only, so the window's scores stay out of sample.
            reconciled = self._reconciled(rows, residual_matrix(windows[windows["cutoff"] != cutoff], self.index_))
            parts.append(reconciled.assign(cutoff=cutoff, scale=reconciled["key"].map(scale).fillna(1.0),
                                           naive_scale=reconciled["key"].map(naive)))
        scored = pd.concat(parts, ignore_index=True)
        scored["score"] = (scored["actual"] - scored["forecast"]) / scored["scale"]
        self.calibration_ = scored
        low, _, high = self.quantiles
        self.bands_ = ConformalBands.fit(scored, (low, high))

    def _reconciled(self, base: pd.DataFrame, residuals: np.ndarray | None) -> pd.DataFrame:
        """Reconcile the `forecast` column of one window or the future (rows: key, period, ...): base_forecast
        keeps the model's own value, forecast and p50 become coherent."""
        index = self.index_
        wide = base.pivot_table(index="key", columns=TIME, values="forecast", aggfunc="first")
        rows = index.series["key"].isin(wide.index).to_numpy()
        columns = index.bottom["key"].isin(wide.index).to_numpy()
        summing = index.summing[rows][:, columns]
        keep = np.abs(summing).sum(axis=1) > 0
        keys = index.series.loc[rows, "key"].to_numpy()[keep]
        summing = summing[keep]
        values = wide.loc[keys].to_numpy(dtype=float)
        values = np.where(np.isnan(values), 0.0, values)
        method = self.reconcile
        errors = scales = None
        if method == "mint_shrink":
            positions = np.flatnonzero(rows)[keep]
            errors = residuals[:, positions] if residuals is not None else None
            scales = pd.Series(keys).map(series_scale(self.history_, KEY, VALUE)).fillna(1.0).to_numpy()
            if errors is None or np.isfinite(errors).sum(axis=0).max(initial=0) < 2:
                log.warning("Too few backtest errors for mint_shrink; reconciling with wls_struct instead.")
                method = "wls_struct"
        coherent = reconcile(summing, values, method, errors, scales)
        long = pd.DataFrame(coherent, index=keys, columns=wide.columns).stack().rename("forecast").reset_index()
        long.columns = ["key", TIME, "forecast"]
        base_quantiles = {c: f"base_{c}" for c in base.columns if c.startswith("p") and c[1:].replace(".", "").isdigit()}
        out = base.rename(columns={"forecast": "base_forecast", **base_quantiles}).merge(long, on=["key", TIME], how="inner")
        out["p50"] = out["forecast"]
        return out

    # --------------------------------------------------------------------------------------- predicting
    def predict(self, known_future=None):
        """The forecast statement: level, node, period (under the caller's time column name), line, forecast,
        the band's quantile columns and p50; sorted by level (total first), node, line and period."""
        check_is_fitted(self, "base_")
        future = future_frame(to_pandas(known_future)[0] if known_future is not None else None, self)
        with warnings.catch_warnings(), quiet_panel_reports():  # reported per leaf at fit
            warnings.simplefilter("ignore")
            base = pd.DataFrame(self.base_.predict(known_future=future))
        base = base.merge(self.index_.series[["key", "level", "node", "line"]], left_on=KEY, right_on="key")
        base["step"] = base.groupby("key")[TIME].rank(method="first").astype(int)
        reconciled = self._reconciled(base, self.residuals_)
        scale = series_scale(self.history_, KEY, VALUE)
        low, _, high = self.quantiles
        units = reconciled["key"].map(scale).fillna(1.0).to_numpy()
        banded = self.bands_.apply(reconciled, units, {low: quantile_label(low), high: quantile_label(high)})
        statement = self._ordered(banded).rename(columns={TIME: self.columns_.time_col})
        columns = ["level", "node", self.columns_.time_col, "line", "forecast", quantile_label(low), "p50",
                   quantile_label(high)]
        return from_pandas(statement[columns], self.input_kind_, self._date_cols())

    def _date_cols(self) -> TimeTypes:
        """How the caller's time column was typed (see frames.date_columns)."""
        return getattr(self, "date_cols_", ())

    def _ordered(self, frame: pd.DataFrame) -> pd.DataFrame:
        level_order = {name: i for i, name in enumerate(self.hierarchy_.level_names)}
        line_order = {name: i for i, name in enumerate(self.columns_.lines.all_lines)}
        return frame.assign(_level=frame["level"].map(level_order), _node=frame["node"].map(natural_key),
                            _line=frame["line"].map(line_order)).sort_values(
            ["_level", "_node", "_line", TIME]).drop(columns=["_level", "_node", "_line"]).reset_index(drop=True)

    def history(self):
        """The statement's actuals: level, node, period, line, value (every level and identity line)."""
        check_is_fitted(self, "history_")
        frame = self._ordered(self.history_[["level", "node", TIME, "line", VALUE]])
        return from_pandas(frame.rename(columns={TIME: self.columns_.time_col}), self.input_kind_, self._date_cols())

    # ---------------------------------------------------------------------------------------- backtest
    def backtest(self) -> StatementBacktest:
        """Accuracy of the calibration windows per level and line: MAE, WAPE and band coverage of the base model's
        own quantiles and of the conformal band (each window calibrated on the other windows only)."""
        check_is_fitted(self, "calibration_")
        scored = self.calibration_.copy()
        low, _, high = self.quantiles
        labels = {low: quantile_label(low), high: quantile_label(high)}
        forecasts = leave_one_window_out(scored, (low, high), labels)
        metrics = accuracy_table(forecasts, labels[low], labels[high], self.hierarchy_.level_names)
        out = self._ordered(forecasts).rename(columns={TIME: self.columns_.time_col})
        keep = ["level", "node", "line", "cutoff", self.columns_.time_col, "step", "actual", "base_forecast", "forecast",
                f"base_{labels[low]}", f"base_{labels[high]}", labels[low], labels[high]]
        dates = with_cutoff(self._date_cols(), self.columns_.time_col)
        return StatementBacktest(from_pandas(out[keep], self.input_kind_, dates), from_pandas(metrics, self.input_kind_))

    # -------------------------------------------------------------------------------------- persistence
    def save(self, path: str | Path) -> Path:
        """Save to a model folder (atomically; only ever replacing an earlier statement folder)."""
        check_is_fitted(self, "base_")
        cols = self.columns_
        meta = {"family": FAMILY, "model": self.model, "params": json_params(self),
                "columns": {"id_col": cols.id_col, "id_cols": cols.id_names, "time_col": cols.time_col, "lines": cols.lines.lines,
                            "identities": cols.lines.identities, "hierarchy": cols.levels, "known_cols": cols.known_cols,
                            "static_cols": cols.static_cols},
                "series": len(self.index_.series), "fit_seconds": round(self.fit_seconds_, 3),
                "training_fingerprint": fingerprint(self.history_[[KEY, TIME, VALUE]]),
                "library_versions": library_versions(self.base_.fitted_model_.library_names()),
                "backtest_metrics": pd.DataFrame(self.backtest().metrics).to_dict("records")}

        return save_pickled(path, meta, self, STATE_FILE)

    @classmethod
    def load(cls, path: str | Path) -> StatementForecaster:
        """Load a folder written by `save` (checked like every bizai model folder; load only folders you trust)."""
        model, meta = load_pickled(path, FAMILY, STATE_FILE)
        model.meta_ = meta
        return model

    # ------------------------------------------------------------------------------------------ reports
    def report_tables(self, known_future=None, history_periods: int = 12):
        """What the reports show (bizai.finance.statement.tables.StatementTables): build it once to write both
        reports or to show it elsewhere. known_future as for `predict`."""
        from bizai.finance.statement.tables import statement_tables

        check_is_fitted(self, "base_")
        check_argument("history_periods", history_periods, Number(1, integer=True))
        return statement_tables(self, known_future, history_periods)

    def to_excel(self, path: str | Path, known_future=None, history_periods: int = 12, tables=None) -> Path:
        """Write the statement workbook atomically: a sheet per level, ranges, accuracy, drivers and a chart of the
        company (see bizai.finance.statement.excel). known_future as for `predict`; `tables` from report_tables."""
        from bizai.finance.statement.excel import WORKBOOK_SUFFIXES, write_statement_workbook

        final = check_output_file(path, suffixes=WORKBOOK_SUFFIXES)  # before the tables are built for it
        return write_statement_workbook(tables or self.report_tables(known_future, history_periods), final)

    def to_html(self, path: str | Path, known_future=None, history_periods: int = 12, tables=None) -> Path:
        """Write a single-file HTML report with the same tables and the company chart, atomically."""
        require("altair", "StatementForecaster.to_html")
        require("vl_convert", "StatementForecaster.to_html")
        from bizai.finance.statement.html import HTML_SUFFIXES, write_statement_html

        final = check_output_file(path, suffixes=HTML_SUFFIXES)  # before the tables are built for it
        return write_statement_html(tables or self.report_tables(known_future, history_periods), final)


def forecast_active(base: ProfitForecaster) -> np.ndarray:
    """The base panel's series that are forecast (not ended), without the base model's own warnings: the statement
    reports them in its terms."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return forecast_origin(base.panel_, base.ended_after, report=False)[1]


def report_leaf_gaps(base: ProfitForecaster, leaf_level: str, active: np.ndarray) -> None:
    """One warning naming the leaves (stores) with missing periods, inside their history or after their last row
    (a store forecast across them): their parents' totals lack those values."""
    panel = base.panel_
    trailing = panel.to_caller(trailing_periods(panel, trailing_gaps(panel).loc[active])[[SERIES, PANEL_TIME]])
    parts = [frame for frame in (panel.filled, trailing) if len(frame)]
    if not parts:
        return
    filled = pd.concat(parts, ignore_index=True)
    keys = filled[KEY].str.split("|", n=2, expand=True)
    gaps = filled.assign(level=keys[0], leaf=keys[1])
    gaps = gaps[gaps["level"] == leaf_level].drop_duplicates(["leaf", TIME])
    if len(gaps):
        per_leaf = gaps.groupby("leaf", sort=True)[TIME].agg(["size", "min", "max"])
        labels = [f"{leaf!r} ({pd.Timestamp(first).date()})" if count == 1 else
                  f"{leaf!r} ({count} between {pd.Timestamp(first).date()} and {pd.Timestamp(last).date()})"
                  for leaf, (count, first, last) in per_leaf.iterrows()]  # one label a leaf, not one a period
        log.warning("%d missing period(s) in %d %s(s), counted as 0 in their parents' totals: %s", len(gaps),
                    len(per_leaf), leaf_level, shorten(labels, show=str))


def report_unforecast_nodes(base: ProfitForecaster, index: SeriesIndex, active: np.ndarray) -> None:
    """Warn, in the caller's terms (store 'C', not its series keys), about the nodes the base model does not forecast
    as asked: those that have ended (no forecast: their parents' forecasts are those of the nodes still open) and
    those too short for the model (the naive forecast, their last value)."""
    panel = base.panel_
    key_of = panel.series_ids.set_index(SERIES)[KEY]
    ended = key_of.drop(active)
    if len(ended):
        nodes = index.series.set_index("key").loc[ended.to_numpy(), ["level", "node"]].assign(
            last=panel.last_times().loc[ended.index].to_numpy()).groupby(["level", "node"], sort=False)["last"].max()
        shown = shorten([f"{level} {node!r} (data to {last.date()})" for (level, node), last in nodes.items()], show=str)
        warn_at_caller(f"No forecast for {shown}: no data for longer than the gaps in its own history (closed); the "
                       "levels above are forecast from the nodes still open.")
    if base.fitted_model_ is base.fallback_model_:
        naive, needs = key_of.index, None
    else:
        needs = base.fitted_model_.min_history(panel)
        naive = panel.short_series(needs).difference(ended.index)
    if len(naive):
        nodes = index.series.set_index("key").loc[key_of.loc[naive].to_numpy(), ["level", "node"]].drop_duplicates()
        shown = shorten([f"{level} {node!r}" for level, node in nodes.itertuples(index=False)], show=str)
        needed = f"the {needs} periods of history" if needs else "the periods of history"
        warn_at_caller(f"{shown} {'have' if len(nodes) > 1 else 'has'} fewer than {needed} {base.model_name_} needs: "
                       f"{'their' if len(nodes) > 1 else 'its'} lines get the naive forecast (the last value).")


def default_ratios(lines, identities) -> dict[str, str]:
    """Ratios shown beside the lines: margin = profit / revenue when both exist."""
    names = set(lines) | set(identities or {})
    return {"margin": "profit / revenue"} if {"profit", "revenue"} <= names else {}


def residual_matrix(windows: pd.DataFrame, index: SeriesIndex) -> np.ndarray:
    """Base errors (actual - forecast) as observations (cutoff, period) x every statement series (NaN when absent)."""
    errors = windows.assign(error=windows["actual"] - windows["forecast"]).pivot_table(
        index=["cutoff", TIME], columns="key", values="error", aggfunc="first")
    return errors.reindex(columns=index.series["key"]).to_numpy(dtype=float)


def accuracy_table(forecasts: pd.DataFrame, low: str, high: str, level_order: list[str]) -> pd.DataFrame:
    """MAE, WAPE, coverage of base and calibrated bands per level and line, then per level over lines."""
    rows = []
    scored = forecasts.dropna(subset=["actual"])
    for (level, line), group in scored.groupby(["level", "line"], sort=False):
        rows.append({"level": level, "line": line, "series": group["key"].nunique(),
                     "mae_base": mae(group["actual"], group["base_forecast"]), "mae": mae(group["actual"], group["forecast"]),
                     "wape_base": wape(group["actual"], group["base_forecast"]),
                     "wape": wape(group["actual"], group["forecast"]),
                     "mase": mean_mase(group, ["key", "cutoff"]),
                     "coverage_base": coverage(group["actual"], group[f"base_{low}"], group[f"base_{high}"]),
                     "coverage": coverage(group["actual"], group[low], group[high])})
    table = pd.DataFrame(rows)
    order = {name: i for i, name in enumerate(level_order)}
    return table.sort_values("level", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
