"""Optional parts of bizai and the extra that installs each: a missing one is named in one line.

    pip install bizai                  forecasting (naive, LightGBM), statements, ALS/item-kNN/popularity, the CLI
    pip install "bizai[deep]"          TFT and SASRec (PyTorch, Lightning, pytorch-forecasting)
    pip install "bizai[report]"        charts and the HTML statement report (Altair, vl-convert)
    pip install "bizai[dashboard]"     the Streamlit dashboard (and the report extra)
    pip install "bizai[tracking]"      MLflow tracking
    pip install "bizai[spark]"         the Spark engine (pyspark; Java 17+ from the system)
    pip install "bizai[all]"           everything
"""

from __future__ import annotations

import importlib
from types import ModuleType

from bizai.errors import MissingExtraError

EXTRA_OF = {"torch": "deep", "lightning": "deep", "pytorch_forecasting": "deep", "altair": "report",
            "vl_convert": "report", "streamlit": "dashboard", "mlflow": "tracking", "pyspark": "spark"}


def require(module: str, purpose: str) -> ModuleType:
    """Import `module` or raise MissingExtraError saying which extra brings it, e.g. for purpose "model 'tft'"."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        extra = EXTRA_OF.get(module.split(".")[0], "all")
        raise MissingExtraError(f"{purpose} needs {module.split('.')[0]}, which is not installed: "
                                f"pip install 'bizai[{extra}]'.") from exc
