"""Ranking metrics over the full catalogue (no sampled negatives), plus coverage and novelty."""

from __future__ import annotations

import numpy as np
import pandas as pd


def ranking_metrics(recommended: list[list], relevant: list[set], k: int) -> dict[str, float]:
    """HR, Recall, NDCG, MAP and MRR at k, averaged over users; `recommended[u]` is ranked best first."""
    hr, recall, ndcg, average_precision, reciprocal = [], [], [], [], []
    for items, truth in zip(recommended, relevant, strict=True):
        top = items[:k]
        hits = np.array([item in truth for item in top], dtype=float)
        n_relevant = len(truth)
        hr.append(float(hits.any()))
        recall.append(hits.sum() / n_relevant if n_relevant else 0.0)
        discounts = 1.0 / np.log2(np.arange(2, len(top) + 2))
        ideal = discounts[: min(n_relevant, k)].sum()
        ndcg.append(float((hits * discounts).sum() / ideal) if ideal else 0.0)
        precision_at_hits = np.cumsum(hits) / np.arange(1, len(top) + 1)
        average_precision.append(float((precision_at_hits * hits).sum() / min(n_relevant, k)) if n_relevant else 0.0)
        first = np.flatnonzero(hits)
        reciprocal.append(1.0 / (first[0] + 1) if len(first) else 0.0)
    return {"hr": np.mean(hr), "recall": np.mean(recall), "ndcg": np.mean(ndcg), "map": np.mean(average_precision),
            "mrr": np.mean(reciprocal)}


def catalogue_coverage(recommended: list[list], n_items: int) -> float:
    """Share of the catalogue that appears in anyone's list."""
    return len({item for items in recommended for item in items}) / n_items if n_items else 0.0


def novelty(recommended: list[list], popularity: pd.Series, n_users: int) -> float:
    """Mean self-information -log2(share of users who interacted) of recommended items; higher is more novel."""
    share = (popularity / max(n_users, 1)).clip(lower=1.0 / max(n_users, 1))
    values = [-np.log2(share.get(item, 1.0 / max(n_users, 1))) for items in recommended for item in items]
    return float(np.mean(values)) if values else 0.0
