"""Forecasting many series at once: `ProfitForecaster` and its metrics, backtests and charts."""

from bizai.finance.backtest import BacktestResult
from bizai.finance.forecaster import ProfitForecaster
from bizai.finance.metrics import coverage, mae, mase, pinball, rmse, smape, wape

__all__ = ["ProfitForecaster", "BacktestResult", "mae", "rmse", "wape", "smape", "mase", "pinball", "coverage"]
