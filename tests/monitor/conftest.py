import pandas as pd
import pytest

from tests.conftest import make_panel

FIT = dict(id_col="store", time_col="month", target_col="profit", static_cols=["region"], known_cols=["promo"])


def split_panel(periods: int = 36, horizon: int = 6, n_series: int = 4):
    """(training history, known future of the next `horizon` months, the actuals of those months)."""
    full, _ = make_panel(n_series=n_series, periods=periods + horizon)
    cutoff = full["month"].sort_values().unique()[periods]
    history = full[full["month"] < cutoff].reset_index(drop=True)
    actuals = full[full["month"] >= cutoff].reset_index(drop=True)
    return history, actuals[["store", "month", "promo"]], actuals


@pytest.fixture(scope="module")
def saved_forecaster(tmp_path_factory):
    """A seasonal-naive forecaster with backtest figures, saved; its training data, future and actuals."""
    from bizai.finance import ProfitForecaster

    history, future, actuals = split_panel()
    forecaster = ProfitForecaster(model="seasonal_naive", horizon=6, random_state=0, backtest_windows=2).fit(history, **FIT)
    folder = forecaster.save(tmp_path_factory.mktemp("model") / "profit")
    return folder, forecaster, history, future, actuals


def hand_ledger_frame() -> pd.DataFrame:
    return pd.DataFrame({"run_time": pd.Timestamp("2026-01-01", tz="UTC"), "model_version": "v1",
                         "store": ["A", "A", "B", "B"], "month": pd.to_datetime(["2026-02-01", "2026-03-01"] * 2),
                         "step": [1, 2, 1, 2], "forecast": [100.0, 110.0, 50.0, 60.0],
                         "p10": [90.0, 95.0, 45.0, 40.0], "p50": [100.0, 110.0, 50.0, 60.0],
                         "p90": [110.0, 125.0, 55.0, 80.0], "run_date": "2026-01-01"})
