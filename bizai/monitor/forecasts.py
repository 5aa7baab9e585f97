"""`check_forecasts`: one nightly look at a forecasting job, from its ledger and the actuals that arrived:
live accuracy per model version and horizon step, input drift of the newest data, and the alerts."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

import pandas as pd

from bizai.frames import to_pandas
from bizai.hyperparams import Flag, check_argument
from bizai.monitor.accuracy import (
    accuracy_alerts,
    accuracy_report,
    forecast_periods_test,
    join_actuals,
    latest_version,
)
from bizai.monitor.drift import drift_alerts, input_drift
from bizai.monitor.ledger import ForecastLedger
from bizai.schema import coerce_datetime

log = logging.getLogger(__name__)


@dataclass
class ForecastCheck:
    """accuracy: accuracy_report's table; drift: input_drift's table (None when not asked for); alerts: one line
    per breached threshold (empty: all is well); model_version: the version the alerts judge."""

    accuracy: pd.DataFrame
    drift: pd.DataFrame | None
    model_version: str
    alerts: list[str] = field(default_factory=list)


def newest_rows(actuals: pd.DataFrame, time_col: str, profile_end: str | None) -> pd.DataFrame:
    """The actuals after the end of the data the model's feature profile describes (its fit: later updates extend
    the history, not the reference); all of them when none is newer, or the end is unknown."""
    if profile_end is None:
        return actuals
    newer = coerce_datetime(actuals, time_col, "actuals") > pd.Timestamp(profile_end)
    return actuals[newer] if newer.any() else actuals


def check_forecasts(ledger: str | os.PathLike | ForecastLedger, actuals, group_cols: list[str] | None = None,
                    since: str | None = None, max_wape_increase: float | None = None,
                    min_coverage: float | None = None, drift: bool = True, max_psi: float | None = None,
                    max_missing_increase: float | None = None) -> ForecastCheck:
    """Score the ledger's forecasts (nights on or after `since`) against `actuals` (pandas or polars, the
    columns as at fit) and, with `drift`, compare the newest actuals with the latest model's training data."""
    check_argument("drift", drift, Flag())
    ledger = ledger if isinstance(ledger, ForecastLedger) else ForecastLedger(ledger)
    columns = ledger.columns()
    actuals = to_pandas(actuals)[0]
    records = ledger.models()
    forecasts = ledger.read(since)
    if columns.time_col in actuals:  # parsed once, for the join and the drift rows (join_actuals names a missing one)
        actuals = actuals.assign(**{columns.time_col: coerce_datetime(
            actuals, columns.time_col, "actuals", plausible=forecast_periods_test(forecasts, columns.time_col))})
    joined = join_actuals(forecasts, actuals, columns, group_cols)
    report = accuracy_report(joined, records, group_cols)
    version = latest_version(joined)
    alerts = accuracy_alerts(report, version, max_wape_increase, min_coverage)
    drift_table = None
    record = records[version]
    thresholds = max_psi is not None or max_missing_increase is not None
    if drift and not record.get("feature_profile") and not thresholds:
        log.warning("model %s has no feature profile (saved before bizai recorded one): no drift table", version)
    elif drift or thresholds:
        drift_table = input_drift(record.get("feature_profile") or {},
                                  newest_rows(actuals, columns.time_col,
                                              record.get("feature_profile_end") or record.get("training_end")))
        alerts += drift_alerts(drift_table, max_psi, max_missing_increase)
    return ForecastCheck(report, drift_table, version, alerts)
