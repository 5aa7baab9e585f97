"""Make base forecasts coherent: every parent equals the sum of its children and every identity holds.

Each method is a projection ỹ = S·P·ŷ onto the coherent space spanned by the summing matrix S (Wickramasuriya,
Athanasopoulos & Hyndman 2019, "MinT"): P = (SᵀW⁻¹S)⁻¹SᵀW⁻¹ with W the (assumed) covariance of the base errors.
Written here rather than taken from hierarchicalforecast: its structural weights assume non-negative sums (an
identity such as profit = revenue - cost has -1 coefficients) and it expects the bottom rows last; the
projection itself is a few lines of linear algebra.
"""

from __future__ import annotations

import numpy as np

from bizai.errors import DataContractError

METHODS = ("bottom_up", "ols", "wls_struct", "mint_shrink", "none")
# method: (its name for people, what it does) -- the dashboard's choices and help
METHODS_IN_WORDS = {"mint_shrink": ("MinT-shrink", "weighs each level by how reliable its own forecasts were (default)"),
                    "wls_struct": ("WLS", "weighs each node by how many stores it sums"),
                    "ols": ("OLS", "every level weighed alike"),
                    "bottom_up": ("bottom-up", "stores forecast, everything above is their sum"),
                    "none": ("none", "each level forecast on its own (they may not add up)")}


MAX_PROJECTED_SERIES = 10_000  # series that ols, wls_struct and mint_shrink reconcile at most (see affordable)


def require_affordable(method: str, n_series: int, n_leaves: int, n_lines: int) -> None:
    """Refuse, before any fitting, a projection too large for one machine: ols, wls_struct and mint_shrink solve
    with series x series matrices (about ten of them: 8 GB at 10,000 series, and time growing with the cube);
    bottom-up only sums the leaves' forecasts."""
    if method in ("bottom_up", "none") or n_series <= MAX_PROJECTED_SERIES:
        return
    memory = 10 * n_series ** 2 * 8 / 1e9
    raise DataContractError(
        f"This statement has {n_series:,} series ({n_leaves:,} leaves and their parents, {n_lines} lines each): "
        f"too many for reconcile={method!r}, which works with {n_series:,} x {n_series:,} matrices (about "
        f"{memory:,.0f} GB, and hours to invert; at most {MAX_PROJECTED_SERIES:,} series). Use reconcile='bottom_up' "
        "(the parents are the sums of the leaves' forecasts), or make the leaves a level above (product groups "
        "rather than products).")


def shrunk_covariance(residuals: np.ndarray, scales: np.ndarray | None = None) -> np.ndarray:
    """Schäfer-Strimmer shrinkage of the residual covariance towards its diagonal.

    `residuals` is observations x series and may hold NaN (a series absent in a window): covariances use the
    pairs observed together; a pair never observed together gets 0. A series with fewer than two errors (a store
    that opened lately) gets the typical variance of the others relative to their `scales`, scaled to its own.
    """
    observed = ~np.isnan(residuals)
    filled = np.where(observed, residuals, 0.0)
    counts = observed.T.astype(float) @ observed.astype(float)
    means = filled.sum(axis=0) / np.maximum(observed.sum(axis=0), 1)
    centred = np.where(observed, residuals - means, 0.0)
    covariance = (centred.T @ centred) / np.maximum(counts - 1, 1)
    covariance[counts < 2] = 0.0
    variance = np.diag(covariance).copy()
    sparse = np.diag(counts) < 2
    if sparse.any():
        units = np.ones(len(variance)) if scales is None else np.maximum(np.asarray(scales, dtype=float), 1e-12)
        typical = float(np.median(variance[~sparse] / units[~sparse] ** 2)) if (~sparse).any() else 1.0
        variance[sparse] = typical * units[sparse] ** 2
    variance = np.clip(variance, 1e-12, None)
    std = np.sqrt(variance)
    standardised = centred / std  # 0 where unobserved
    # Sums over observations of the products w_tij = s_ti * s_tj (0 unless both are observed) and of their spread
    # around the mean, as matrix products: series x series memory, where the products themselves took
    # observations x series x series (11 GB for Walmart's 3,377 series over 39 window steps).
    product_sum = standardised.T @ standardised
    safe = np.maximum(counts, 2)
    mean_product = product_sum / np.maximum(counts, 1)
    correlation = safe / (safe - 1) * mean_product
    squares = standardised ** 2
    spread = squares.T @ squares - 2 * mean_product * product_sum + mean_product ** 2 * counts  # sum (w - mean)^2
    correlation_variance = safe / (safe - 1) ** 3 * np.maximum(spread, 0.0)
    off = ~np.eye(len(variance), dtype=bool) & (counts >= 2)
    denominator = float((correlation[off] ** 2).sum())
    shrinkage = 1.0 if denominator <= 0 else float(np.clip(correlation_variance[off].sum() / denominator, 0.0, 1.0))
    correlation[counts < 2] = 0.0
    shrunk = correlation * (1 - shrinkage)
    np.fill_diagonal(shrunk, 1.0)
    result = shrunk * std[:, None] * std[None, :]
    return result + np.eye(len(variance)) * 1e-8 * float(variance.mean())


def projection(summing: np.ndarray, method: str, residuals: np.ndarray | None = None,
               scales: np.ndarray | None = None) -> np.ndarray:
    """The matrix G (bottom x all series) such that the coherent forecasts are S @ G @ ŷ."""
    n_series, n_bottom = summing.shape
    if method not in METHODS:
        raise DataContractError(f"Unknown reconciliation {method!r}; expected one of {', '.join(METHODS)}.")
    if method == "bottom_up":
        bottom_rows = bottom_row_positions(summing)
        chooser = np.zeros((n_bottom, n_series))
        chooser[np.arange(n_bottom), bottom_rows] = 1.0
        return chooser
    if method == "ols":
        weights_inverse = np.eye(n_series)
    elif method == "wls_struct":  # each series weighted by how many bottom series it adds up
        weights_inverse = np.diag(1.0 / np.maximum(np.abs(summing).sum(axis=1), 1.0))
    else:
        if residuals is None or np.isfinite(residuals).sum(axis=0).max(initial=0) < 2:
            raise DataContractError("mint_shrink needs backtest errors (at least two per series).")
        weights_inverse = np.linalg.pinv(shrunk_covariance(residuals, scales), hermitian=True)
    gram = summing.T @ weights_inverse @ summing
    return np.linalg.solve(gram + np.eye(n_bottom) * 1e-12 * np.trace(gram) / n_bottom, summing.T @ weights_inverse)


def bottom_row_positions(summing: np.ndarray) -> np.ndarray:
    """Row of S that is each bottom series itself: its last unit row (a parent with one child has the same row
    as the child, and bizai orders levels top to bottom)."""
    positions = []
    for column in range(summing.shape[1]):
        unit = np.flatnonzero((summing[:, column] == 1.0) & (np.abs(summing).sum(axis=1) == 1.0))
        if not len(unit):
            raise DataContractError("The summing matrix has a bottom series without its own row.")
        positions.append(int(unit[-1]))
    return np.asarray(positions)


def reconcile(summing: np.ndarray, base: np.ndarray, method: str, residuals: np.ndarray | None = None,
              scales: np.ndarray | None = None) -> np.ndarray:
    """Coherent forecasts for `base` (series x periods); 'none' returns them unchanged."""
    if method == "none":
        return base
    return summing @ (projection(summing, method, residuals, scales) @ base)
