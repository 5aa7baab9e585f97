"""A saved model is a folder: `meta.json` (what it is, how it was made, a SHA-256 of every state file) and the
model's own files.

Saving is atomic (see io.atomic_folder) and only ever replaces a model folder of the same family holding
nothing but what bizai wrote there: a user's folder or file is refused, never emptied. Loading checks the
format, the bizai version, the library versions and the checksums before anything is unpickled, and refuses
with a message that says what differs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import logging
import os
import pickle
import platform
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

import bizai
from bizai.errors import IncompatibleModelError, UnsafeOutputError
from bizai.io import atomic_folder, user_path
from bizai.schema import warn_at_caller

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
META_FILE = "meta.json"
# The "family" in meta.json: what kind of model a folder holds (a fit refuses to replace another family's folder).
FORECASTER_FAMILY = "forecaster"
STATEMENT_FAMILY = "statement"
RECOMMENDER_FAMILY = "recommender"
PARTITIONS_FAMILY = "forecaster-partitions"  # one forecaster per partition value (bizai.spark)


def library_versions(names: list[str]) -> dict[str, str]:
    """Installed versions of `names` plus Python's, for meta.json."""
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


def chained_fingerprint(parent: str, added: pd.DataFrame) -> str:
    """The fingerprint of a model's training data after an update adds `added` to the data fingerprinted `parent`."""
    return fingerprint(pd.DataFrame({"parent": [parent], "added": [fingerprint(added)]}))


def lineage_entry(model: Any, started: float, **figures: Any) -> list[dict[str, Any]]:
    """`model.lineage_` with one more update recorded: the version of the folder it was loaded from (None when it
    was not), the time, how long it took (from `started`, a perf_counter reading) and the update's `figures`."""
    return [*(getattr(model, "lineage_", None) or []), {
        "parent_version": getattr(model, "folder_version_", None),
        "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), **figures,
        "seconds": round(time.perf_counter() - started, 3)}]


def folder_version(folder: str | os.PathLike) -> str:
    """A short hash of a model folder's meta.json: it changes with every save (new checksums, new time), so it
    names one version of a model in ledgers and lineage."""
    return hashlib.sha256((user_path(folder) / META_FILE).read_bytes()).hexdigest()[:16]


def file_checksums(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under `folder` except meta.json, by relative path."""
    sums = {}
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != META_FILE):
        digest = hashlib.sha256()
        with open(file, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        sums[file.relative_to(folder).as_posix()] = digest.hexdigest()
    return sums


def check_replaceable(path: str | os.PathLike, family: str) -> None:
    """Allow writing a model folder at `path` only where nothing but a model of `family` would be lost.

    Refused (UnsafeOutputError): a file; a folder that is not a bizai model folder (no meta.json) or is
    unreadable; a model of another family; a model folder that also holds files bizai did not write there.
    """
    final = user_path(path)
    if not final.exists() and not final.is_symlink():
        return
    shown = str(path)
    if not final.is_dir() or final.is_symlink():
        raise UnsafeOutputError(f"{shown!r} exists and is not a model folder (it is a file or a link); refusing to "
                                "replace it. Choose a new folder path for the model.")
    entries = sorted(p.name for p in final.iterdir())
    if META_FILE not in entries:
        described = f"holds {len(entries)} entr{'y' if len(entries) == 1 else 'ies'} ({', '.join(entries[:5])}" + (
            ", ...)" if len(entries) > 5 else ")") if entries else "is empty"
        raise UnsafeOutputError(
            f"{shown!r} exists and is not a bizai model folder (no {META_FILE}; it {described}); refusing to replace "
            f"it. Choose a new folder path, e.g. {str(final / 'model')!r}."
        )
    try:
        meta = read_meta(final)
    except IncompatibleModelError as exc:
        raise UnsafeOutputError(f"{shown!r} has a damaged {META_FILE} ({exc}); refusing to replace a folder bizai "
                                "cannot identify. Remove it yourself if it is yours, or choose another path.") from exc
    if meta.get("family") != family:
        raise UnsafeOutputError(f"{shown!r} holds a {meta.get('family')!r} model, not a {family!r} model; refusing to "
                                "replace it.")
    known = set(meta.get("checksums") or {}) | {META_FILE}
    present = {p.relative_to(final).as_posix() for p in final.rglob("*") if p.is_file()}
    foreign = sorted(present - known) if meta.get("checksums") is not None else []
    if foreign:
        raise UnsafeOutputError(f"{shown!r} is a model folder that also holds files bizai did not write: "
                                f"{', '.join(foreign[:5])}; refusing to replace it. Move them out first.")


def save_folder(path: str | os.PathLike, meta: dict[str, Any], write_payload) -> Path:
    """Write `meta` plus whatever `write_payload(folder)` writes, atomically, to `path`.

    `path` must be new or an earlier model folder of the same family (see check_replaceable).
    """
    check_replaceable(path, meta["family"])
    if user_path(path).exists():  # said here, when it happens, not by the check the CLI runs before fitting
        log.info("replacing the existing %s model folder %s", meta["family"], path)
    meta = {
        "format_version": FORMAT_VERSION,
        "bizai_version": bizai.__version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **meta,
    }
    with atomic_folder(path) as folder:
        write_payload(folder)
        meta["checksums"] = file_checksums(folder)
        (folder / META_FILE).write_text(json.dumps(meta, indent=2, default=str))
    return user_path(path)


def save_pickled(path: str | os.PathLike, meta: dict[str, Any], state: Any, state_file: str) -> Path:
    """Save `state` pickled as `state_file` with `meta`, through save_folder: the twin of load_pickled."""

    def write(folder: Path) -> None:
        with open(folder / state_file, "wb") as handle:
            pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)

    return save_folder(path, meta, write)


def verify_checksums(path: str | os.PathLike, meta: dict[str, Any]) -> None:
    """Refuse a folder whose state files differ from what was saved: damaged files are never unpickled."""
    recorded = meta.get("checksums")
    if recorded is None:
        log.warning("Model %s predates state-file checksums; its files cannot be verified before loading.", path)
        return
    actual = file_checksums(user_path(path))
    damaged = sorted(name for name, digest in recorded.items() if actual.get(name) != digest)
    if damaged:
        missing = [name for name in damaged if name not in actual]
        detail = f"missing: {', '.join(missing)}" if missing else "content differs from what was saved"
        raise IncompatibleModelError(f"Model {str(path)!r} is damaged: {', '.join(damaged)} ({detail}). "
                                     "Restore the folder from a backup or retrain.")


def load_pickled(path: str | os.PathLike, family: str, state_file: str,
                 expected_model: str | None = None) -> tuple[Any, dict[str, Any]]:
    """Read meta, check compatibility (and the model class when `expected_model` is given) and checksums, then
    unpickle `state_file`. Returns (object, meta).

    Model folders hold pickled Python objects: load only folders you trust.
    """
    meta = read_meta(path)
    check_compatible(meta, family, path)
    if expected_model is not None and meta.get("model") != expected_model:
        raise IncompatibleModelError(f"{str(path)!r} holds a model of class {meta.get('model')}, not {expected_model}: "
                                     f"load it with {meta.get('model')}.load, or with the base class of its family.")
    verify_checksums(path, meta)
    state = user_path(path) / state_file
    try:
        with open(state, "rb") as handle:
            return pickle.load(handle), meta
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ModuleNotFoundError, ValueError) as exc:
        raise IncompatibleModelError(f"Model file {str(state)!r} is damaged or unreadable: {exc}") from exc


def find_model_folders(root: str | os.PathLike) -> list[Path]:
    """Model folders (those holding meta.json) under `root`, sorted; hidden folders are unfinished writes
    (see bizai.io) and are never listed."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.parent for p in root.rglob(META_FILE)
                  if not any(part.startswith(".") for part in p.relative_to(root).parts))


def read_meta(path: str | os.PathLike) -> dict[str, Any]:
    """A model folder's meta.json, with a clear error when the folder or file is missing or unreadable."""
    folder = user_path(path)
    meta_path = folder / META_FILE
    if not folder.is_dir():
        raise IncompatibleModelError(f"{str(folder)!r} is not a model folder (it does not exist or is a file).")
    if not meta_path.is_file():
        raise IncompatibleModelError(f"{str(folder)!r} has no {META_FILE}: it is not a bizai model or it is damaged.")
    try:
        meta = json.loads(meta_path.read_text())
    except (ValueError, OSError) as exc:
        raise IncompatibleModelError(f"{meta_path} is damaged (not valid JSON: {exc}).") from exc
    if not isinstance(meta, dict):
        raise IncompatibleModelError(f"{meta_path} is damaged (expected a JSON object, found {type(meta).__name__}).")
    return meta


# Libraries whose major releases change what their pickled state means: a model saved under another major version
# of one of these is refused; any other version difference (minor releases, Python) is only warned about.
FORMAT_SENSITIVE = ("numpy", "pandas", "scipy", "scikit-learn", "lightgbm", "implicit", "torch", "lightning",
                    "pytorch-forecasting")


def major(version: str) -> str:
    """The major part of a version string ('4.6.0+cpu' -> '4')."""
    return version.split("+")[0].split(".")[0]


def check_compatible(meta: dict[str, Any], expected_family: str, path: str | os.PathLike) -> None:
    """Refuse models of another family or bizai folder format, or saved under another major version of a
    format-sensitive library; warn about every other version difference (a minor upgrade must not break a
    nightly job)."""
    if meta.get("format_version") != FORMAT_VERSION:
        raise IncompatibleModelError(
            f"Model {str(path)!r} has folder format version {meta.get('format_version')}; this bizai "
            f"({bizai.__version__}) reads format {FORMAT_VERSION}. Retrain it with this version."
        )
    if meta.get("family") != expected_family:
        raise IncompatibleModelError(
            f"Model {str(path)!r} is a {meta.get('family')!r} model, not a {expected_family!r} model."
        )
    saved_libraries = meta.get("library_versions") or {}
    if not isinstance(saved_libraries, dict):
        raise IncompatibleModelError(f"Model {str(path)!r} has a damaged meta.json: library_versions is not a table.")
    current = library_versions([name for name in saved_libraries if name != "python"])
    refused, warned = [], []
    saved_bizai = str(meta.get("bizai_version", "?"))
    if saved_bizai != bizai.__version__:
        warned.append(f"bizai {saved_bizai} (saved) vs {bizai.__version__} (installed)")
    for name, version in saved_libraries.items():
        installed = current.get(name, "not installed")  # library_versions always reports python too
        if str(version) == installed:
            continue
        difference = f"{name} {version} (saved) vs {installed} (installed)"
        if name in FORMAT_SENSITIVE and (installed == "not installed" or major(str(version)) != major(installed)):
            refused.append(difference)
        else:
            warned.append(difference)
    if refused:
        raise IncompatibleModelError(
            f"Model {str(path)!r} was saved with other major library versions: {'; '.join(refused)}. "
            "Install those versions or retrain."
        )
    if warned:
        message = (f"Model {str(path)!r} was saved with other versions: {'; '.join(warned)}. It loads; retrain if its "
                   "forecasts or recommendations look off.")
        warn_at_caller(message)  # the CLI prints warnings as log lines; logging it too would print it twice


def json_params(estimator: Any) -> dict[str, Any]:
    """An estimator's hyper-parameters (scikit-learn's get_params) as JSON for meta.json: dataclasses become
    dicts and tuples lists, so the record reads the same whatever the estimator keeps its settings in."""
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return dataclasses.asdict(value)
        if isinstance(value, tuple | list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {name: plain(value) for name, value in estimator.get_params(deep=False).items()}


def torch_to_bytes(value: Any) -> bytes:
    """Serialise tensors/state dicts with torch.save (to CPU-loadable bytes)."""
    buffer = io.BytesIO()
    import torch

    torch.save(value, buffer)
    return buffer.getvalue()


def torch_from_bytes(payload: bytes) -> Any:
    """The value `torch_to_bytes` wrote, on the CPU."""
    import torch

    return torch.load(io.BytesIO(payload), map_location="cpu", weights_only=False)


class PicklesNetworkAsBytes:
    """Pickles the torch module in `network_` as bytes of `_network_payload(network)` and rebuilds it with
    `_network_from_payload(payload)` on load: saved folders then hold weights and settings, not module internals
    (lightning modules also carry unpicklable caches). The one place torch state is pickled."""

    def _network_payload(self, network: Any) -> Any:
        raise NotImplementedError

    def _network_from_payload(self, payload: Any) -> Any:
        raise NotImplementedError

    def __getstate__(self):
        state = dict(self.__dict__)
        network = state.pop("network_", None)
        if network is not None:
            state[NETWORK_BYTES] = torch_to_bytes(self._network_payload(network))
        return state

    def __setstate__(self, state):
        state = dict(state)
        payload = state.pop(NETWORK_BYTES, None)
        for legacy in LEGACY_NETWORK_KEYS:  # folders written before this class: same payloads, other keys
            payload = state.pop(legacy, payload)
        self.__dict__.update(state)
        if payload is not None:
            self.network_ = self._network_from_payload(torch_from_bytes(payload)).eval()


NETWORK_BYTES = "network_bytes_"
LEGACY_NETWORK_KEYS = ("network_weights_",)
