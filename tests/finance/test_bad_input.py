"""Bad input gets a DataContractError that names the column, rows or series and says what was expected."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import bizai
from bizai import DataContractError, IncompatibleModelError
from bizai.finance import ProfitForecaster
from tests.conftest import FIT_COLUMNS


def fit(history, **overrides):
    return ProfitForecaster(model="naive", horizon=overrides.pop("horizon", 6), freq=overrides.pop("freq", "MS")).fit(
        history, **{**FIT_COLUMNS, **overrides})


def test_misspelled_column_is_named_with_a_suggestion(panel):
    with pytest.raises(DataContractError, match=r"'proft'.*did you mean 'profit'"):
        fit(panel[0], target_col="proft")


def test_non_numeric_target_names_rows_and_values(panel):
    history = panel[0].astype({"profit": object})
    history.loc[3, "profit"] = "n/a"
    with pytest.raises(DataContractError, match=r"'profit'.*numeric.*rows 3.*'n/a'"):
        fit(history)


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


def test_saved_model_from_another_version_is_refused(panel, tmp_path):
    model = fit(panel[0])
    folder = model.save(tmp_path / "m")
    meta = json.loads((folder / "meta.json").read_text())
    meta["bizai_version"] = "9.9.0"
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match="bizai 9.9.0"):
        ProfitForecaster.load(folder)
    meta["bizai_version"] = bizai.__version__
    meta["library_versions"]["pandas"] = "1.0.0"
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(IncompatibleModelError, match="pandas 1.0.0"):
        ProfitForecaster.load(folder)


def test_damaged_model_folder_is_refused(tmp_path):
    (tmp_path / "broken").mkdir()
    with pytest.raises(IncompatibleModelError, match="no meta.json"):
        ProfitForecaster.load(tmp_path / "broken")
