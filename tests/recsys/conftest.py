import numpy as np
import pandas as pd
import pytest


def make_events(n_users: int = 60, n_items: int = 40, seed: int = 0) -> pd.DataFrame:
    """Users prefer one of two item groups and move through items in order (i -> i+1), so models can learn."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(n_users):
        group = user % 2
        position = int(rng.integers(0, n_items // 2 - 8))
        for step in range(int(rng.integers(6, 14))):
            item = group * (n_items // 2) + (position + step) % (n_items // 2)
            rows.append((f"u{user}", f"i{item}", 1_700_000_000 + user * 10_000 + step * 60,
                         rng.choice(["view", "cart", "purchase"], p=[0.7, 0.2, 0.1])))
    return pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "event"])


@pytest.fixture(scope="session")
def events() -> pd.DataFrame:
    return make_events()
