"""What every forecasting model inside bizai implements. ProfitForecaster is the public face; these
models only ever see a validated Panel and a future grid, and return canonical frames."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import pandas as pd

from bizai.errors import DataContractError
from bizai.finance.panel import Panel
from bizai.schema import SERIES, did_you_mean


def quantile_label(q: float) -> str:
    """0.1 -> 'p10', 0.5 -> 'p50', 0.025 -> 'p2.5'."""
    return f"p{q * 100:g}"


@dataclass
class ModelSettings:
    """Settings every model receives from the forecaster."""

    horizon: int
    quantiles: tuple[float, ...]
    random_state: int | None
    show_progress: bool | None = None


class ForecastModel(ABC):
    """A model fitted on a Panel. `predict` returns SERIES, TIME, `forecast` and one column per quantile."""

    name: str = "base"
    # Hyper-parameters the model understands; None passes any through (LightGBM checks its own).
    accepted_params: frozenset[str] | None = frozenset()
    # True where each interval level costs a model of its own (LightGBM: a booster per quantile): a calibrated
    # forecaster, whose bands come from conformal scores instead, then trains the median alone.
    separate_interval_models: bool = False

    def __init__(self, settings: ModelSettings, **params):
        known = self.known_params()
        unknown = sorted(set(params) - known) if known is not None else []
        if unknown:
            hints = ", ".join(f"{name!r}{did_you_mean(name, known)}" for name in unknown)
            accepted = ", ".join(sorted(known)) if len(known) <= 30 else f"the {len(known)} names in its documentation"
            raise DataContractError(f"Unknown model_params for model {self.name!r}: {hints}. It accepts: "
                                    f"{accepted or 'none'}.")
        self.settings = settings
        self.params = params

    @classmethod
    def known_params(cls) -> frozenset[str] | None:
        """The model_params names this model understands; None where it takes any (and uses none)."""
        return cls.accepted_params

    def min_history(self, panel: Panel) -> int:
        """Observed periods a series needs; shorter series get the naive fallback."""
        return 1

    def forecastable(self, panel: Panel, future: pd.DataFrame) -> pd.Series:
        """Which rows of `future` this model forecasts; the others get the naive fallback, in one place
        (forecaster.predict_with). By default: series with at least `min_history` observed periods."""
        return ~future[SERIES].isin(panel.short_series(self.min_history(panel)))

    @abstractmethod
    def fit(self, panel: Panel) -> ForecastModel:
        """Learn from the panel; returns self."""

    @abstractmethod
    def predict(self, panel: Panel, future: pd.DataFrame) -> pd.DataFrame:
        """`future` has SERIES, TIME, `__step` (1..horizon) and the known covariates."""

    def feature_importance(self) -> pd.DataFrame | None:
        """feature, importance (shares summing to 1), or None for models without drivers."""
        return None

    def library_names(self) -> list[str]:
        """Libraries whose version must match when a saved model is loaded."""
        return ["pandas", "numpy"]
