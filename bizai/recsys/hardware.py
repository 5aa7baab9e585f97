"""Hardware detection in one place: whether implicit's CUDA build and torch's GPU can be used here."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def implicit_gpu_available() -> bool:
    """implicit's GPU path needs its CUDA build plus CUDA 13 and rmm at run time; HAS_CUDA says if they load."""
    try:
        import implicit.gpu
    except ImportError:
        return False
    if not implicit.gpu.HAS_CUDA:
        log.debug("implicit GPU path off: implicit.gpu.HAS_CUDA is False (no CUDA runtime/rmm here); using the CPU.")
    return bool(implicit.gpu.HAS_CUDA)


def torch_device(prefer_gpu: bool = True) -> str:
    import torch

    return "cuda" if prefer_gpu and torch.cuda.is_available() else "cpu"
