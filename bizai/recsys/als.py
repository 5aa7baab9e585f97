"""Implicit-feedback matrix factorisation (ALS) through the `implicit` library.

Confidence = 1 + alpha * weight, with optional BM25 weighting of the user x item matrix first (it damps heavy
users and blockbuster items). The defaults (64 factors, regularisation 0.05, alpha 1, no BM25) had the best worst
case over four splits: MovieLens-1M leave-last-out with two tie orders and a time split, and Online Retail's last
four weeks (NDCG@10 0.053 / 0.047 / 0.244 / 0.074, each within 7% of the best setting for that split; the former
128 factors with BM25 lost up to 28%: benchmarks/als_defaults.py). BLAS is held to one thread
while implicit runs its own threads, which is what implicit asks for. The GPU build is used only where
implicit.gpu.HAS_CUDA says it loads; the factors are brought back to the CPU after training.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from bizai.hardware import compute_threads, implicit_gpu_available
from bizai.hyperparams import Flag, Number
from bizai.recsys.base import BaseRecommender
from bizai.recsys.dataset import Extension, InteractionData


class ALSRecommender(BaseRecommender):
    """Alternating least squares on implicit feedback.

    >>> rec = ALSRecommender(random_state=0).fit(events, user_col="user_id", item_col="item_id")
    >>> rec.recommend([42], k=10)
    """

    libraries = ("numpy", "scipy", "implicit")
    hyperparameter_rules = {"factors": Number(1, integer=True), "regularization": Number(0), "alpha": Number(0),
                            "iterations": Number(1, integer=True), "bm25": Flag(), "bm25_k1": Number(0),
                            "bm25_b": Number(0, 1), "use_gpu": Flag(optional=True)}

    def __init__(self, factors: int = 64, regularization: float = 0.05, alpha: float = 1.0, iterations: int = 15,
                 bm25: bool = False, bm25_k1: float = 100.0, bm25_b: float = 0.8, use_gpu: bool | None = None,
                 random_state: int | None = None, show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.bm25 = bm25
        self.bm25_k1 = bm25_k1
        self.bm25_b = bm25_b
        self.use_gpu = use_gpu

    def _weighted(self, matrix: sp.csr_matrix) -> sp.csr_matrix:
        if not self.bm25:
            return matrix.astype(np.float32)
        from implicit.nearest_neighbours import bm25_weight

        # implicit's bm25_weight weighs the columns of an item x user matrix.
        return bm25_weight(matrix.T.tocoo(), K1=self.bm25_k1, B=self.bm25_b).T.tocsr().astype(np.float32)

    def _fit(self, data: InteractionData) -> None:
        from implicit.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        gpu = implicit_gpu_available() if self.use_gpu is None else bool(self.use_gpu and implicit_gpu_available())
        self.weighted_ = self._weighted(data.matrix)
        with threadpool_limits(1, "blas"):  # implicit checks BLAS threads when the model is built
            model = AlternatingLeastSquares(
                factors=self.factors, regularization=self.regularization, alpha=self.alpha,
                iterations=self.iterations, random_state=self.random_state, use_gpu=gpu,
                **({} if gpu else {"num_threads": compute_threads()}),
            )
            model.fit(self.weighted_, show_progress=bool(self.show_progress))
        self.model_ = model.to_cpu() if gpu else model
        self.used_gpu_ = gpu

    def _update(self, data: InteractionData, extension: Extension) -> None:
        """implicit's partial fits: new items' factors from the known users who took them, every user with new
        events recomputed from their full history, then the new items again from all their users and their
        buyers once more (so new items bought only by new users settle too). Existing items keep their
        factors: a full refit now and then relearns them (see the nightly example)."""
        from threadpoolctl import threadpool_limits

        self.weighted_ = self._weighted(data.matrix)
        new_items = extension.new_items
        with threadpool_limits(1, "blas"):
            if len(new_items):
                by_item = self.weighted_[:, new_items].T.tocsr()
                self.model_.partial_fit_items(new_items, by_item[:, :self.model_.user_factors.shape[0]])
            self.model_.partial_fit_users(extension.touched_users, self.weighted_[extension.touched_users])
            if len(new_items):
                self.model_.partial_fit_items(new_items, by_item)
                buyers = np.unique(by_item.indices)
                self.model_.partial_fit_users(buyers, self.weighted_[buyers])

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self.model_.user_factors[users] @ self.model_.item_factors.T

    def _item_vectors(self) -> np.ndarray:
        return self.model_.item_factors

    def _contributions(self, user: int, item: int, history: np.ndarray) -> np.ndarray:
        """implicit's exact ALS explanation: each history item's share of the score."""
        _, top, _ = self.model_.explain(user, self.weighted_, item, N=len(history))
        by_item = dict(top)
        return np.array([by_item.get(int(h), 0.0) for h in history])
