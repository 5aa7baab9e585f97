"""Bad input gets a DataContractError that names the column, rows or series and says what was expected."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError, IncompatibleModelError
from bizai.finance import ProfitForecaster
from tests.conftest import FIT_COLUMNS


def fit(history, **overrides):
    return ProfitForecaster(model="naive", horizon=overrides.pop("horizon", 6), freq=overrides.pop("freq", "MS")).fit(
        history, **{**FIT_COLUMNS, **overrides})


def test_misspelled_column_is_named_with_a_suggestion(panel):
    with pytest.raises(DataContractError, match=r"'proft'.*did you mean 'profit'"):
        fit(panel[0], target_col="proft")
    with pytest.raises(DataContractError, match=r"'p'.*did you mean 'P'"):  # too short for a spelling match
        fit(panel[0].rename(columns={"profit": "P"}), target_col="p")
    with pytest.raises(DataContractError, match=r"'store'.*did you mean 'store '"):
        fit(panel[0].rename(columns={"store": "store "}))


def test_non_numeric_target_names_rows_and_values(panel):
    history = panel[0].astype({"profit": object})
    history.loc[3, "profit"] = "n/a"
    with pytest.raises(DataContractError, match=r"'profit'.*numeric.*rows 3.*'n/a'"):
        fit(history)
    with pytest.raises(DataContractError, match=r"'n/a'\.$"):  # no hint about separators: it is not a number
        fit(history)
    written = panel[0].assign(profit=panel[0]["profit"].map(lambda v: f"{v * 1000:,.2f}"))
    with pytest.raises(DataContractError, match=r"thousands separators, written as text: bizai.io.read_table reads"):
        fit(written)


def test_a_column_that_is_the_index_says_so(panel):
    with pytest.raises(DataContractError, match=r"'month' \(it is the frame's index: call .reset_index\(\) first\)"):
        fit(panel[0].set_index("month"))


def test_a_column_name_given_twice_is_refused(panel):
    history = pd.concat([panel[0], panel[0][["profit"]]], axis=1)
    with pytest.raises(DataContractError, match=r"more than one column named 'profit'"):
        fit(history)


def test_newer_history_is_named_as_such(panel):
    model = fit(panel[0])
    with pytest.raises(DataContractError, match=r"history frame is missing column\(s\) 'profit'"):
        model.predict(data=panel[0].drop(columns="profit"))


def test_nan_target_is_refused_with_rows(panel):
    history = panel[0].copy()
    history.loc[7, "profit"] = float("nan")
    with pytest.raises(DataContractError, match=r"missing values.*rows 7"):
        fit(history)


def test_duplicate_rows_are_named(panel):
    history = pd.concat([panel[0], panel[0].iloc[[4]]], ignore_index=True)
    with pytest.raises(DataContractError, match=r"same \(store, __time\)|sharing the same"):
        fit(history)


def test_unparseable_dates(panel):
    history = panel[0].astype({"month": object})
    history.loc[2, "month"] = "not a date"
    with pytest.raises(DataContractError, match=r"'month'.*not dates.*rows 2"):
        fit(history)


def test_frequency_that_does_not_fit_the_dates(panel):
    history = panel[0].copy()
    history.loc[0, "month"] = pd.Timestamp("2021-01-15")
    with pytest.raises(DataContractError, match=r"do not fit the frequency 'MS'.*2021-01-15"):
        fit(history)


def test_empty_frame(panel):
    with pytest.raises(DataContractError, match="empty"):
        fit(panel[0].iloc[:0])


def test_horizon_below_one(panel):
    with pytest.raises(DataContractError, match="horizon"):
        fit(panel[0], horizon=0)


def test_known_covariates_missing_in_the_future(panel):
    history, future = panel
    model = fit(history)
    with pytest.raises(DataContractError, match="known_future="):
        model.predict()
    partial = future.drop(index=future.index[(future["store"] == "S3")][:2])
    with pytest.raises(DataContractError, match=r"no row for 2.*S3"):
        model.predict(known_future=partial)
    with pytest.raises(DataContractError, match=r"known_future frame is missing column\(s\) 'promo'"):
        model.predict(known_future=future.drop(columns="promo"))
    assert "calendar" not in str(pytest.raises(DataContractError, model.predict, known_future=partial).value)
    # a plan dated mid-month for monthly periods: every row seems present, and the message says why none matches
    mid_month = future.assign(month=pd.to_datetime(future["month"]) + pd.Timedelta(days=14))
    first = pd.to_datetime(future["month"]).min() + pd.Timedelta(days=14)
    with pytest.raises(DataContractError, match=rf"known_future's dates {first.date()}, .* are not on the model's "
                                                r"calendar, 'MS' periods such as \d{4}-\d\d-01"):
        model.predict(known_future=mid_month)


def test_a_categorical_known_value_never_seen_in_training_is_warned_naming_it(panel, caplog):
    history, future = panel
    history = history.assign(promo=history["promo"].map(lambda v: f"type {v}"))
    model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", model_params={"n_estimators": 5}).fit(
        history, **FIT_COLUMNS)
    future = future.assign(promo=future["promo"].map(lambda v: f"type {v}"))
    with caplog.at_level("WARNING", logger="bizai.finance.panel"):
        model.predict(known_future=future)
    assert "never seen" not in caplog.text
    first = future.index[future["store"] == "S2"][0]
    future.loc[first, "promo"] = "bogo"
    with caplog.at_level("WARNING", logger="bizai.finance.panel"):
        model.predict(known_future=future)
    assert "column 'promo' holds 'bogo', never seen in training, in 1 row(s) ('S2 " in caplog.text


def test_saved_model_across_versions_warns_on_minor_and_refuses_major_or_format(panel, tmp_path):
    import lightgbm

    model = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", model_params={"n_estimators": 5}).fit(
        panel[0], **{**FIT_COLUMNS, "known_cols": []})
    folder = model.save(tmp_path / "m")
    original = json.loads((folder / "meta.json").read_text())

    def written_with(**changes):
        meta = json.loads(json.dumps(original))
        for key, value in changes.items():
            if key == "format_version":
                meta[key] = value
            else:
                meta["library_versions"][key] = value
        (folder / "meta.json").write_text(json.dumps(meta))

    major, minor, *_ = lightgbm.__version__.split(".")
    written_with(lightgbm=f"{major}.{int(minor) + 1}.0", pandas="2.0.0" if pd.__version__.startswith("2") else
                 f"{pd.__version__.split('.')[0]}.99.0")
    with pytest.warns(UserWarning, match=r"lightgbm .* \(saved\) vs .*It loads"):
        loaded = ProfitForecaster.load(folder)
    assert len(loaded.predict()) == len(model.predict())
    written_with(lightgbm=f"{int(major) + 1}.0.0")
    with pytest.raises(IncompatibleModelError, match=rf"major library versions: lightgbm {int(major) + 1}.0.0"):
        ProfitForecaster.load(folder)
    written_with(format_version=99)
    with pytest.raises(IncompatibleModelError, match="folder format version 99"):
        ProfitForecaster.load(folder)


def test_damaged_model_folder_is_refused(tmp_path):
    (tmp_path / "broken").mkdir()
    with pytest.raises(IncompatibleModelError, match="no meta.json"):
        ProfitForecaster.load(tmp_path / "broken")


def test_duplicate_rows_are_named_with_the_callers_time_column(panel):
    history = pd.concat([panel[0], panel[0].head(1)], ignore_index=True)
    with pytest.raises(DataContractError, match=r"sharing the same \(store, month\)") as error:
        fit(history)
    assert "__" not in str(error.value)


def test_rows_at_fault_are_named_by_position_when_the_index_repeats_labels(panel):
    """After a concat without ignore_index two rows can share a label: "rows 0, 0" would not say which."""
    history = pd.concat([panel[0], panel[0].iloc[[3]]])  # the copy keeps label 3
    with pytest.raises(DataContractError, match=r"store='S0', month=2021-04-01 \(rows 3, 180 \(positions counted"):
        fit(history)
    history = pd.concat([panel[0], panel[0].iloc[[3]].assign(month=pd.Timestamp("2204-01-01"))])
    with pytest.raises(DataContractError, match=r"far from the rest of the data in rows 180 \(positions"):
        fit(history)
    history = pd.concat([panel[0], panel[0].iloc[[3]].assign(store="S9")])
    history.iloc[3, history.columns.get_loc("profit")] = float("nan")
    with pytest.raises(DataContractError, match=r"missing values \(NaN\) in rows 3 \(positions"):
        fit(history)


def test_future_ids_of_another_kind_than_at_fit_are_named(panel):
    history, future = panel
    numbered = history.assign(store=history["store"].str[1:].astype(int))
    model = fit(numbered)
    as_text = future.assign(store=future["store"].str[1:])  # "0", "1"... exactly the fitted 0, 1...
    assert set(model.predict(known_future=as_text)["store"]) == set(numbered["store"])
    with pytest.raises(DataContractError, match=r"'store' of the known_future frame holds ids such as 'S0'"):
        model.predict(known_future=future)


def test_a_horizon_past_2262_is_refused_at_fit(panel):
    with pytest.raises(DataContractError, match=r"horizon 3000 at frequency 'MS'.*runs past 2262"):
        fit(panel[0], horizon=3000)


def test_distant_dates_are_refused_unless_allowed(panel):
    history = panel[0].copy()
    late = history[history["store"] == "S1"].tail(2).copy()
    late["month"] = pd.to_datetime(["2031-01-01", "2031-02-01"])
    history = pd.concat([history, late], ignore_index=True)
    with pytest.raises(DataContractError, match=r"far from the rest of the data in rows 180, 181"):
        fit(history)
    model = ProfitForecaster(model="naive", freq="MS", allow_distant_dates=True).fit(history, **FIT_COLUMNS)
    assert model.panel_.frame["__time"].max() == pd.Timestamp("2031-02-01")


def test_a_refit_does_not_keep_the_previous_backtest_metrics(panel):
    model = ProfitForecaster(model="naive", horizon=6, freq="MS", backtest_windows=1).fit(panel[0], **FIT_COLUMNS)
    assert model.backtest_metrics_ is not None
    fit_again = model.set_params(backtest_windows=0).fit(panel[0], **FIT_COLUMNS)
    assert fit_again.backtest_metrics_ is None


def test_numbers_are_not_taken_for_dates(panel):
    history = panel[0].assign(month=2021)
    with pytest.raises(DataContractError, match=r"'month' of the training frame holds numbers.*yyyymmdd"):
        fit(history)
    not_all_dates = panel[0].assign(month=pd.to_datetime(panel[0]["month"]).dt.strftime("%Y%m%d").astype(int))
    not_all_dates.loc[4, "month"] = 20211301  # month 13
    with pytest.raises(DataContractError, match=r"yyyymmdd numbers.*rows 4 hold 20211301"):
        fit(not_all_dates)
    not_all_dates.loc[4, "month"] = 10000101  # before pandas' first timestamp (1677)
    with pytest.raises(DataContractError, match=r"yyyymmdd numbers.*rows 4 hold 10000101"):
        fit(not_all_dates)


def test_whole_numbers_written_yyyymmdd_are_read_as_dates(panel):
    """A warehouse's date keys (20210101) in the history and the plan forecast as the same dates written ISO."""
    history, future = panel

    def keyed(frame):
        return frame.assign(month=pd.to_datetime(frame["month"]).dt.strftime("%Y%m%d").astype("int64"))

    def forecasts(history, future):
        model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=False,
                                 model_params={"n_estimators": 10})
        return model.fit(history, **FIT_COLUMNS).predict(known_future=future)

    expected = forecasts(history, future)
    got = forecasts(keyed(history), keyed(future))
    assert got["month"].min() == pd.Timestamp("2024-01-01")
    # The dates come back as datetimes (nanoseconds) where the ISO history's keep its own unit.
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))


@pytest.mark.parametrize("written", ["int64", "text"])
def test_months_written_yyyymm_are_read_as_each_months_first_day(panel, written):
    """An ERP's period key (202401), as a number or as text, forecasts as the same months written ISO."""
    history, future = panel

    def keyed(frame):
        key = pd.to_datetime(frame["month"]).dt.strftime("%Y%m")
        return frame.assign(month=key.astype("int64") if written == "int64" else key)

    model = ProfitForecaster(model="naive", horizon=6, freq="MS")
    expected = model.fit(history, **FIT_COLUMNS).predict(known_future=future)
    got = model.fit(keyed(history), **FIT_COLUMNS).predict(known_future=keyed(future))
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))
    bad = keyed(history)
    bad.loc[3, "month"] = 202013 if written == "int64" else "202013"  # month 13: not a month key, so not read as one
    with pytest.raises(DataContractError, match=r"'month' of the training frame (holds numbers|has values that are "
                                                r"not dates)"):
        fit(bad)


def test_excel_serial_dates_are_read_when_they_make_a_calendar(panel):
    """A date column formatted General in Excel reaches a CSV as serials (44197 is 2021-01-01)."""
    history, future = panel

    def serial(frame):
        return frame.assign(month=(pd.to_datetime(frame["month"]) - pd.Timestamp("1899-12-30")).dt.days)

    assert serial(history)["month"].iloc[0] == 44197
    model = ProfitForecaster(model="naive", horizon=6, freq="MS")
    expected = model.fit(history, **FIT_COLUMNS).predict(known_future=future)
    with pytest.warns(UserWarning, match=r"holds numbers \(e.g. \d+\); read as Excel's serial dates") as record:
        got = model.fit(serial(history), **FIT_COLUMNS).predict(known_future=serial(future))
    assert [str(w.message)[:40] for w in record] == ["Column 'month' of the training frame hol",
                                                     "Column 'month' of the known_future frame"]
    assert "(44197 is 2021-01-01)" in str(record[0].message) and "(45292 is 2024-01-01)" in str(record[1].message)
    assert {Path(w.filename).name for w in record} == {Path(__file__).name}  # shown at the caller's line
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))
    scrambled = serial(history)
    scrambled.loc[3, "month"] += 9  # not a month start: no regular calendar, so not read as serials
    with pytest.raises(DataContractError, match=r"could be Excel's serial dates \(44197 is 2021-01-01\) but do not "
                                                "step on a regular calendar"):
        model.fit(scrambled, **FIT_COLUMNS)


def test_a_plan_for_a_series_the_history_lacks_is_named_not_dropped_unseen(panel):
    history, future = panel
    first = future["store"].iloc[0]
    plan = pd.concat([future, future[future["store"] == first].assign(store="NEW")], ignore_index=True)
    model = fit(history)
    with pytest.warns(UserWarning, match=r"known_future has rows for 1 series the history does not hold.*'NEW'"):
        forecasts = model.predict(known_future=plan)
    assert set(forecasts["store"]) == set(history["store"])


def test_a_covariate_empty_in_every_row_is_warned_about(panel, caplog):
    history = panel[0].assign(footfall=float("nan"), channel=None)
    with caplog.at_level("WARNING", logger="bizai.finance.panel"):
        model = fit(history, past_cols=["footfall"], static_cols=["region", "channel"])
    assert "'footfall' of the training frame is empty in every row" in caplog.text
    assert "'channel' of the training frame is empty in every row" in caplog.text
    assert "'region'" not in caplog.text and len(model.predict(known_future=panel[1])) == 30


def test_model_params_misspelt_or_refused_by_lightgbm_name_the_parameter(panel):
    history, future = panel
    with pytest.raises(DataContractError, match=r"Unknown model_params for model 'lightgbm': 'num_leafs' \(did you mean"):
        ProfitForecaster(model="lightgbm", horizon=3, model_params={"num_leafs": 10}).fit(history, **FIT_COLUMNS)
    with pytest.raises(DataContractError, match=r"LightGBM refused to train: .*num_leaves.*Check model_params "
                                                r"\{'num_leaves': -1\}"):
        ProfitForecaster(model="lightgbm", horizon=3, model_params={"num_leaves": -1}).fit(history, **FIT_COLUMNS)
    # LightGBM's own names and aliases, the scikit-learn ones and bizai's own all pass
    ProfitForecaster(model="lightgbm", horizon=3, model_params={
        "n_estimators": 5, "num_leaves": 7, "min_data_in_leaf": 5, "bagging_fraction": 0.9, "max_training_rows": 5000,
        "id_features": False}).fit(history, **FIT_COLUMNS)


def test_auto_hands_each_candidate_the_model_params_it_understands(panel):
    history, _ = panel
    with pytest.raises(DataContractError, match=r"model 'auto': 'num_leafs' is a parameter of none of its candidates"):
        ProfitForecaster(model="auto", horizon=3, model_params={"num_leafs": 10}).fit(history, **FIT_COLUMNS)
    model = ProfitForecaster(model="auto", horizon=3, auto_windows=1, model_params={"n_estimators": 5, "hidden_size": 8})
    model.fit(history, **FIT_COLUMNS)  # hidden_size is the TFT's: LightGBM is not handed it
    assert model.model_name_ in ("naive", "seasonal_naive", "lightgbm")


@pytest.mark.parametrize(("option", "value", "message"), [
    ("quantiles", "0.5", r"quantiles must be a list of numbers such as \(0.1, 0.5, 0.9\), got '0.5'"),
    ("auto_windows", "2", r"ProfitForecaster: auto_windows must be an integer of at least 1, got '2'"),
    ("show_progress", "no", r"ProfitForecaster: show_progress must be True or False, or None"),
])
def test_forecaster_options_of_the_wrong_kind_are_named(panel, option, value, message):
    with pytest.raises(DataContractError, match=message):
        ProfitForecaster(model="naive", horizon=3, **{option: value}).fit(panel[0], **FIT_COLUMNS)


def test_a_static_column_that_changes_is_refused_naming_series_and_values_and_blanks_take_the_series_value(panel):
    history, future = panel
    first_store = history["store"].iloc[0]
    changing = history.copy()
    changing.loc[changing.index[1], "region"] = "Elsewhere"
    model = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, model_params={"n_estimators": 10})
    with pytest.raises(DataContractError, match=rf"'region' changes over time within series '{first_store}' \(.*'Elsewhere'"):
        model.fit(changing, **FIT_COLUMNS)
    blanks = history.copy()
    later_rows = blanks.groupby("store").cumcount() > 0  # the region written on each store's first row only
    blanks.loc[later_rows, "region"] = None
    expected = model.fit(history, **FIT_COLUMNS).predict(known_future=future)
    pd.testing.assert_frame_equal(model.fit(blanks, **FIT_COLUMNS).predict(known_future=future), expected)


@pytest.mark.parametrize("renamed,role", [({"store": "model"}, "id_col"), ({"month": "forecast"}, "time_col"),
                                          ({"store": "p10"}, "id_col")])
def test_an_id_or_time_column_named_like_a_result_column_is_refused_before_training(panel, renamed, role):
    # a car dealer's 'model' id beside a backtest's 'model' column: two columns of one name, and backtest failed
    column = next(iter(renamed.values()))
    with pytest.raises(DataContractError, match=rf"The {role.replace('_col', '')} column {column!r} shares its name "
                                                r"with a column bizai adds beside it .*rename that column"):
        fit(panel[0].rename(columns=renamed), **{role: column})


def test_covariates_may_share_names_with_result_columns(panel):
    history = panel[0].rename(columns={"promo": "forecast", "revenue": "actual"})
    model = fit(history, known_cols=["forecast"], past_cols=["actual"])
    assert list(model.backtest(history, n_windows=1).forecasts.columns).count("actual") == 1


@pytest.mark.parametrize("label,freq", [("%Y Q{q}", "QS"), ("Q{q}-%Y", "QS"), ("Q{q} %y", "QS"), ("%b-%y", "MS"),
                                        ("%b %y", "MS"), ("%YM%m", "MS"), ("%m.%Y", "MS")])
def test_month_and_quarter_labels_read_as_their_first_day(label, freq):
    """Finance writes quarters '2024 Q1' or 'Q1-2024', Excel shows months as 'Jan-24', statistics offices write
    '2024M01', German sheets '01.2024': each reads as its period's first day ('Jan 24' crashed with pandas'
    OutOfBoundsDatetime, reading year 1)."""
    dates = pd.date_range("2019-01-01", periods=16 if freq == "QS" else 30, freq=freq)
    history = pd.DataFrame({"store": "A", "month": dates, "profit": np.arange(len(dates), dtype=float)})
    written = [d.strftime(label.replace("{q}", str(d.quarter))) for d in dates]
    expected = fit(history, horizon=2, freq=None, known_cols=[], past_cols=[], static_cols=[]).predict()
    got = fit(history.assign(month=written), horizon=2, freq=None, known_cols=[], past_cols=[], static_cols=[]).predict()
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))


@pytest.mark.parametrize("label", ["%G-W%V", "%GW%V", "%G-W%V-%u"])
def test_iso_week_labels_read_as_their_monday(label):
    """Retail calendars write weeks the ISO way, '2024-W05': read as the week's Monday (or the weekday given),
    across a year with 53 weeks (2020)."""
    mondays = pd.date_range("2019-12-30", periods=60, freq="W-MON")
    history = pd.DataFrame({"store": "A", "month": mondays, "profit": np.arange(len(mondays), dtype=float)})
    expected = fit(history, horizon=2, freq=None, known_cols=[], past_cols=[], static_cols=[]).predict()
    written = history.assign(month=mondays.strftime(label))
    assert written["month"].iloc[52].replace("-", "").startswith("2020W53")
    got = fit(written, horizon=2, freq=None, known_cols=[], past_cols=[], static_cols=[]).predict()
    pd.testing.assert_frame_equal(got, expected.astype({"month": "datetime64[ns]"}))
    bad = written.assign(month=written["month"].where(written.index != 3, "2021-W53" + written["month"].iloc[3][8:]))
    with pytest.raises(DataContractError, match=r"weeks that do not exist in rows 3 \('2021-?W53"):  # 2021: 52 weeks
        fit(bad, horizon=2, freq=None, known_cols=[], past_cols=[], static_cols=[])


def test_dates_outside_the_years_bizai_holds_are_named_not_crashed_on(panel):
    history = panel[0].astype({"month": str})
    history.loc[3, "month"] = "9999-12-31"  # a warehouse's 'open-ended'
    with pytest.raises(DataContractError, match=r"dates outside the years 1678-2261 .* rows 3 \('9999-12-31'\)"):
        fit(history)
    with pytest.raises(DataContractError, match=r"dates outside the years .* rows 3"):
        fit(history.assign(month=pd.to_datetime(history["month"]).astype("datetime64[s]")))


def test_plan_ids_that_differ_only_in_spaces_or_case_are_pointed_out(panel):
    history, future = panel
    model = fit(history)
    with pytest.warns(UserWarning, match=r"'s0 ' for 'S0'"), pytest.raises(
            DataContractError, match=r"no row for .*\(ids given as 's0 ' for 'S0', 's1 ' for 'S1'.* differ from the "
                                     r"history's only in spaces or letter case: write them alike\)"):
        model.predict(known_future=future.assign(store=future["store"].str.lower() + " "))
    with pytest.warns(UserWarning, match="'XS0'"), pytest.raises(DataContractError) as refused:
        model.predict(known_future=future.assign(store="X" + future["store"]))
    assert "letter case" not in str(refused.value)  # other ids get no such hint
    assert "(none of known_future's series is one of the history's: 'XS0', 'XS1', 'XS2' (and 2 more) against " \
           "'S0', 'S1', 'S2' (and 2 more))" in str(refused.value)  # the plan names whose ids it holds


def test_too_many_backtest_windows_are_refused_saying_how_many_fit(panel):
    model = ProfitForecaster(model="naive", horizon=6, freq="MS")
    with pytest.raises(DataContractError, match=r"Not enough history for 10 backtest window\(s\) of 6 period\(s\).*"
                                                r"Use at most 5 window\(s\) at this horizon, or a shorter horizon\.$"):
        model.backtest(panel[0], n_windows=10, **FIT_COLUMNS)
    assert model.backtest(panel[0], n_windows=5, **FIT_COLUMNS).forecasts["cutoff"].nunique() == 5
    with pytest.raises(DataContractError, match=r"Use a shorter horizon\.$"):
        ProfitForecaster(model="naive", horizon=36, freq="MS").backtest(panel[0], n_windows=1, **FIT_COLUMNS)


def test_series_whose_ids_differ_only_in_spaces_or_case_are_warned_about(panel, caplog):
    history = panel[0].copy()
    history.loc[(history["store"] == "S1") & (history["month"] >= "2022-06-01"), "store"] = "S1 "
    history.loc[(history["store"] == "S2") & (history["month"] >= "2022-06-01"), "store"] = "s2"
    with caplog.at_level(logging.WARNING, logger="bizai.finance.panel"):
        model = fit(history)
    assert len(model.panel_.series_ids) == 7  # forecast apart, as given
    assert ("series whose ids differ only in spaces or letter case: 'S1' and 'S1 ', 'S2' and 's2'. They are "
            "forecast as separate series") in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bizai.finance.panel"):
        fit(panel[0])
    assert "letter case" not in caplog.text


def test_several_columns_in_one_string_are_pointed_to_a_list(panel):
    with pytest.raises(DataContractError, match=r"'promo,revenue' \(several columns in one string: pass a list, "
                                                r"\['promo', 'revenue'\]\)"):
        fit(panel[0], known_cols="promo,revenue", past_cols=[])
