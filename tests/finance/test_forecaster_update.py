"""ProfitForecaster.update: newer actuals appended without a refit, so the next forecast starts after them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bizai.errors import DataContractError
from bizai.finance import ProfitForecaster
from bizai.persistence import folder_version
from tests.conftest import FIT_COLUMNS, make_panel


@pytest.fixture(scope="module")
def months():
    history, future = make_panel(n_series=4, periods=36)
    cutoff = history["month"].sort_values().unique()[30]
    return history[history["month"] < cutoff].reset_index(drop=True), history[history["month"] >= cutoff], future


def test_update_forecasts_from_the_new_end_as_predicting_from_the_full_history_does(months, tmp_path):
    old, new, future = months
    columns = {**FIT_COLUMNS, "past_cols": []}
    folder = ProfitForecaster(model="lightgbm", horizon=3, random_state=0).fit(old, **columns).save(tmp_path / "m1")
    stale = ProfitForecaster.load(folder)
    expected = stale.predict(known_future=future, data=pd.concat([old, new]))
    updated = ProfitForecaster.load(folder).update(new)
    got = updated.predict(known_future=future)
    assert got["month"].min() > new["month"].max()
    pd.testing.assert_frame_equal(got, expected)
    updated.save(tmp_path / "m2")
    meta = json.loads((tmp_path / "m2" / "meta.json").read_text())
    assert meta["lineage"][0]["parent_version"] == folder_version(folder)
    assert meta["lineage"][0]["rows_added"] == len(new) and meta["training_rows"] == len(old) + len(new)
    assert meta["training_end"].startswith(str(new["month"].max().date()))


def test_restated_rows_replace_and_bad_updates_are_refused(months):
    old, new, _ = months
    model = ProfitForecaster(model="naive", horizon=3).fit(old, id_col="store", time_col="month", target_col="profit")
    with pytest.raises(DataContractError, match="at or before"):
        model.update(old.tail(4))
    with pytest.raises(DataContractError, match="missing column.*'profit'"):
        model.update(new.drop(columns="profit"))
    with pytest.raises(DataContractError, match="duplicate"):
        model.update(pd.concat([new, new.head(1)]))
    with pytest.raises(DataContractError, match="recalibrate must be True or False, got 'no'"):
        model.update(new, recalibrate="no")  # a truthy text: it would have refitted the bands
    restated = pd.concat([old.tail(1).assign(profit=-1.0), new])
    model.update(restated)
    history = model.history_frame()
    last_old = old.tail(1)
    row = history[(history["store"] == last_old["store"].iloc[0]) & (history["month"] == last_old["month"].iloc[0])]
    assert row["profit"].iloc[0] == -1.0
    assert model.lineage_[-1]["rows_restated"] == 1 and model.lineage_[-1]["rows_added"] == len(new)
    assert model.predict()["month"].min() > new["month"].max()


def test_recalibrate_relearns_the_bands(months):
    old, new, _ = months
    model = ProfitForecaster(model="seasonal_naive", horizon=3, calibration_windows=2).fit(
        old, id_col="store", time_col="month", target_col="profit")
    before = model.bands_
    model.update(new.assign(profit=new["profit"] * 1.3), recalibrate=True)
    assert model.bands_ is not before and model.lineage_[-1]["calibration"] == "relearnt"


def test_an_update_refreshes_calibrated_bands_from_the_arrived_errors_without_a_refit(months):
    old, new, future = months
    columns = {**FIT_COLUMNS, "past_cols": []}
    model = ProfitForecaster(model="lightgbm", horizon=3, calibration_windows=2, random_state=0).fit(old, **columns)
    fitted, scores_before = model.fitted_model_, model.calibration_scores_
    upper_before = model.bands_.offsets("all", "all", 1)[0.9]
    surprise = new.assign(profit=new["profit"] * 1.5)  # the arrived periods miss badly
    model.update(surprise)
    assert model.fitted_model_ is fitted and model.lineage_[-1]["calibration"] == "refreshed"
    assert model.calibration_scores_["cutoff"].nunique() == scores_before["cutoff"].nunique() + 1
    assert model.calibration_scores_["score"].abs().max() > scores_before["score"].abs().max()
    assert model.bands_.offsets("all", "all", 1)[0.9] > upper_before  # the upper band widens after the misses
    assert model.predict(known_future=future)["p90"].notna().all()


def test_an_update_with_ids_spelt_otherwise_is_refused_and_only_its_own_gaps_are_reported(months, caplog):
    old, new, _ = months
    gappy = old.drop(index=old.index[5])  # a gap in the history, reported at fit
    model = ProfitForecaster(model="naive", horizon=3).fit(gappy, id_col="store", time_col="month", target_col="profit")
    lower = new.assign(store=new["store"].str.lower())  # an export that lower-cased the ids
    with pytest.raises(DataContractError, match=rf"ids given as '{lower['store'].iloc[0]}' for "
                                                rf"'{new['store'].iloc[0]}'.* only in spaces or letter case"):
        model.update(lower)
    assert model.lineage_ == []  # nothing appended
    missing = new.index[(new["store"] == new["store"].iloc[0])][1]
    caplog.clear()  # the fit's report of the history's gap
    with caplog.at_level("WARNING", logger="bizai.finance.panel"):
        model.update(new.drop(index=missing))
    filled = [r.getMessage() for r in caplog.records if "Filled" in r.getMessage()]
    end = old["month"].max().date()
    assert filled == [f"Filled 1 missing period(s) after {end} (target left empty): "
                      f"'{new.loc[missing, 'store']} {new.loc[missing, 'month'].date()}'"]
