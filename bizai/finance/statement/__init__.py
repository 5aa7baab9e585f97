"""Forecast financial statements: lines, identities and a hierarchy that add up, with calibrated ranges."""

from bizai.finance.statement.forecaster import StatementBacktest, StatementForecaster

__all__ = ["StatementForecaster", "StatementBacktest"]
