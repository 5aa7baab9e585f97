"""SASRec's serving path: the last position's state computed alone (leading padding cut, last block on the last
query only, users in length-sorted chunks) gives the same scores as the full network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from bizai.recsys import SASRecArchitecture, SASRecRecommender, SASRecTraining  # noqa: E402
from bizai.recsys.sasrec.network import SASRecNetwork  # noqa: E402


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_last_hidden_equals_the_full_network_at_the_last_position(layers):
    torch.manual_seed(0)
    network = SASRecNetwork(n_items=50, hidden=32, layers=layers, heads=2, dropout=0.2, max_length=20).eval()
    rng = np.random.default_rng(0)
    sequences = np.zeros((6, 20), dtype=np.int64)
    for row, length in enumerate([20, 12, 5, 1, 3, 0]):  # full, short, one item, and a user without history
        if length:
            sequences[row, -length:] = rng.integers(1, 51, length)
    batch = torch.from_numpy(sequences)
    with torch.no_grad():
        full = network(batch)[:, -1]
        fast = network.last_hidden(batch)
        short = network.last_hidden(batch[1:4])  # leading padding of the whole batch cut: 8 columns
    assert torch.isfinite(fast).all()
    torch.testing.assert_close(fast, full, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(short, full[1:4], rtol=1e-4, atol=1e-5)


def test_recommendations_come_from_length_sorted_chunks_unchanged(monkeypatch):
    rng = np.random.default_rng(1)
    rows = [(user, int(item), day) for user in range(60) for day, item in
            enumerate(rng.integers(0, 30, rng.integers(2, 25)))]
    events = pd.DataFrame(rows, columns=["user_id", "item_id", "day"])
    model = SASRecRecommender(SASRecArchitecture(hidden=16, layers=2, heads=1, max_length=24),
                              SASRecTraining(epochs=2, batch_size=16), random_state=0)
    model.fit(events, user_col="user_id", item_col="item_id", time_col="day")
    users = np.arange(60)
    with torch.no_grad():
        expected = model.network_.item_scores(model.network_(torch.from_numpy(model.sequences_[users]))[:, -1])
    monkeypatch.setattr("bizai.recsys.sasrec.recommender.SERVING_CHUNK", 7)  # chunks cut across lengths
    np.testing.assert_allclose(model._scores(users), expected.numpy(), rtol=1e-4, atol=1e-5)
