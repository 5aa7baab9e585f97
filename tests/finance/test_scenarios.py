"""What-if forecasts: planned values changed for one series move that series' forecast only, in the direction
the model learnt; unplanned columns, unknown ids and text columns are refused by name."""

from __future__ import annotations

import pytest

from bizai import DataContractError
from bizai.finance import ProfitForecaster
from bizai.finance.scenarios import what_if
from tests.conftest import FIT_COLUMNS, make_panel


@pytest.fixture(scope="module")
def fitted():
    history, future = make_panel(n_series=4, periods=48)
    fc = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0,
                          model_params={"n_estimators": 80, "min_child_samples": 5}).fit(history, **FIT_COLUMNS)
    return fc, future


def test_more_promotion_raises_the_forecast_of_the_changed_store_only(fitted):
    fc, future = fitted
    everyone = what_if(fc, future, {"promo": 4})
    assert everyone["change"].mean() > 0  # promo adds 10 per day in the data the model learnt from
    one = what_if(fc, future, {"promo": 4}, ids={"store": "S1"})
    assert set(one["store"]) == {"S1"} and len(one) == 6
    merged = one.merge(everyone, on=["store", "month"], suffixes=("", "_all"))
    assert (merged["change"] - merged["change_all"]).abs().max() < 1e-9  # a store's forecast reads its own plan


def test_bad_what_ifs_are_refused_by_name(fitted):
    fc, future = fitted
    with pytest.raises(DataContractError, match="'revenue'"):
        what_if(fc, future, {"revenue": 1})
    with pytest.raises(DataContractError, match="No rows"):
        what_if(fc, future, {"promo": 1}, ids={"store": "nowhere"})
    with pytest.raises(DataContractError, match="not an id column"):
        what_if(fc, future, {"promo": 1}, ids={"region": "north"})


def test_a_plan_already_forecast_is_not_forecast_again(fitted, monkeypatch):
    fc, future = fitted
    expected = what_if(fc, future, {"promo": 2}, ids={"store": "S2"})
    plan = fc.predict(known_future=future)
    calls = []
    predict = fc.predict
    monkeypatch.setattr(fc, "predict", lambda **kwargs: calls.append(kwargs) or predict(**kwargs))
    given = what_if(fc, future, {"promo": 2}, ids={"store": "S2"}, plan=plan)
    assert len(calls) == 1  # the what-if only
    assert given.equals(expected)
