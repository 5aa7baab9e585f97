"""Estimators follow scikit-learn: get_params rebuilds them, set_params refuses unknown names, clone gives an
unfitted twin, and backtest leaves a fitted estimator as it was."""

from __future__ import annotations

import copy

import pytest
from sklearn.base import clone

from bizai import DataContractError
from bizai.finance import ProfitForecaster, StatementForecaster
from bizai.recsys import ALSRecommender, ItemKNNRecommender, PopularityRecommender, SASRecRecommender
from bizai.recsys.sasrec.recommender import SASRecArchitecture, SASRecTraining
from tests.conftest import FIT_COLUMNS
from tests.recsys.conftest import make_events

ESTIMATORS = [
    ProfitForecaster(model="naive", horizon=3, quantiles=(0.2, 0.5, 0.8), backtest_windows=2, random_state=1),
    StatementForecaster(model="naive", horizon=2, reconcile="ols", interval=0.9),
    ALSRecommender(factors=8, iterations=3, random_state=2),
    PopularityRecommender(window_days=30.0),
    ItemKNNRecommender(neighbours=7),
    SASRecRecommender(architecture=SASRecArchitecture(hidden=16, layers=1), training=SASRecTraining(epochs=2),
                      random_state=3),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_get_params_rebuilds_the_estimator_and_clone_keeps_them(estimator):
    params = estimator.get_params()
    rebuilt = type(estimator)(**params)
    assert rebuilt.get_params() == params
    twin = clone(estimator)
    assert twin is not estimator and twin.get_params() == params


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_set_params_changes_one_setting_and_refuses_a_misspelt_one(estimator):
    twin = clone(estimator).set_params(random_state=42)
    assert twin.get_params()["random_state"] == 42
    with pytest.raises(ValueError, match="random_stat"):
        clone(estimator).set_params(random_stat=1)


def test_sasrec_params_are_its_settings_objects_so_a_clone_trains_the_same_network():
    model = SASRecRecommender(architecture=SASRecArchitecture(hidden=16, layers=1),
                              training=SASRecTraining(epochs=1, validation_users=10, max_minutes=None), random_state=0)
    events = make_events()
    fitted = model.fit(events, time_col="timestamp")
    twin = clone(fitted).fit(events, time_col="timestamp")
    assert twin.architecture == fitted.architecture and twin.architecture is not fitted.architecture
    assert twin.recommend(["u1", "u2"], k=5).equals(fitted.recommend(["u1", "u2"], k=5))


def test_a_clone_of_a_fitted_forecaster_is_unfitted(panel):
    fitted = ProfitForecaster(model="naive", horizon=3).fit(panel[0], **FIT_COLUMNS)
    twin = clone(fitted)
    assert not hasattr(twin, "fitted_model_")
    with pytest.raises(Exception, match="not fitted"):
        twin.predict()


def test_backtest_leaves_the_fitted_forecaster_as_it_was(panel):
    fitted = ProfitForecaster(model="lightgbm", horizon=3, freq="MS", random_state=0,
                              model_params={"n_estimators": 20}).fit(panel[0], **FIT_COLUMNS)
    future = panel[1][panel[1]["month"] <= "2024-03-01"]
    before, forecast = copy.deepcopy(fitted), fitted.predict(known_future=future)
    fitted.backtest(n_windows=2)
    fitted.backtest(panel[0], n_windows=1, **FIT_COLUMNS)
    assert vars(fitted).keys() == vars(before).keys()
    assert fitted.panel_.frame.equals(before.panel_.frame) and fitted.backtest_metrics_ is None
    assert fitted.predict(known_future=future).equals(forecast)


def test_backtest_windows_record_metrics_at_fit_and_match_a_separate_backtest(panel):
    model = ProfitForecaster(model="seasonal_naive", horizon=3, freq="MS", backtest_windows=2)
    fitted = model.fit(panel[0], **FIT_COLUMNS)
    separate = fitted.backtest(n_windows=2).metrics.iloc[0]
    recorded = fitted.backtest_metrics_[0]
    assert recorded["mae"] == pytest.approx(separate["mae"]) and recorded["model"] == "seasonal_naive"
    # calibration on the same windows shares the backtest and gives the same figures
    both = clone(model).set_params(calibration_windows=2).fit(panel[0], **FIT_COLUMNS)
    assert both.backtest_metrics_[0]["mae"] == pytest.approx(separate["mae"])
    assert clone(model).set_params(backtest_windows=0).fit(panel[0], **FIT_COLUMNS).backtest_metrics_ is None


def test_bad_backtest_windows_are_refused(panel):
    with pytest.raises(DataContractError,
                       match=r"ProfitForecaster: backtest_windows must be an integer of at least 0, got -1"):
        ProfitForecaster(model="naive", backtest_windows=-1).fit(panel[0], **FIT_COLUMNS)


def test_method_arguments_are_checked_by_name(panel):
    model = ProfitForecaster(model="naive", horizon=2).fit(panel[0], **FIT_COLUMNS)
    cases = [(lambda: model.backtest(n_windows="2"), r"n_windows must be an integer of at least 1, got '2'"),
             (lambda: model.backtest(n_windows=2, step=0), r"step must be an integer of at least 1, or None, got 0"),
             (lambda: list(model.predict_batches(known_future=panel[1], series_per_batch=0)),
              r"series_per_batch must be an integer of at least 1, got 0"),
             (lambda: model.plot(id=None, known_future=panel[1], history_periods=-1),
              r"history_periods must be an integer of at least 1, or None, got -1")]
    for call, message in cases:
        with pytest.raises(DataContractError, match=message):
            call()
    for params, message in [({"interval": "0.8"}, r"StatementForecaster: interval must be a number above 0"),
                            ({"interval": 1}, r"StatementForecaster: interval must lie strictly between 0 and 1"),
                            ({"horizon": 0}, r"StatementForecaster: horizon must be an integer of at least 1")]:
        with pytest.raises(DataContractError, match=message):
            StatementForecaster(**{"model": "naive", "horizon": 2, **params}).fit(
                panel[0].assign(cost=1.0), id_col="store", time_col="month", lines=["profit", "cost"],
                hierarchy=["region", "store"])


@pytest.mark.parametrize("state", ["a", -1, 1.5, True])
def test_a_random_state_that_is_not_a_seed_is_refused_at_fit(panel, state):
    with pytest.raises(DataContractError, match=f"random_state must be .* got {state!r}"):
        ProfitForecaster(model="naive", horizon=3, random_state=state).fit(panel[0], **FIT_COLUMNS)
    with pytest.raises(DataContractError, match="random_state must be"):
        ALSRecommender(factors=4, iterations=1, random_state=state).fit(make_events(), time_col="timestamp")


def test_sasrec_trains_by_epochs_and_warns_when_its_safety_time_limit_cuts_in():
    events = make_events()
    training = SASRecTraining(epochs=30, patience=30, validation_users=10, max_minutes=0.00001)
    limited = r"SASRec training hit its max_minutes=1e-05 safety limit after 1 of 30 epochs"
    with pytest.warns(UserWarning, match=limited) as caught:
        SASRecRecommender(architecture=SASRecArchitecture(hidden=16, layers=1), training=training,
                          random_state=0).fit(events, time_col="timestamp")
    limit = next(w for w in caught if "safety limit" in str(w.message))
    assert limit.filename == __file__  # shown at the caller's fit, not inside bizai
    assert SASRecTraining().max_minutes >= 60  # a safety stop, not the budget that decides the model
