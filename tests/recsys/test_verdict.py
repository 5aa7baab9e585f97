"""The evaluation in plain words: a verdict against the baseline per k, and readable column names."""

from __future__ import annotations

import pandas as pd
import pytest

from bizai import DataContractError
from bizai.recsys.evaluate import readable_evaluation, verdict


def table(ndcg_10, ndcg_20, recall=None):
    frame = pd.DataFrame({"k": [10, 20], "hr": [0.2, 0.3], "recall": [0.2, 0.3], "ndcg": [ndcg_10, ndcg_20]})
    if recall is not None:
        frame["recall"] = recall
    return frame


def test_better_at_every_k_says_so_with_the_lift():
    sentence = verdict(table(0.12, 0.15), table(0.10, 0.10), "als")
    assert sentence.good
    assert sentence.startswith("als is better than popularity") and "top 10: +20%" in sentence and "+50%" in sentence


def test_worse_at_every_k_recommends_the_baseline():
    worse = verdict(table(0.05, 0.05), table(0.10, 0.10), "sasrec")
    assert worse.startswith("sasrec is worse than popularity") and not worse.good


def test_mixed_and_level_results_are_told_apart():
    assert "beats popularity at top 20" in verdict(table(0.08, 0.15), table(0.10, 0.10), "als")
    assert "no better than popularity" in verdict(table(0.101, 0.099), table(0.10, 0.10), "als")
    assert not verdict(table(0.08, 0.15), table(0.10, 0.10), "als").good


def test_tables_without_a_shared_k_are_refused():
    with pytest.raises(DataContractError, match="share no k"):
        verdict(table(0.1, 0.1), table(0.1, 0.1).assign(k=[5, 6]), "als")


def test_recall_is_dropped_only_when_it_repeats_the_hit_rate():
    assert list(readable_evaluation(table(0.1, 0.1)).columns) == ["k", "hit rate", "NDCG"]
    assert "recall" in readable_evaluation(table(0.1, 0.1, recall=[0.1, 0.2])).columns
