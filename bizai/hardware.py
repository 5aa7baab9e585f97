"""Hardware detection in one place: the CPUs this process may use, and whether implicit's CUDA build and
torch's GPU can be used here."""

from __future__ import annotations

import logging
import math
import os
from pathlib import Path

from bizai.errors import DataContractError

log = logging.getLogger(__name__)


THREADS_VARIABLE = "BIZAI_THREADS"
CGROUP_ROOT = Path("/sys/fs/cgroup")


def cgroup_cpu_limit(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota of this container in CPUs (cgroup v2 cpu.max, or v1 cfs quota / period), None when unlimited."""
    try:
        quota, period = (root / "cpu.max").read_text().split()[:2]
        return None if quota == "max" else int(quota) / int(period)
    except (OSError, ValueError):
        pass
    try:
        quota = int((root / "cpu" / "cpu.cfs_quota_us").read_text())
        period = int((root / "cpu" / "cpu.cfs_period_us").read_text())
        return quota / period if quota > 0 and period > 0 else None
    except (OSError, ValueError):
        return None


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a container's CPU quota (rounded down, at
    least one). Threads beyond that only wait for each other."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    limit = cgroup_cpu_limit()
    if limit is not None:
        count = min(count, math.floor(limit))
    return max(1, count)


def compute_threads() -> int:
    """Threads for LightGBM and other CPU work: BIZAI_THREADS when set (a positive integer), else available_cpus().
    Results are deterministic for a given thread count; another count may round differently."""
    value = os.environ.get(THREADS_VARIABLE)
    if value:
        try:
            threads = int(value)
        except ValueError:
            threads = 0
        if threads < 1:
            raise DataContractError(f"{THREADS_VARIABLE} must be a positive integer, got {value!r}.")
        return threads
    return available_cpus()


def implicit_gpu_available() -> bool:
    """implicit's GPU path needs its CUDA build plus CUDA 13 and rmm at run time; HAS_CUDA says if they load."""
    try:
        import implicit.gpu
    except ImportError:
        return False
    if not implicit.gpu.HAS_CUDA:
        log.debug("implicit GPU path off: implicit.gpu.HAS_CUDA is False (no CUDA runtime/rmm here); using the CPU.")
    return bool(implicit.gpu.HAS_CUDA)


def torch_gpu_available() -> bool:
    """A CUDA GPU that torch can use (False when torch is not installed)."""
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def torch_device(prefer_gpu: bool = True) -> str:
    """'cuda' when a GPU is wanted and present, else 'cpu' (SASRec)."""
    return "cuda" if prefer_gpu and torch_gpu_available() else "cpu"


def lightning_accelerator() -> str:
    """Lightning's accelerator name for this machine (TFT)."""
    return "gpu" if torch_gpu_available() else "cpu"


def mixed_precision(accelerator: str) -> str:
    """bf16 where the GPU supports it, fp16 mixed on older GPUs, full precision on the CPU."""
    if accelerator != "gpu":
        return "32-true"
    import torch

    return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
