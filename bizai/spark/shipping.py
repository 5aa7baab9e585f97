"""Model folders on executors: shipped once per executor through SparkContext.addFile, loaded once per Python
worker, checked there exactly as on one machine (format, versions, checksums)."""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bizai.errors import IncompatibleModelError
from bizai.persistence import META_FILE, read_meta

# Loaded models per Python worker: Spark reuses workers between tasks, so each loads a folder once.
LOADED: dict[str, Any] = {}


def shipped_name(folder: Path) -> str:
    """A name unique to this folder's content (its meta.json records a checksum of every state file), so two
    models both called "recs" never collide and re-shipping the same model is a no-op."""
    return "bizai-model-" + hashlib.sha256((folder / META_FILE).read_bytes()).hexdigest()[:16]


def ship_model(spark, path: str | Path, ship: bool = True) -> str:
    """Send the model folder at `path` to every executor; returns what `open_model` needs on the other side.

    ship=False reads `path` itself on the executors: for folders on storage every node mounts (e.g. /dbfs).
    """
    folder = Path(path).resolve()
    read_meta(folder)  # a missing or damaged folder is refused here, before any task starts
    if not ship:
        return str(folder)
    name = shipped_name(folder)
    context = spark.sparkContext
    if name not in {Path(f).name for f in context.listFiles}:
        parent = tempfile.mkdtemp(prefix="bizai-ship-")
        # Executors fetch the copy while tasks run, so it stays until this process ends, then goes (a nightly job
        # must not leave a model copy in the temp folder every night).
        atexit.register(shutil.rmtree, parent, ignore_errors=True)
        staging = Path(parent) / name  # addFile names the copy after its folder
        shutil.copytree(folder, staging)
        context.addFile(str(staging), recursive=True)
    return "spark-files:" + name


def shipped_path(reference: str) -> str:
    """On an executor: where the folder `ship_model` referred to lies."""
    if reference.startswith("spark-files:"):
        from pyspark import SparkFiles

        return SparkFiles.get(reference.removeprefix("spark-files:"))
    return reference


def open_model(reference: str, loader: Callable[[str], Any], part: str | None = None) -> Any:
    """On an executor: the model `ship_model` sent (or its sub-folder `part`), loaded with `loader` once per
    worker."""
    key = f"{reference}|{part or ''}"
    if key not in LOADED:
        path = shipped_path(reference)
        path = os.path.join(path, part) if part else path
        try:
            LOADED[key] = loader(path)
        except IncompatibleModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - an unreadable folder must say so, whatever the reason
            raise IncompatibleModelError(f"model folder {path!r} could not be read on this executor: "
                                         f"{type(exc).__name__}: {exc}") from exc
    return LOADED[key]
