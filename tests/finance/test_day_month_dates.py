"""Text dates that read both as day/month and as month/day (monthly dates on the 1st, as a UK or US spreadsheet
writes them): each frame is read in the one order that puts its dates on the model's calendar, with a warning."""

from __future__ import annotations

import pandas as pd
import pytest

from bizai.finance import ProfitForecaster, StatementForecaster
from bizai.monitor import join_actuals
from bizai.monitor.ledger import LedgerColumns
from tests.conftest import FIT_COLUMNS, make_panel
from tests.finance.test_statement import FIT as STATEMENT_FIT
from tests.finance.test_statement import REGION_OF, make_pnl

READ_AS_DAY_FIRST = r"read as %d/%m/%Y, the only order"


def day_first(frame: pd.DataFrame, column: str = "month") -> pd.DataFrame:
    return frame.assign(**{column: pd.to_datetime(frame[column]).dt.strftime("%d/%m/%Y")})


def test_an_update_of_one_month_reads_in_the_order_that_continues_the_calendar():
    history, _ = make_panel(n_series=3, periods=30)
    cutoff = history["month"].max()
    old, new = history[history["month"] < cutoff], history[history["month"] == cutoff]
    columns = {**FIT_COLUMNS, "known_cols": [], "past_cols": []}
    expected = ProfitForecaster(model="seasonal_naive", horizon=3).fit(old, **columns).update(new).predict()
    model = ProfitForecaster(model="seasonal_naive", horizon=3).fit(old, **columns)
    assert day_first(new)["month"].iloc[0] == "01/06/2023"  # 6 January or 1 June: only June follows May
    with pytest.warns(UserWarning, match=rf"update frame .*{READ_AS_DAY_FIRST}"):
        got = model.update(day_first(new)).predict()
    pd.testing.assert_frame_equal(got, expected)


def test_a_plan_for_longer_than_the_horizon_reads_day_first():
    # a plan for the next 6 months beside a 2-month horizon was refused as ambiguous: its last dates lay past the
    # horizon, so neither order seemed to fit the calendar
    history, future = make_panel(n_series=3, periods=30)
    model = ProfitForecaster(model="lightgbm", horizon=2, random_state=0, model_params={"n_estimators": 20}).fit(
        history, **FIT_COLUMNS)
    assert future["month"].nunique() == 6 and day_first(future)["month"].iloc[0] == "01/07/2023"
    with pytest.warns(UserWarning, match=rf"known_future frame .*{READ_AS_DAY_FIRST}"):
        got = model.predict(known_future=day_first(future))
    pd.testing.assert_frame_equal(got, model.predict(known_future=future))


def test_a_statement_reads_day_first_history_and_plan():
    data = make_pnl(periods=24, late=None)
    plan = pd.DataFrame([(s, m, 1) for s in REGION_OF for m in pd.date_range("2023-01-01", periods=6, freq="MS")],
                        columns=["store", "month", "promo"])  # a plan for longer than the horizon
    settings = dict(model="lightgbm", horizon=2, random_state=0, calibration_windows=None,
                    model_params={"n_estimators": 20})
    expected = StatementForecaster(**settings).fit(data, **STATEMENT_FIT, known_cols=["promo"]).predict(known_future=plan)
    with pytest.warns(UserWarning, match=READ_AS_DAY_FIRST):
        model = StatementForecaster(**settings).fit(day_first(data), **STATEMENT_FIT, known_cols=["promo"])
    with pytest.warns(UserWarning, match=READ_AS_DAY_FIRST):
        got = model.predict(known_future=day_first(plan))
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))  # text dates: nanoseconds


def test_actuals_read_in_the_order_that_meets_the_ledgers_forecast_periods():
    forecasts = pd.DataFrame({"store": ["A", "A"], "month": pd.to_datetime(["2026-02-01", "2026-03-01"]),
                              "forecast": [100.0, 110.0]})
    actuals = pd.DataFrame({"store": ["A", "A"], "month": ["01/02/2026", "01/03/2026"], "profit": [90.0, 120.0]})
    with pytest.warns(UserWarning, match=READ_AS_DAY_FIRST):
        joined = join_actuals(forecasts, actuals, LedgerColumns(["store"], "month", "profit", "MS"))
    assert joined["actual"].tolist() == [90.0, 120.0]
