"""Live forecast accuracy: the ledger's forecasts joined with the actuals that have arrived, scored per model
version and horizon step (and series group), beside the model's own backtest figures from its meta.json."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.finance.metrics import quantile_columns
from bizai.monitor.ledger import LedgerColumns
from bizai.schema import (
    align_id_kind,
    coerce_datetime,
    coerce_numeric,
    require_columns,
    require_non_empty,
    require_one_id_kind,
    require_unique,
    warn_at_caller,
)
from bizai.spelling import respelled_ids, unknown_ids

ACTUAL = "actual"


class NothingToJudgeYet(DataContractError):
    """Every forecast in the ledger is for a period after the newest actual: not an error, only too early."""


def forecast_periods_test(forecasts: pd.DataFrame, time_col: str):
    """For actuals whose dates read both as day/month and month/day (schema.coerce_datetime): a reading is the
    data's when it meets some of the ledger's forecast periods."""
    periods = pd.DatetimeIndex(forecasts[time_col].unique())
    return lambda dates: bool(pd.DatetimeIndex(dates).isin(periods).any())


def join_actuals(forecasts: pd.DataFrame, actuals: pd.DataFrame, columns: LedgerColumns,
                 group_cols: list[str] | None = None) -> pd.DataFrame:
    """Ledger rows that have an actual, with an `actual` column (and the `group_cols` taken from the actuals).

    Actuals use the training data's columns; rows whose target is empty have not arrived and are left out.
    Refused: missing columns, duplicate (id, time) rows, non-numeric targets, and actuals that match no
    forecast at all (periods or series never forecast).
    """
    group_cols = list(group_cols or [])
    keys = [*columns.id_cols, columns.time_col]
    require_non_empty(actuals, "actuals")
    require_columns(actuals, [*keys, columns.target_col, *group_cols], "actuals")
    frame = actuals[list(dict.fromkeys([*keys, columns.target_col, *group_cols]))].copy()
    frame[columns.time_col] = coerce_datetime(frame, columns.time_col, "actuals",
                                              plausible=forecast_periods_test(forecasts, columns.time_col))
    frame[ACTUAL] = coerce_numeric(frame, columns.target_col, "actuals")
    frame = frame.drop(columns=columns.target_col).dropna(subset=[ACTUAL])
    require_unique(frame, keys, "actuals")
    for col in columns.id_cols:
        reference = require_one_id_kind(forecasts[col], col, "ledger")
        frame[col] = align_id_kind(frame[col].reset_index(drop=True), reference, col, "actuals").to_numpy()
        if reference == "text":
            forecasts = forecasts.assign(**{col: forecasts[col].astype("string")})
            frame[col] = frame[col].astype("string")
    joined = forecasts.merge(frame, on=keys, how="inner")
    if joined.empty and len(frame) and frame[columns.time_col].max() < forecasts[columns.time_col].min():
        raise NothingToJudgeYet(
            f"The actuals end at {pd.Timestamp(frame[columns.time_col].max()).date()}, before the first forecast "
            f"period {pd.Timestamp(forecasts[columns.time_col].min()).date()}: nothing to judge yet.")
    forecast_ids = forecasts[columns.id_cols].drop_duplicates()
    actual_ids = frame[columns.id_cols].drop_duplicates()
    unknown = unknown_ids(actual_ids, forecast_ids, columns.id_cols)
    respelled = respelled_ids(unknown, forecast_ids, columns.id_cols)  # an export that lower-cased or padded ids
    if joined.empty:
        raise DataContractError(
            f"None of the {len(frame)} actual(s) matches a forecast in the ledger: the actuals cover "
            f"{period_range(frame[columns.time_col])} for {len(actual_ids)} series, "
            f"the forecasts {period_range(forecasts[columns.time_col])} for {len(forecast_ids)} series"
            f"{respelled or f', {len(actual_ids) - len(unknown)} of them in both'}. Give actuals of periods that "
            "were forecast (same ids and dates as at fit).")
    if respelled:
        warn_at_caller(f"Actuals of {len(unknown)} series match no forecast and are not judged{respelled}.")
    return joined


def period_range(times: pd.Series) -> str:
    """'first to last date' of `times`, or 'nothing' when empty."""
    return f"{pd.Timestamp(times.min()).date()} to {pd.Timestamp(times.max()).date()}" if len(times) else "nothing"


def score_rows(rows: pd.DataFrame) -> dict[str, float]:
    """n, MAE, WAPE, bias (sum of errors over the sum of |actuals|: + means over-forecast) and the coverage of
    the widest interval present."""
    error = rows["forecast"] - rows[ACTUAL]
    scale = rows[ACTUAL].abs().sum()
    scores = {"n": len(rows), "mae": float(error.abs().mean()),
              "wape": float(error.abs().sum() / scale) if scale else np.nan,
              "bias": float(error.sum() / scale) if scale else np.nan}
    bands = {q: c for q, c in quantile_columns(rows).items() if q != 0.5 and rows[c].notna().any()}
    if len(bands) >= 2:
        low, high = bands[min(bands)], bands[max(bands)]
        scores["coverage"] = float(((rows[ACTUAL] >= rows[low]) & (rows[ACTUAL] <= rows[high])).mean())
        scores["interval"] = f"{low}-{high}"
    else:
        scores["coverage"], scores["interval"] = np.nan, ""
    return scores


def backtest_reference(record: dict[str, Any]) -> dict[str, float]:
    """The model's own WAPE and interval coverage at fit (backtest / calibration), NaN where it had none."""
    metrics = (record.get("backtest_metrics") or [{}])[0]
    coverage = next((v for k, v in metrics.items() if k.startswith("coverage_")), np.nan)
    calibration = record.get("calibration") or {}
    return {"backtest_wape": float(metrics.get("wape", np.nan)),
            "backtest_coverage": float(calibration.get("coverage_after", coverage))}


def accuracy_report(joined: pd.DataFrame, records: dict[str, dict[str, Any]],
                    group_cols: list[str] | None = None) -> pd.DataFrame:
    """Per model version, horizon step (0 = all steps) and group: the live scores, the backtest reference and
    `wape_change` (live WAPE / backtest WAPE - 1)."""
    group_cols = list(group_cols or [])
    rows = []
    for keys, part in joined.groupby(["model_version", *group_cols], sort=False, dropna=False):
        keys = keys if isinstance(keys, tuple) else (keys,)
        version, groups = keys[0], dict(zip(group_cols, keys[1:], strict=True))
        reference = backtest_reference(records.get(version, {}))
        model = (records.get(version) or {}).get("model")
        first_run = part["run_date"].min()
        for step, scored in [(0, part), *part.groupby("step")]:
            rows.append({"model_version": version, "model": model, "first_night": first_run, **groups,
                         "step": int(step), **score_rows(scored), **reference})
    report = pd.DataFrame(rows)
    report["wape_change"] = report["wape"] / report["backtest_wape"] - 1
    return report.sort_values(["first_night", "model_version", *group_cols, "step"], ignore_index=True)


def latest_version(joined: pd.DataFrame) -> str:
    """The model version of the newest night that has actuals: the model alerts are about."""
    return str(joined.sort_values(["run_date", "run_time"])["model_version"].iloc[-1])


def accuracy_alerts(report: pd.DataFrame, version: str, max_wape_increase: float | None = None,
                    min_coverage: float | None = None) -> list[str]:
    """One line per breached threshold, judged on `version`'s figures over all steps and groups pooled."""
    check_threshold(max_wape_increase, "max_wape_increase", 0, None)
    check_threshold(min_coverage, "min_coverage", 0, 1)
    pooled = report[(report["model_version"] == version) & (report["step"] == 0)]
    alerts = []
    for _, row in pooled.iterrows():
        where = f"model {version}" + "".join(f", {c}={row[c]}" for c in report.columns
                                              if c not in KNOWN_COLUMNS)
        if max_wape_increase is not None:
            if np.isnan(row["backtest_wape"]):
                raise DataContractError(
                    f"--max-wape-increase needs the model's backtest WAPE, and {where} has none in its meta.json; "
                    "fit it with --backtest-windows 3 (or drop the threshold).")
            if row["wape_change"] > max_wape_increase:
                alerts.append(f"{where}: WAPE {row['wape']:.1%} over {row['n']} forecasts is "
                              f"{row['wape_change']:+.0%} against its backtest {row['backtest_wape']:.1%} "
                              f"(allowed +{max_wape_increase:.0%})")
        if min_coverage is not None and not np.isnan(row["coverage"]) and row["coverage"] < min_coverage:
            alerts.append(f"{where}: the {row['interval']} interval held {row['coverage']:.0%} of {row['n']} "
                          f"actuals (at least {min_coverage:.0%} expected)")
    return alerts


KNOWN_COLUMNS = {"model_version", "model", "first_night", "step", "n", "mae", "wape", "bias", "coverage", "interval",
                 "backtest_wape", "backtest_coverage", "wape_change"}


def check_threshold(value: float | None, name: str, low: float, high: float | None) -> None:
    """Refuse a threshold outside [low, high] (or not a number), naming it."""
    if value is None:
        return
    if not isinstance(value, int | float) or np.isnan(value) or value < low or (high is not None and value > high):
        expected = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise DataContractError(f"{name} must be a number {expected}, got {value!r}.")

