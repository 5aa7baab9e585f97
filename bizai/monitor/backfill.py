"""Backfill a forecast ledger from history: what the nightly loop would have recorded had it run at past cutoffs.

Useful to start monitoring with figures on day one (and for the dashboard's demonstration): at each cutoff a copy
of the forecaster is fit on the data up to it (with a small backtest, so the monitor has its reference figures),
saved, and its forecasts of the next `horizon` periods are recorded under the cutoff's date.
"""

from __future__ import annotations

import os
from pathlib import Path

from sklearn.base import clone

from bizai.finance import ProfitForecaster
from bizai.finance.backtest import backtest_cutoffs
from bizai.finance.panel import columns_from_arguments, prepare_panel
from bizai.frames import to_pandas
from bizai.monitor.ledger import ForecastLedger
from bizai.schema import coerce_datetime


def backfill_ledger(forecaster: ProfitForecaster, data, ledger: str | os.PathLike, models: str | os.PathLike,
                    nights: int = 3, backtest_windows: int = 2, **column_roles) -> ForecastLedger:
    """Fit `forecaster`'s settings at `nights` past cutoffs (one horizon apart, the last one horizon before the
    end of `data`), save each model under `models`, and record its forecasts in `ledger`. Returns the ledger."""
    frame, _ = to_pandas(data)
    columns = columns_from_arguments(**{k: column_roles.get(k) for k in (
        "id_col", "time_col", "target_col", "static_cols", "known_cols", "past_cols")})
    panel = prepare_panel(frame, columns, forecaster.freq, forecaster.allow_distant_dates)
    horizon = int(forecaster.horizon)
    times = coerce_datetime(frame, columns.time_col, "history")
    book = ForecastLedger(ledger)
    for cutoff in backtest_cutoffs(panel, horizon, nights, horizon):
        model = clone(forecaster).set_params(backtest_windows=backtest_windows).fit(frame[times <= cutoff],
                                                                                   **column_roles)
        folder = model.save(Path(models) / f"model-{cutoff.date()}")
        after = frame[times > cutoff]
        future = after[[*columns.id_cols, columns.time_col, *columns.known_cols]] if columns.known_cols else None
        book.append(model.predict(known_future=future), folder, cutoff.date())
    return book
