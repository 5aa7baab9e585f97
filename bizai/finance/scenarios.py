"""What-if: forecast again with planned values changed (more promotion days, a price cut) and compare with the
plan as it is. Only known covariates can change: they are the inputs the model reads for the forecast period."""

from __future__ import annotations

import pandas as pd

from bizai.errors import DataContractError, check_is_fitted
from bizai.finance.panel import require_id_filter, rows_with_ids
from bizai.frames import date_columns, from_pandas, to_pandas


def what_if(forecaster, known_future, changes: dict[str, float], ids: dict | None = None, plan=None):
    """Forecasts with and without `changes` ({known column: amount added}), for the series matching `ids`
    ({id column: value, or a list of values}; None changes every series): ids, time, forecast_plan,
    forecast_what_if, change.
    plan: the forecasts already made from `known_future` as it is (`predict`'s output), so they are not made again."""
    check_is_fitted(forecaster, "fitted_model_")
    columns = forecaster.panel_.columns
    unknown = [col for col in changes if col not in columns.known_cols]
    if unknown:
        raise DataContractError(f"Only planned (known) columns can change in a what-if; {unknown} are not among "
                                f"them: {columns.known_cols or 'none'}.")
    future, kind = to_pandas(known_future)
    changed = future.copy()
    require_id_filter(ids, columns)
    rows = rows_with_ids(changed, ids)
    if ids and not rows.any():
        raise DataContractError(f"No rows of the known future match {ids}.")
    for col, amount in changes.items():
        if not pd.api.types.is_numeric_dtype(changed[col]):
            raise DataContractError(f"Column {col!r} is not numeric: a what-if adds an amount to it.")
        changed.loc[rows, col] = changed.loc[rows, col] + amount
    keys = [*columns.id_cols, columns.time_col]
    plan = to_pandas(forecaster.predict(known_future=future) if plan is None else plan)[0][[*keys, "forecast"]]
    scenario = to_pandas(forecaster.predict(known_future=changed))[0][[*keys, "forecast"]]
    out = plan.merge(scenario, on=keys, suffixes=("_plan", "_what_if"))
    out = out[rows_with_ids(out, ids)].reset_index(drop=True)
    out["change"] = out["forecast_what_if"] - out["forecast_plan"]
    return from_pandas(out, kind, date_columns(known_future))

