"""Forecasting many series at once: `ProfitForecaster` and its metrics, backtests and charts."""

from bizai.finance.backtest import BacktestResult
from bizai.finance.forecaster import ProfitForecaster
from bizai.finance.metrics import coverage, mae, mase, pinball, rmse, smape, wape
from bizai.finance.statement import StatementBacktest, StatementForecaster
from bizai.wide import long_from_entity_columns, long_from_wide

__all__ = ["ProfitForecaster", "StatementForecaster", "StatementBacktest", "BacktestResult",
           "long_from_wide", "long_from_entity_columns", "mae", "rmse", "wape", "smape", "mase", "pinball", "coverage"]
