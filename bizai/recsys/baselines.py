"""Popularity (optionally over a recent window), item-item nearest neighbours (implicit's BM25 item-kNN) and buy
again (a customer's own past items, by recency and frequency)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from bizai.errors import DataContractError
from bizai.hyperparams import Number
from bizai.recsys.base import BaseRecommender
from bizai.recsys.dataset import InteractionData, seconds_per_unit


class PopularityRecommender(BaseRecommender):
    """Most interacted-with items (distinct users), optionally counting only the last `window_days`."""

    hyperparameter_rules = {"window_days": Number(0, above=True, optional=True)}

    def __init__(self, window_days: float | None = None, random_state: int | None = None,
                 show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.window_days = window_days

    def _fit(self, data: InteractionData) -> None:
        events = data.events
        if self.window_days is not None:
            if "time" not in events:
                raise DataContractError("window_days needs time_col: the popularity window is measured in time.")
            time = events["time"]
            latest = time.max()
            span = (pd.Timedelta(days=self.window_days) if pd.api.types.is_datetime64_any_dtype(time)
                    else self.window_days * 86400 / seconds_per_unit(time))
            events = events[time >= latest - span]
        counts = events.drop_duplicates(["user", "item"]).groupby("item").size()
        self.item_scores_ = np.zeros(data.n_items)
        self.item_scores_[counts.index.to_numpy()] = counts.to_numpy()

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return np.broadcast_to(self.item_scores_, (len(users), len(self.item_scores_))).copy()


class BuyAgainRecommender(BaseRecommender):
    """A customer's own past items, most often and most recently bought first; items they never had follow in
    order of popularity. The baseline to beat where repeat purchase is normal (groceries, supplies, wholesale):
    use it with recommend(..., filter_seen=False), since with seen items filtered it is popularity.

    half_life_days: an interaction counts half as much for every this many days it lies before the log's latest
    interaction (needs time_col; without one, or with None, every interaction counts alike: frequency only).
    """

    hyperparameter_rules = {"half_life_days": Number(0, above=True, optional=True)}

    def __init__(self, half_life_days: float | None = 60.0, random_state: int | None = None,
                 show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.half_life_days = half_life_days

    def _fit(self, data: InteractionData) -> None:
        import scipy.sparse as sp

        events = data.events
        decay = data.recency_decay(self.half_life_days)
        weight = events["weight"].to_numpy(dtype=float) * decay
        self.own_ = sp.csr_matrix((weight, (events["user"].to_numpy(), events["item"].to_numpy())),
                                  shape=(data.n_users, data.n_items))
        popularity = data.item_popularity()
        # Below any own item's score: an own item always ranks above an item the customer never had.
        floor = float(weight[weight > 0].min()) if (weight > 0).any() else 1.0
        self.fallback_ = popularity / (popularity.max() or 1.0) * floor * 1e-3

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return self.own_[users].toarray() + self.fallback_


class ItemKNNRecommender(BaseRecommender):
    """Item-item neighbours with BM25 weighting: a user's score for an item sums its similarity to their items."""

    libraries = ("numpy", "scipy", "implicit")
    hyperparameter_rules = {"neighbours": Number(1, integer=True), "k1": Number(0), "b": Number(0, 1)}

    def __init__(self, neighbours: int = 100, k1: float = 1.2, b: float = 0.75, random_state: int | None = None,
                 show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.neighbours = neighbours
        self.k1 = k1
        self.b = b

    def _fit(self, data: InteractionData) -> None:
        from implicit.nearest_neighbours import BM25Recommender
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"), warnings.catch_warnings():
            # implicit converts its own BM25-weighted COO matrix internally and warns about it.
            warnings.filterwarnings("ignore", message="Method expects CSR input")
            model = BM25Recommender(K=self.neighbours, K1=self.k1, B=self.b)
            model.fit(data.matrix.astype(np.float32), show_progress=False)
        self.similarity_ = model.similarity.tocsr()
        self.matrix_ = data.matrix.astype(np.float32)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        return (self.matrix_[users] @ self.similarity_).toarray()

    def _contributions(self, user: int, item: int, history: np.ndarray) -> np.ndarray:
        weights = self.matrix_[user, history].toarray().ravel()
        return weights * self.similarity_[history, item].toarray().ravel()
