"""Forecasting many series at once: `ProfitForecaster` and its metrics, backtests and charts."""

from bizai.finance.backtest import BacktestResult
from bizai.finance.forecaster import ProfitForecaster
from bizai.finance.metrics import coverage, mae, mase, pinball, rmse, smape, wape
from bizai.finance.statement import StatementBacktest, StatementForecaster

__all__ = ["ProfitForecaster", "StatementForecaster", "StatementBacktest", "BacktestResult",
           "mae", "rmse", "wape", "smape", "mase", "pinball", "coverage"]
