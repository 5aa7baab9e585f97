"""Model names the forecaster accepts, mapped to their classes (imported lazily: TFT pulls in torch)."""

from __future__ import annotations

from bizai.errors import DataContractError
from bizai.extras import require
from bizai.finance.base import ForecastModel, ModelSettings
from bizai.hardware import torch_gpu_available

MODEL_NAMES = ("naive", "seasonal_naive", "lightgbm", "tft", "auto")


def model_class(name: str) -> type[ForecastModel]:
    """The class of the model called `name` (imported only when asked for)."""
    if name == "naive":
        from bizai.finance.baselines import NaiveModel as cls
    elif name == "seasonal_naive":
        from bizai.finance.baselines import SeasonalNaiveModel as cls
    elif name == "lightgbm":
        from bizai.finance.lightgbm_model import LightGBMModel as cls
    elif name == "tft":
        require("pytorch_forecasting", "model 'tft'")
        from bizai.finance.tft_model import TFTModel as cls
    else:
        raise DataContractError(f"Unknown model {name!r}; expected one of {', '.join(MODEL_NAMES)}.")
    return cls


def build_model(name: str, settings: ModelSettings, params: dict) -> ForecastModel:
    """The model called `name` with the forecaster's settings and model_params (unknown params refused)."""
    return model_class(name)(settings, **params)


def auto_candidates() -> list[str]:
    """The models `auto` can afford here: TFT only with a GPU (on a CPU it takes minutes per backtest window)."""
    return ["naive", "seasonal_naive", "lightgbm", *(["tft"] if torch_gpu_available() else [])]
