"""SASRec's training batches: users of similar history length together, every user once per epoch."""

from __future__ import annotations

import numpy as np

from bizai.recsys.sasrec.recommender import length_buckets


def test_each_user_is_in_one_batch_per_epoch_and_batches_hold_similar_lengths():
    lengths = np.random.default_rng(0).integers(1, 200, 1000)
    batches = length_buckets(lengths, 64, np.random.default_rng(1))
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(1000))
    assert max(len(b) for b in batches) == 64
    # sorted by length, a batch spans a sixteenth of the range; random batches would span nearly all of it
    assert max(lengths[b].max() - lengths[b].min() for b in batches) < 30


def test_batches_come_in_a_random_order_that_a_seed_repeats():
    lengths = np.arange(640)
    first = [b.tolist() for b in length_buckets(lengths, 64, np.random.default_rng(5))]
    again = [b.tolist() for b in length_buckets(lengths, 64, np.random.default_rng(5))]
    assert first == again
    assert [b[0] for b in first] != sorted(b[0] for b in first)  # not longest-last: the order is shuffled
