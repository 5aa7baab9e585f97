"""Model names the forecaster accepts, mapped to their classes (imported lazily: TFT pulls in torch)."""

from __future__ import annotations

from bizai.errors import DataContractError, MissingExtraError
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


def params_for(name: str, params: dict) -> dict:
    """The model_params that model `name` understands, for `auto`, whose candidates share one model_params (the
    TFT's hidden_size is not for LightGBM, nor num_leaves for the TFT)."""
    known = model_class(name).known_params()
    return dict(params) if known is None else {key: value for key, value in params.items() if key in known}


def unknown_to_every_model(params: dict) -> list[str]:
    """The model_params names no model that takes hyper-parameters understands: misspelt ones. None are named when
    a model's names cannot be known here (the TFT without bizai[deep])."""
    known: set[str] = set()
    for name in MODEL_NAMES:
        try:
            names = model_class(name).known_params() if name != "auto" else None
        except MissingExtraError:
            return []
        known |= set(names or ())
    return sorted(set(params) - known)


def auto_candidates() -> list[str]:
    """The models `auto` can afford here: TFT only with a GPU (on a CPU it takes minutes per backtest window)."""
    return ["naive", "seasonal_naive", "lightgbm", *(["tft"] if torch_gpu_available() else [])]
