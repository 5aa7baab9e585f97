"""A saved model is a folder: `meta.json` (what it is, how it was made) and the model's own files.

Saving is atomic (see io.atomic_folder). Loading checks the format, the bizai version and the library
versions the model depends on, and refuses with a message that says what differs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

import bizai
from bizai.errors import IncompatibleModelError
from bizai.io import atomic_folder

FORMAT_VERSION = 1
META_FILE = "meta.json"


def library_versions(names: list[str]) -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def fingerprint(frame: pd.DataFrame) -> str:
    """A stable hash of a frame's content (values and column names), to tell which data trained a model."""
    hashed = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest = hashlib.sha256(hashed.tobytes())
    digest.update("|".join(map(str, frame.columns)).encode())
    return digest.hexdigest()[:16]


def major_minor(version: str) -> str:
    return ".".join(version.split("+")[0].split(".")[:2])


def save_folder(path: str | os.PathLike, meta: dict[str, Any], write_payload) -> Path:
    """Write `meta` plus whatever `write_payload(folder)` writes, atomically, to `path`."""
    meta = {
        "format_version": FORMAT_VERSION,
        "bizai_version": bizai.__version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **meta,
    }
    with atomic_folder(path) as folder:
        write_payload(folder)
        (folder / META_FILE).write_text(json.dumps(meta, indent=2, default=str))
    return Path(path)


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    folder = Path(path)
    meta_path = folder / META_FILE
    if not folder.is_dir():
        raise IncompatibleModelError(f"{str(folder)!r} is not a model folder (it does not exist or is a file).")
    if not meta_path.is_file():
        raise IncompatibleModelError(f"{str(folder)!r} has no {META_FILE}: it is not a bizai model or it is damaged.")
    try:
        return json.loads(meta_path.read_text())
    except json.JSONDecodeError as exc:
        raise IncompatibleModelError(f"{meta_path} is damaged (not valid JSON: {exc}).") from exc


def check_compatible(meta: dict[str, Any], expected_family: str, path: str | os.PathLike) -> None:
    """Refuse models of another family, another format, another bizai minor version or library versions."""
    if meta.get("format_version") != FORMAT_VERSION:
        raise IncompatibleModelError(
            f"Model {str(path)!r} has format version {meta.get('format_version')}; this bizai reads {FORMAT_VERSION}."
        )
    if meta.get("family") != expected_family:
        raise IncompatibleModelError(
            f"Model {str(path)!r} is a {meta.get('family')!r} model, not a {expected_family!r} model."
        )
    saved = meta.get("bizai_version", "?")
    if major_minor(saved) != major_minor(bizai.__version__):
        raise IncompatibleModelError(
            f"Model {str(path)!r} was saved by bizai {saved}; this is bizai {bizai.__version__}. "
            "Retrain it with this version."
        )
    differences = []
    saved_libraries = meta.get("library_versions", {})
    current = library_versions([name for name in saved_libraries if name != "python"])
    for name, version in saved_libraries.items():
        if name == "python":
            continue
        if major_minor(version) != major_minor(current[name]):
            differences.append(f"{name} {version} (saved) vs {current[name]} (installed)")
    if differences:
        raise IncompatibleModelError(
            f"Model {str(path)!r} was saved with other library versions: {'; '.join(differences)}. "
            "Install those versions or retrain."
        )


def torch_to_bytes(value: Any) -> bytes:
    """Serialise tensors/state dicts with torch.save, for models that pickle their network as bytes."""
    import io

    import torch

    buffer = io.BytesIO()
    torch.save(value, buffer)
    return buffer.getvalue()


def torch_from_bytes(payload: bytes) -> Any:
    import io

    import torch

    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)
