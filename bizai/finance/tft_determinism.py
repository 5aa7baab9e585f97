"""Repeatable TFT training: a random state gives the same network on the same machine, on a GPU too.

Lightning's `deterministic=True` makes torch refuse operations without a deterministic kernel. On a GPU one of the
TFT's layers has none: pytorch-forecasting's TimeDistributedInterpolation resizes inputs with `F.interpolate`
(linear), whose CUDA backward adds gradients atomically in whatever order the threads finish, so training stopped
with "upsample_linear1d_backward_out_cuda does not have a deterministic implementation". The same linear map, applied
as a matrix product, has a deterministic backward and gives the same numbers up to rounding.
"""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def torch_determinism_restored():
    """Lightning's `deterministic=True` turns torch's process-wide deterministic-algorithms flag on and leaves it on;
    put the caller's setting back afterwards, so a TFT fit does not change how later torch code (SASRec on a GPU,
    the user's own) runs."""
    import torch

    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)


def interpolation_matrix(size: int, output_size: int, like):
    """The (size, output_size) matrix M with x @ M == F.interpolate(x, output_size, mode="linear",
    align_corners=True) for rows x of length `size`: the interpolation of each unit vector, on `like`'s device and
    dtype."""
    import torch
    import torch.nn.functional as functional

    exact = like.dtype if like.dtype in (torch.float32, torch.float64) else torch.float32  # weights before rounding
    unit_vectors = torch.eye(size, device=like.device, dtype=exact).unsqueeze(1)
    matrix = functional.interpolate(unit_vectors, output_size, mode="linear", align_corners=True).squeeze(1)
    return matrix.to(like.dtype)


@contextlib.contextmanager
def interpolation_as_matrix_product(network):
    """For the block's duration, every TimeDistributedInterpolation in `network` interpolates by a matrix product
    (see the module's docstring); afterwards the layers are pytorch-forecasting's own again, so a fitted network
    predicts as one loaded from disk does."""
    from pytorch_forecasting.models.temporal_fusion_transformer.sub_modules import TimeDistributedInterpolation

    layers = [module for module in network.modules() if isinstance(module, TimeDistributedInterpolation)]
    for layer in layers:
        layer.interpolate = _matrix_interpolation(layer)  # an instance attribute shadows the class's method
    try:
        yield
    finally:
        for layer in layers:
            del layer.interpolate


def _matrix_interpolation(layer):
    """`layer.interpolate` with the interpolation as a matrix product (one matrix per input size, device, dtype)."""
    matrices = {}

    def interpolate(x):
        key = (x.shape[-1], x.device, x.dtype)
        if key not in matrices:
            matrices[key] = interpolation_matrix(x.shape[-1], layer.output_size, x)
        upsampled = x @ matrices[key]
        if layer.trainable:  # as in pytorch-forecasting's TimeDistributedInterpolation.interpolate
            upsampled = upsampled * layer.gate(layer.mask.unsqueeze(0)) * 2.0
        return upsampled

    return interpolate
