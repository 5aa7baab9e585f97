"""SASRec's training windows: the latest window of each history, or a window ending at a random position, always a
contiguous, left-padded slice of the user's own items."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from bizai.recsys import SASRecRecommender  # noqa: E402
from bizai.recsys.sasrec.recommender import TrainingWindows  # noqa: E402

LENGTH = 6


def histories() -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    lengths = [0, 1, 5, 6, 7, 20, 40]  # none, shorter than, exactly and longer than the window
    return [rng.integers(0, 100, n) for n in lengths]


def test_latest_windows_are_the_left_padded_latest_items_shifted_by_one():
    windows = TrainingWindows([np.array([4, 2]), np.arange(8), np.array([], dtype=np.int64)], 4)
    np.testing.assert_array_equal(windows.latest(), [[0, 0, 5, 3], [5, 6, 7, 8], [0, 0, 0, 0]])
    np.testing.assert_array_equal(SASRecRecommender()._padded([np.arange(8)], 4), [[5, 6, 7, 8]])


def test_random_windows_are_slices_of_each_history_ending_anywhere_past_the_first_full_window():
    sequences = histories()
    windows = TrainingWindows(sequences, LENGTH)
    generator = np.random.default_rng(0)
    ends_seen = [set() for _ in sequences]
    for _ in range(300):
        sample = windows.cut(windows.random_ends(generator))
        assert sample.shape == (len(sequences), LENGTH)
        for row, items in enumerate(sequences):
            kept = sample[row][sample[row] > 0] - 1
            if len(items) <= LENGTH:  # short histories: always the whole history, padded on the left
                np.testing.assert_array_equal(sample[row], np.r_[np.zeros(LENGTH - len(items), int), items + 1])
                continue
            assert len(kept) == LENGTH
            ends = [end for end in range(LENGTH, len(items) + 1) if np.array_equal(items[end - LENGTH:end], kept)]
            assert ends, f"row {row}: {kept} is not a slice of the history"
            ends_seen[row].update(ends)
    for row, items in enumerate(sequences):
        if len(items) > LENGTH:  # every window end, oldest to latest, is drawn
            assert set(range(LENGTH, len(items) + 1)) <= ends_seen[row]


def test_random_windows_follow_the_generator_seed():
    windows = TrainingWindows(histories(), LENGTH)
    first = windows.cut(windows.random_ends(np.random.default_rng(7)))
    np.testing.assert_array_equal(first, windows.cut(windows.random_ends(np.random.default_rng(7))))
    assert not np.array_equal(first, windows.cut(windows.random_ends(np.random.default_rng(8))))


def test_a_batch_cuts_only_its_own_rows():
    windows = TrainingWindows(histories(), LENGTH)
    ends = windows.random_ends(np.random.default_rng(2))
    rows = np.array([5, 0, 6])
    np.testing.assert_array_equal(windows.cut(ends, rows), windows.cut(ends)[rows])


def test_no_histories_give_an_empty_batch():
    windows = TrainingWindows([], LENGTH)
    assert windows.latest().shape == (0, LENGTH)
    assert windows.cut(windows.random_ends(np.random.default_rng(0))).shape == (0, LENGTH)


def test_without_a_time_column_sasrec_warns_that_row_order_is_time(events, caplog):
    from bizai.recsys import SASRecArchitecture, SASRecTraining

    model = SASRecRecommender(SASRecArchitecture(hidden=8, layers=1, heads=1, max_length=8),
                              SASRecTraining(epochs=1, batch_size=32), random_state=0, show_progress=False)
    model.fit(events, user_col="user_id", item_col="item_id")
    assert "no time_col" in caplog.text and "row order" in caplog.text
    caplog.clear()
    model.fit(events, user_col="user_id", item_col="item_id", time_col="timestamp")
    assert "no time_col" not in caplog.text
