"""The nightly loop's memory and eyes: the forecast ledger, live accuracy, input drift and recommendation
outcomes. Each function returns plain frames; thresholds turn figures into alert lines (the CLI exits 3)."""

from bizai.monitor.accuracy import accuracy_alerts, accuracy_report, join_actuals
from bizai.monitor.drift import feature_profile, input_drift
from bizai.monitor.ledger import ForecastLedger
from bizai.monitor.recommendations import recommendation_alerts, recommendation_outcomes

__all__ = ["ForecastLedger", "accuracy_alerts", "accuracy_report", "feature_profile", "input_drift", "join_actuals",
           "recommendation_alerts", "recommendation_outcomes"]
