"""Optional MLflow tracking (`--track` or BIZAI_TRACKING_URI). Without either, nothing is imported or logged.

The default store is ./mlruns (a local file store; mlflow-skinny is enough). For SQLite or a server, set
BIZAI_TRACKING_URI (e.g. sqlite:///mlflow.db, which needs the full mlflow package)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bizai.extras import require


def tracking_requested(track: bool) -> bool:
    """Whether to log to MLflow: --track given, or BIZAI_TRACKING_URI set."""
    return track or bool(os.environ.get("BIZAI_TRACKING_URI"))


def log_run(track: bool, name: str, params: dict[str, Any], metrics: dict[str, float], folder: Path | None,
            step: int | None = None) -> None:
    """One MLflow run: params, metrics (at `step`, e.g. the run date as 20261123, for monitoring over time) and
    the model folder as artifacts."""
    if not tracking_requested(track):
        return
    mlflow = require("mlflow", "--track")
    uri = os.environ.get("BIZAI_TRACKING_URI") or f"file:{Path('mlruns').resolve()}"
    if uri.startswith("file:"):
        # MLflow 3 keeps its file store behind an opt-in; a local folder is the zero-setup default we promise.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    mlflow.set_tracking_uri(uri)
    with mlflow.start_run(run_name=name):
        mlflow.log_params({k: str(v)[:500] for k, v in params.items()})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}, step=step)
        if folder is not None:
            mlflow.log_artifacts(str(folder), artifact_path="model")
