"""Ragged retail panels: a series missing its last week(s) within its usual gaps is still forecast, from where
every other series is; one gone for longer has ended; a known future with holes can carry planned values forward."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.finance import ProfitForecaster

WEEKS = pd.date_range("2023-01-06", periods=60, freq="W-FRI")
# series -> week positions without a record
GAPS = {"steady": [], "late": [59], "gappy": [20, 21, 58, 59], "closed": list(range(50, 60)), "over": [30, 57, 58, 59]}
FIT = dict(id_col="store", time_col="week", target_col="sales", known_cols=["promo"])


def ragged() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [(store, week, 100 + 10 * np.sin(i / 4) + rng.normal(0, 2), int(i % 5 == 0))
            for store, missing in GAPS.items() for i, week in enumerate(WEEKS) if i not in missing]
    return pd.DataFrame(rows, columns=["store", "week", "sales", "promo"])


def plan(stores, horizon=3) -> pd.DataFrame:
    weeks = pd.date_range(WEEKS[-1], periods=horizon + 1, freq="W-FRI")[1:]
    return pd.DataFrame([(s, w, 1) for s in stores for w in weeks], columns=["store", "week", "promo"])


@pytest.mark.parametrize("model", ["naive", "seasonal_naive", "lightgbm"])
def test_series_missing_their_last_weeks_within_their_usual_gaps_are_forecast_from_the_common_end(model, caplog):
    params = {"n_estimators": 30} if model == "lightgbm" else None
    fc = ProfitForecaster(model=model, horizon=3, freq="W-FRI", random_state=0, model_params=params).fit(ragged(), **FIT)
    with pytest.warns(UserWarning, match=r"2 series have had no data for longer than their usual gaps.*'closed', 'over'"):
        forecast = fc.predict(known_future=plan(GAPS))
    # the series within their gaps are named once each, with how many periods are left empty from when
    assert (f"2 series have no data for their last period(s) before {WEEKS[-1].date()}, within their usual gaps: "
            f"forecast with those periods left empty: 'gappy (2 periods from {WEEKS[58].date()})', "
            f"'late (1 period from {WEEKS[59].date()})'" in caplog.text)
    assert sorted(forecast["store"].unique()) == ["gappy", "late", "steady"]
    assert (forecast.groupby("store")["week"].min() == WEEKS[-1] + pd.Timedelta(weeks=1)).all()
    assert forecast["forecast"].notna().all()


def test_ended_after_sets_how_long_a_series_may_be_missing():
    data = ragged()
    strict = ProfitForecaster(model="naive", horizon=3, freq="W-FRI", ended_after=0).fit(data, **FIT)
    with pytest.warns(UserWarning, match=r"4 series have had no data for longer than 0 period\(s\)"):
        assert strict.predict(known_future=plan(GAPS))["store"].unique().tolist() == ["steady"]
    lenient = ProfitForecaster(model="naive", horizon=3, freq="W-FRI", ended_after=5).fit(data, **FIT)
    with pytest.warns(UserWarning, match=r"1 series have had no data for longer than 5 period\(s\).*'closed'"):
        forecast = lenient.predict(known_future=plan(GAPS))
    assert sorted(forecast["store"].unique()) == ["gappy", "late", "over", "steady"]
    with pytest.raises(DataContractError, match="ended_after must be an integer of at least 0, or None, got -1"):
        ProfitForecaster(model="naive", ended_after=-1).fit(data, **FIT)


def test_a_known_future_with_holes_is_refused_by_default_and_carried_forward_on_request():
    data = ragged()
    data = data[data["store"].isin(["steady", "late"])]
    fc = ProfitForecaster(model="lightgbm", horizon=3, freq="W-FRI", random_state=0,
                          model_params={"n_estimators": 30}).fit(data, **FIT)
    future = plan(["steady", "late"])
    future.loc[future["store"] == "steady", "promo"] = [4, 0, 0]
    holes = future.drop(index=[1, 3])  # steady's 2nd week, late's 1st week
    with pytest.raises(DataContractError, match=r"no row for 2 \(series, date\) pair\(s\)"):
        fc.predict(known_future=holes)
    with pytest.warns(UserWarning, match=r"no value for 2 \(series, date\) row\(s\).*'late 2024-03-01', 'steady 2024-03-08'"):
        carried = fc.predict(known_future=holes, fill_known="carry")
    filled = future.copy()
    filled.loc[1, "promo"] = 4  # steady: the week before's plan
    filled.loc[3, "promo"] = data.loc[data["store"] == "late", "promo"].iloc[-1]  # late: its last actual value
    assert carried.equals(fc.predict(known_future=filled))
    with pytest.raises(DataContractError, match="fill_known must be None"):
        fc.predict(known_future=holes, fill_known="interpolate")


def test_covered_horizon_is_the_longest_horizon_every_series_has_plans_for():
    from bizai.finance.forecaster import covered_horizon
    from bizai.finance.panel import columns_from_arguments, prepare_panel

    data = ragged()
    panel = prepare_panel(data, columns_from_arguments(**FIT, static_cols=None, past_cols=None), "W-FRI")
    future = plan(["steady", "late", "gappy"], horizon=5)
    assert covered_horizon(future, panel) == 5
    short = future.drop(index=future.index[(future["store"] == "late")][3:])  # late: 3 weeks planned
    assert covered_horizon(short, panel) == 3
    assert covered_horizon(future[future["store"] != "gappy"], panel) == 0


def test_dates_sparser_than_the_frequency_are_warned_and_forecast_in_the_series_own_units(caplog):
    # monthly sales declared daily: most days are empty, and a day's empty week must not read as a unit of 1
    months = pd.date_range("2021-01-01", periods=30, freq="MS")
    rng = np.random.default_rng(1)
    monthly = pd.DataFrame([(store, month, level + rng.normal(0, 3)) for store, level in (("a", 100), ("b", 400))
                            for month in months], columns=["store", "day", "sales"])
    with caplog.at_level(logging.WARNING):
        fc = ProfitForecaster(horizon=5, freq="D", random_state=0, show_progress=False)
        forecast = fc.fit(monthly, id_col="store", time_col="day", target_col="sales").predict()
    assert "the dates look like 'MS': pass freq='MS'" in caplog.text
    for store, level in (("a", 100), ("b", 400)):
        values = forecast.loc[forecast["store"] == store, "forecast"]
        assert values.between(0.5 * level, 1.5 * level).all(), (store, values.tolist())


def test_backtest_windows_do_not_repeat_the_trailing_gap_note(caplog):
    fc = ProfitForecaster(model="naive", horizon=2, freq="W-FRI")
    with caplog.at_level(logging.DEBUG, logger="bizai.finance.panel"):
        fc.backtest(ragged(), n_windows=1, **FIT)  # cutoff: week 57, which 'over' lacks (its usual gap is 1)
    notes = [r for r in caplog.records if "within their usual gaps" in r.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.DEBUG and "'over (1 period from" in notes[0].getMessage()


def test_a_backtest_scores_a_store_that_opened_one_period_before_a_cutoff():
    # its naive scale is undefined at that cutoff (one period): its MASE is left out, the backtest still runs
    data = ragged()
    opened = pd.DataFrame({"store": "new", "week": WEEKS[-7:], "sales": 50.0 + np.arange(7), "promo": 0})
    result = ProfitForecaster(model="naive", horizon=3, freq="W-FRI").backtest(
        pd.concat([data, opened], ignore_index=True), n_windows=2, **FIT)
    assert "new" in set(result.forecasts["store"]) and np.isfinite(result.metrics["mase"]).all()
