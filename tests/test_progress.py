"""Steps of long work reach a caller's reporter (the dashboard's progress bar), which can also stop the work."""

from __future__ import annotations

import pytest

from bizai.finance import ProfitForecaster
from bizai.progress import progress, reporting_steps
from tests.conftest import FIT_COLUMNS


def test_each_step_is_reported_and_the_end_too():
    seen = []
    with reporting_steps(lambda *step: seen.append(step)):
        assert list(progress(["a", "b"], "letters", show=False)) == ["a", "b"]
        assert list(progress(iter([1]), "no length", show=False)) == [1]
    assert seen == [("letters", 0, 2), ("letters", 1, 2), ("letters", 2, 2), ("no length", 0, None),
                    ("no length", 1, 1)]
    list(progress(["c"], "outside", show=False))
    assert len(seen) == 5  # outside the block nobody is told


def test_a_calibrated_fit_reports_its_backtest_windows_and_the_models(panel):
    history, _ = panel
    seen = []
    with reporting_steps(lambda description, done, total: seen.append((description, done, total))):
        ProfitForecaster(model="lightgbm", horizon=3, calibration_windows=2, model_params={"n_estimators": 10},
                         random_state=0).fit(history, **FIT_COLUMNS)
    assert ("Backtest windows", 2, 2) in seen and ("LightGBM models", 1, 1) in seen


class Cancelled(BaseException):
    """What Streamlit raises in the script thread when the analyst clicks Cancel (it is not an Exception)."""


def test_a_reporter_that_raises_stops_the_fit(panel):
    history, _ = panel
    windows_started = []

    def cancel_at_the_second_window(description, done, total):
        if description == "Backtest windows":
            windows_started.append(done)
            if done == 1:
                raise Cancelled

    model = ProfitForecaster(model="naive", horizon=3, calibration_windows=3)
    with pytest.raises(Cancelled), reporting_steps(cancel_at_the_second_window):
        model.fit(history, **FIT_COLUMNS)
    assert windows_started == [0, 1]
    assert not hasattr(model, "panel_")  # nothing of a half-done fit is kept
