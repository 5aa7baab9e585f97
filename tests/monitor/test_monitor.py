"""The forecast ledger, live accuracy, input drift and recommendation outcomes, on data the tests make."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bizai.errors import BizaiWarning, DataContractError, UnsafeOutputError
from bizai.monitor import (
    ForecastLedger,
    accuracy_alerts,
    accuracy_report,
    feature_profile,
    input_drift,
    join_actuals,
    recommendation_alerts,
    recommendation_outcomes,
)
from bizai.monitor.backfill import backfill_ledger
from bizai.monitor.drift import drift_alerts
from bizai.monitor.forecasts import check_forecasts
from bizai.monitor.ledger import LedgerColumns
from tests.monitor.conftest import FIT, hand_ledger_frame, split_panel

COLUMNS = LedgerColumns(["store"], "month", "profit", "MS")


# ------------------------------------------------------------------------------------------------ ledger
def test_ledger_keeps_every_night_and_a_rerun_replaces_its_night(saved_forecaster, tmp_path):
    folder, forecaster, _, future, _ = saved_forecaster
    forecasts = forecaster.predict(known_future=future)
    ledger = ForecastLedger(tmp_path / "ledger")
    ledger.append(forecasts, folder, "2026-01-01")
    ledger.append(forecasts.assign(forecast=forecasts["forecast"] + 1), folder, "2026-01-02")
    assert ledger.run_dates() == ["2026-01-01", "2026-01-02"]
    rows = ledger.read()
    assert len(rows) == 2 * len(forecasts)
    assert set(rows["step"]) == set(range(1, 7))
    first = rows[rows["run_date"] == "2026-01-01"].sort_values(["store", "month"])
    np.testing.assert_allclose(first["forecast"], forecasts.sort_values(["store", "month"])["forecast"])

    ledger.append(forecasts.assign(forecast=0.0), folder, "2026-01-01")  # the same night again
    rows = ledger.read()
    assert len(rows) == 2 * len(forecasts)
    assert (rows.loc[rows["run_date"] == "2026-01-01", "forecast"] == 0).all()
    record = ledger.models()[rows["model_version"].iloc[0]]
    assert record["model"] == "seasonal_naive" and record["backtest_metrics"][0]["wape"] > 0
    assert record["feature_profile"]["profit"]["kind"] == "number"
    # the ledger is a Hive-partitioned Parquet dataset other tools read as it is
    assert len(pd.read_parquet(tmp_path / "ledger")) == 2 * len(forecasts)


def test_a_failed_append_leaves_the_ledger_as_it_was(saved_forecaster, tmp_path, monkeypatch):
    folder, forecaster, _, future, _ = saved_forecaster
    forecasts = forecaster.predict(known_future=future)
    ledger = ForecastLedger(tmp_path / "ledger")
    ledger.append(forecasts, folder, "2026-01-01")
    before = ledger.read()

    def broken(self, path, *args, **kwargs):
        open(path, "wb").write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    for night in ("2026-01-01", "2026-01-02"):  # a rerun of a recorded night, and a new night
        with pytest.raises(OSError):
            ledger.append(forecasts.assign(forecast=-1.0), folder, night)
    monkeypatch.undo()
    assert ledger.run_dates() == ["2026-01-01"]
    pd.testing.assert_frame_equal(ledger.read(), before)


def test_ledger_refusals(saved_forecaster, tmp_path):
    folder, forecaster, history, future, _ = saved_forecaster
    forecasts = forecaster.predict(known_future=future)
    users_folder = tmp_path / "mine"
    users_folder.mkdir()
    (users_folder / "notes.txt").write_text("keep me")
    with pytest.raises(UnsafeOutputError, match="not a forecast ledger"):
        ForecastLedger(users_folder).append(forecasts, folder)
    assert (users_folder / "notes.txt").read_text() == "keep me"
    with pytest.raises(DataContractError, match="not a forecast ledger"):
        ForecastLedger(users_folder).read()
    with pytest.raises(DataContractError, match="does not exist"):
        ForecastLedger(tmp_path / "nowhere").read()
    with pytest.raises(DataContractError, match="empty"):
        ForecastLedger(tmp_path / "ledger").append(forecasts.iloc[:0], folder)
    with pytest.raises(DataContractError, match="run date"):
        ForecastLedger(tmp_path / "ledger").append(forecasts, folder, "yesterday-ish")

    from bizai.finance import ProfitForecaster

    ledger = ForecastLedger(tmp_path / "ledger")
    ledger.append(forecasts, folder, "2026-01-01")
    other = ProfitForecaster(model="naive", horizon=6).fit(history, id_col="store", time_col="month",
                                                          target_col="revenue").save(tmp_path / "revenue")
    with pytest.raises(DataContractError, match="one ledger per forecasting job"):
        ledger.append(forecasts.rename(columns={}), other, "2026-01-02")

    from bizai.recsys import PopularityRecommender
    from tests.recsys.conftest import make_events

    recs = PopularityRecommender().fit(make_events()).save(tmp_path / "recs")
    with pytest.raises(DataContractError, match="'recommender' model"):
        ledger.append(forecasts, recs, "2026-01-03")
    assert ledger.run_dates() == ["2026-01-01"]


# ---------------------------------------------------------------------------------------------- accuracy
def test_accuracy_on_a_hand_computed_example():
    forecasts = hand_ledger_frame()
    actuals = pd.DataFrame({"store": ["A", "A", "B", "B", "C"], "region": ["n", "n", "s", "s", "s"],
                            "month": ["2026-02-01", "2026-03-01", "2026-02-01", "2026-03-01", "2026-02-01"],
                            "profit": [120.0, 100.0, 50.0, np.nan, 7.0]})  # B's March has not arrived
    joined = join_actuals(forecasts, actuals, COLUMNS, ["region"])
    assert len(joined) == 3
    records = {"v1": {"model": "lightgbm", "backtest_metrics": [{"wape": 0.1, "coverage_p10_p90": 0.8}]}}
    report = accuracy_report(joined, records)
    overall = report[report["step"] == 0].iloc[0]
    # errors: 100-120=-20, 110-100=+10, 50-50=0; sum |actual| = 270
    assert overall["n"] == 3
    assert overall["mae"] == pytest.approx(10.0)
    assert overall["wape"] == pytest.approx(30 / 270)
    assert overall["bias"] == pytest.approx(-10 / 270)
    assert overall["coverage"] == pytest.approx(2 / 3)  # 120 is above A's February P90 of 110
    assert overall["interval"] == "p10-p90"
    assert overall["backtest_wape"] == 0.1 and overall["backtest_coverage"] == 0.8
    assert overall["wape_change"] == pytest.approx((30 / 270) / 0.1 - 1)
    step2 = report[report["step"] == 2].iloc[0]
    assert step2["n"] == 1 and step2["mae"] == pytest.approx(10.0)
    by_region = accuracy_report(joined, records, ["region"])
    assert set(by_region["region"]) == {"n", "s"}
    assert by_region[(by_region["region"] == "s") & (by_region["step"] == 0)]["mae"].iloc[0] == 0.0


def test_alerts_fire_on_planted_degradation_and_only_then():
    forecasts = hand_ledger_frame()
    good = pd.DataFrame({"store": ["A", "A", "B", "B"], "month": pd.to_datetime(["2026-02-01", "2026-03-01"] * 2),
                         "profit": [101.0, 108.0, 51.0, 59.0]})
    records = {"v1": {"model": "m", "backtest_metrics": [{"wape": 0.05}]}}
    report = accuracy_report(join_actuals(forecasts, good, COLUMNS), records)
    assert accuracy_alerts(report, "v1", max_wape_increase=0.2, min_coverage=0.7) == []
    shifted = good.assign(profit=good["profit"] * 1.5)  # a level shift the model has not seen
    report = accuracy_report(join_actuals(forecasts, shifted, COLUMNS), records)
    alerts = accuracy_alerts(report, "v1", max_wape_increase=0.2, min_coverage=0.7)
    assert len(alerts) == 2
    assert "against its backtest 5.0%" in alerts[0] and "interval held" in alerts[1]
    with pytest.raises(DataContractError, match="min_coverage must be a number between 0 and 1"):
        accuracy_alerts(report, "v1", min_coverage=1.5)
    with pytest.raises(DataContractError, match="--backtest-windows"):
        accuracy_alerts(accuracy_report(join_actuals(forecasts, good, COLUMNS), {"v1": {}}), "v1",
                        max_wape_increase=0.2)


def test_actuals_bad_input():
    forecasts = hand_ledger_frame()
    never = pd.DataFrame({"store": ["A"], "month": ["2030-01-01"], "profit": [1.0]})
    with pytest.raises(DataContractError, match="matches a forecast.*2030-01-01.*2026-02-01 to 2026-03-01"):
        join_actuals(forecasts, never, COLUMNS)
    with pytest.raises(DataContractError, match="missing column.*'profit'"):
        join_actuals(forecasts, never.rename(columns={"profit": "proft"}), COLUMNS)
    doubled = pd.DataFrame({"store": ["A", "A"], "month": ["2026-02-01"] * 2, "profit": [1.0, 2.0]})
    with pytest.raises(DataContractError, match="duplicate"):
        join_actuals(forecasts, doubled, COLUMNS)
    with pytest.raises(DataContractError, match="'profit'"):
        join_actuals(forecasts, doubled.assign(profit="lots").iloc[:1], COLUMNS)


def test_actuals_whose_ids_differ_only_in_case_or_spaces_are_named():
    forecasts = hand_ledger_frame()  # stores A and B
    lower = pd.DataFrame({"store": ["a", "b"], "month": ["2026-02-01"] * 2, "profit": [100.0, 50.0]})
    with pytest.raises(DataContractError, match=r"ids given as 'a' for 'A', 'b' for 'B' differ .* only in spaces or "
                                                r"letter case"):
        join_actuals(forecasts, lower, COLUMNS)
    padded = lower.assign(store=["A", "B "])  # one cell exported with a trailing space
    with pytest.warns(BizaiWarning, match=r"Actuals of 1 series match no forecast and are not judged \(ids given as "
                                          r"'B ' for 'B'"):
        joined = join_actuals(forecasts, padded, COLUMNS)
    assert joined["store"].tolist() == ["A"]
    elsewhere = lower.assign(store=["A", "Z"], month=["2030-01-01"] * 2)
    with pytest.raises(DataContractError, match=r"for 2 series, the forecasts .* for 2 series, 1 of them in both\."):
        join_actuals(forecasts, elsewhere, COLUMNS)


def test_ids_keep_their_text_in_actuals():
    forecasts = hand_ledger_frame().assign(store=lambda f: f["store"].map({"A": "007", "B": "7"}))
    actuals = pd.DataFrame({"store": ["007", "7"], "month": ["2026-02-01"] * 2, "profit": [100.0, 50.0]})
    joined = join_actuals(forecasts, actuals, COLUMNS)
    assert sorted(joined["store"]) == ["007", "7"] and (joined["forecast"] - joined["actual"]).abs().max() == 0


# ------------------------------------------------------------------------------------------------- drift
def test_psi_is_small_for_the_same_distribution_and_large_for_a_shift():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(0, 1, 5000), "kind": rng.choice(["a", "b"], 5000)})
    profile = json.loads(json.dumps(feature_profile(train, ["x", "kind"])))  # survives meta.json
    same = pd.DataFrame({"x": rng.normal(0, 1, 2000), "kind": rng.choice(["a", "b"], 2000)})
    shifted = pd.DataFrame({"x": rng.normal(1.5, 1, 2000), "kind": rng.choice(["a", "b", "c"], 2000)})
    shifted.loc[:599, "x"] = np.nan
    calm = input_drift(profile, same)
    assert calm["psi"].max() < 0.05
    assert drift_alerts(calm, max_psi=0.25, max_missing_increase=0.1) == []
    moved = input_drift(profile, shifted).set_index("feature")
    assert moved.loc["x", "psi"] > 0.25 and moved.loc["kind", "psi"] > 0.25
    assert moved.loc["x", "missing_now"] == pytest.approx(0.3) and moved.loc["x", "missing_at_fit"] == 0
    alerts = drift_alerts(input_drift(profile, shifted), max_psi=0.25, max_missing_increase=0.1)
    assert len(alerts) == 3 and any("missing in 30%" in a for a in alerts)
    with pytest.raises(DataContractError, match="lacks feature column.*'kind'"):
        input_drift(profile, same[["x"]])
    with pytest.raises(DataContractError, match="non-numeric"):
        input_drift(profile, same.assign(x="high"))
    with pytest.raises(DataContractError, match="Refit"):
        input_drift({}, same)


def test_fit_records_what_monitoring_needs(saved_forecaster):
    folder, forecaster, history, _, _ = saved_forecaster
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["training_end"].startswith(str(history["month"].max().date()))
    assert set(meta["feature_profile"]) == {"profit", "region", "promo"}


def test_check_forecasts_end_to_end(saved_forecaster, tmp_path):
    folder, forecaster, _, future, actuals = saved_forecaster
    ledger = ForecastLedger(tmp_path / "ledger")
    ledger.append(forecaster.predict(known_future=future), folder, "2026-01-01")
    check = check_forecasts(ledger, actuals, max_wape_increase=1.0, min_coverage=0.0, max_psi=5.0)
    assert check.alerts == []
    assert check.drift is not None and check.drift["rows"].iloc[0] == len(actuals)
    assert check.accuracy[check.accuracy["step"] == 0]["n"].iloc[0] == len(actuals)
    with pytest.raises(DataContractError, match="drift must be True or False, got 'off'"):
        check_forecasts(ledger, actuals, drift="off")  # a truthy text: drift was computed
    planted = actuals.assign(profit=actuals["profit"] * 2, promo=actuals["promo"] + 40)
    check = check_forecasts(ledger, planted, max_wape_increase=0.2, max_psi=0.25)
    assert any("WAPE" in a for a in check.alerts) and any("'promo'" in a for a in check.alerts)


# ------------------------------------------------------------------------------------------ recommendations
def test_recommendation_outcomes_on_a_hand_computed_example():
    lists = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u2", "u3", "u3"], "item_id": ["a", "b", "c", "d", "a", "c"],
                          "rank": [1, 2, 1, 2, 1, 2]})
    events = pd.DataFrame({"user_id": ["u1", "u1", "u2", "u4", "u4"], "item_id": ["a", "z", "z", "z", "a"],
                           "revenue": [10.0, 30.0, 5.0, 1.0, 1.0]})
    outcomes = recommendation_outcomes(lists, events, "user_id", "item_id", "revenue").set_index("list")
    ours = outcomes.loc["recommendations"]
    # active: u1 (bought a: a hit, and z) and u2 (bought z): u3 never came back
    assert ours["users_recommended"] == 3 and ours["active_users"] == 2 and ours["reach"] == pytest.approx(2 / 3)
    assert ours["hit_rate"] == pytest.approx(0.5)
    assert ours["precision_at_k"] == pytest.approx(1 / 4)
    assert ours["revenue_share"] == pytest.approx(10 / 45)
    assert ours["catalogue_coverage"] == pytest.approx(4 / 5)  # a, b, c, d of a, b, c, d, z
    popular = outcomes.loc["popularity (same window)"]  # z (3 buyers), a (2) for everyone active
    assert popular["hit_rate"] == 1.0 and popular["revenue_share"] == 1.0
    assert ours["popular_share"] == pytest.approx(2 / 6)
    assert recommendation_alerts(outcomes.reset_index(), min_hit_rate=0.4) == []
    alerts = recommendation_alerts(outcomes.reset_index(), min_hit_rate=0.6, min_lift=1.0)
    assert len(alerts) == 2 and "0.50x the popularity list" in alerts[1]
    with pytest.raises(DataContractError, match="None of the 3 recommended user"):
        recommendation_outcomes(lists, events.assign(user_id="u9"), "user_id", "item_id")
    with pytest.raises(DataContractError, match=r"in the 5 event\(s\) \(ids given as 'U1' for 'u1', 'U2' for 'u2'.* "
                                                r"differ from the recommendations' only in spaces or letter case"):
        recommendation_outcomes(lists, events.assign(user_id=events["user_id"].str.upper()), "user_id", "item_id")
    with pytest.raises(DataContractError, match="'revenue'"):
        recommendation_outcomes(lists, events.assign(revenue="much"), "user_id", "item_id", "revenue")
    only_best = recommendation_outcomes(lists, events, "user_id", "item_id", k=1).set_index("list")
    assert only_best.loc["recommendations", "precision_at_k"] == pytest.approx(1 / 2)


def test_outcomes_by_day_judge_each_days_lists_on_the_days_after():
    from bizai.monitor.recommendations import outcomes_by_day

    lists = {"2026-01-01": pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["a", "b"], "rank": [1, 1]}),
             "2026-01-02": pd.DataFrame({"user_id": ["u1", "u2"], "item_id": ["c", "b"], "rank": [1, 1]}),
             "2026-01-09": pd.DataFrame({"user_id": ["u1"], "item_id": ["a"], "rank": [1]})}  # no events yet
    events = pd.DataFrame({"user_id": ["u1", "u2", "u1", "u2"], "item_id": ["a", "z", "c", "z"],
                           "time": pd.to_datetime(["2026-01-01 10:00", "2026-01-01 11:00", "2026-01-02 09:00",
                                                   "2026-01-02 12:00"])})
    table = outcomes_by_day(lists, events, "user_id", "item_id", "time")
    ours = table[table["list"] == "recommendations"].set_index("day")["hit_rate"]
    assert ours.to_dict() == {"2026-01-01": 0.5, "2026-01-02": 0.5}
    with pytest.raises(DataContractError, match="No day's recommendations"):
        outcomes_by_day({"2027-01-01": lists["2026-01-01"]}, events, "user_id", "item_id", "time")


@pytest.mark.parametrize("typed", [lambda month: month.dt.to_period("M"),
                                   lambda month: month.dt.tz_localize("Europe/Berlin")], ids=["period", "time zone"])
def test_monitoring_takes_forecasts_and_actuals_typed_as_the_callers_frames(tmp_path, typed):
    from bizai.finance import ProfitForecaster

    history, future, actuals = (frame.assign(month=typed(frame["month"])) for frame in split_panel())
    forecaster = ProfitForecaster(model="seasonal_naive", horizon=6, backtest_windows=2).fit(history, **FIT)
    ledger = ForecastLedger(tmp_path / "ledger")
    ledger.append(forecaster.predict(known_future=future), forecaster.save(tmp_path / "model"), "2026-01-01")
    check = check_forecasts(ledger, actuals, max_wape_increase=1.0, min_coverage=0.0, max_psi=5.0)
    assert check.accuracy[check.accuracy["step"] == 0]["n"].iloc[0] == len(actuals)
    backfilled = backfill_ledger(ProfitForecaster(model="naive", horizon=6), pd.concat([history, actuals]),
                                 tmp_path / "backfill", tmp_path / "models", nights=2, **FIT)
    assert len(backfilled.run_dates()) == 2
