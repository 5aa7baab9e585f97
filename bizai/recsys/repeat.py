"""Repeat-aware recommendations: a customer's own past items (buy again) blended with a learnt model's scores.

Where repeat purchase is normal (supplies, groceries, wholesale), most of the next basket was bought before, but
not every past item comes back and new ones join. Buy-again alone cannot rank new items; a learnt model alone
ranks past items only by taste, not by how lately and how often they were bought. Here both scores are scaled
to [0, 1] per customer and mixed: `repeat_share` of the own-history score plus the rest of the model's. With
seen items filtered the own-history part is gone and the ranking is the model's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from bizai.errors import DataContractError
from bizai.hyperparams import Number, check_hyperparameters
from bizai.recsys.base import BaseRecommender
from bizai.recsys.baselines import BuyAgainRecommender
from bizai.recsys.dataset import InteractionData


def scaled_per_row(scores: np.ndarray) -> np.ndarray:
    """Each row mapped to [0, 1] (min to 0, max to 1); a constant row becomes zeros."""
    low = scores.min(axis=1, keepdims=True)
    span = scores.max(axis=1, keepdims=True) - low
    return np.divide(scores - low, span, out=np.zeros_like(scores, dtype=float), where=span > 0)


class RepeatAwareRecommender(BaseRecommender):
    """Buy-again blended with a learnt recommender (`base`, a registry name such as "als" or "itemknn").

    >>> rec = RepeatAwareRecommender(base="itemknn").fit(purchases, user_col="customer", item_col="product",
    ...                                                   time_col="at", weight_col="weight")
    >>> rec.recommend(["c42"], k=10, filter_seen=False)
    """

    hyperparameter_rules = {"repeat_share": Number(0, 1), "half_life_days": Number(0, above=True, optional=True)}

    def __init__(self, base: str = "itemknn", base_params: Mapping[str, Any] | None = None, repeat_share: float = 0.5,
                 half_life_days: float | None = 60.0, random_state: int | None = None,
                 show_progress: bool | None = None):
        super().__init__(random_state, show_progress)
        self.base = base
        self.base_params = base_params
        self.repeat_share = repeat_share
        self.half_life_days = half_life_days

    def _fit(self, data: InteractionData) -> None:
        from bizai.recsys.registry import build_recommender

        if self.base in ("buy_again", "repeat_aware"):
            raise DataContractError(f"base must be a learnt recommender (als, itemknn, sasrec), got {self.base!r}.")
        self.base_model_ = build_recommender(self.base, self.random_state, self.show_progress,
                                             **dict(self.base_params or {}))
        check_hyperparameters(self.base_model_, self.base_model_.hyperparameter_rules)  # its fit is not called
        self.base_model_._fit(data)
        self.base_model_.data_ = data
        self.own_history_ = BuyAgainRecommender(self.half_life_days)
        self.own_history_._fit(data)

    def _scores(self, users: np.ndarray) -> np.ndarray:
        learnt = scaled_per_row(np.asarray(self.base_model_._scores(users), dtype=float))
        own = self.own_history_.own_[users].toarray()
        return float(self.repeat_share) * scaled_per_row(own) + (1 - float(self.repeat_share)) * learnt

    def _item_vectors(self) -> np.ndarray | None:
        return self.base_model_._item_vectors()
