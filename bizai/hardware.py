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
