"""Make sample_data/events.parquet (user_id, item_id, timestamp, event) and sample_data/items.csv (item_id, name,
category, price): 3,000 shoppers, 1,000 products, about 200k events. Deterministic.

Structure a recommender can learn: each shopper prefers two or three categories; item popularity is skewed
(Zipf within a category); shopping happens in sessions (view -> some carts -> fewer purchases); and buying
certain items leads to their accessories next (phone -> case -> charger, camera -> memory card -> tripod...).

    python sample_data/make_events.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
CATEGORIES = {"phones": 220, "computers": 180, "home": 320, "sports": 260, "books": 450, "beauty": 150,
              "toys": 190, "garden": 130}
CHAINS = [("phones", ["Smartphone", "Phone case", "Fast charger", "Screen protector"]),
          ("computers", ["Laptop", "Laptop sleeve", "Wireless mouse", "USB-C hub"]),
          ("computers", ["Camera", "Memory card", "Tripod", "Camera bag"]),
          ("sports", ["Running shoes", "Running socks", "Sports watch", "Water bottle"]),
          ("home", ["Coffee machine", "Coffee beans", "Milk frother", "Descaler"]),
          ("garden", ["Lawn mower", "Grass seed", "Garden gloves", "Hedge trimmer"])]
ADJECTIVES = ["Classic", "Pro", "Eco", "Smart", "Mini", "Ultra", "Daily", "Premium", "Basic", "Travel"]


def make_items(rng: np.random.Generator, n_items: int = 1000) -> pd.DataFrame:
    rows = []
    for category, members in CHAINS:
        for model_number in range(3):
            for name in members:
                rows.append((f"{name} {ADJECTIVES[model_number]}", category))
    weights = np.array(list(CATEGORIES.values()), float)
    while len(rows) < n_items:
        category = rng.choice(list(CATEGORIES), p=weights / weights.sum())
        rows.append((f"{rng.choice(ADJECTIVES)} {category[:-1] if category.endswith('s') else category} item {len(rows)}",
                     category))
    items = pd.DataFrame(rows[:n_items], columns=["name", "category"])
    items.insert(0, "item_id", [f"P{i:04d}" for i in range(len(items))])
    base_price = items["category"].map({"phones": 300, "computers": 500, "home": 60, "sports": 45, "books": 15,
                                        "beauty": 20, "toys": 25, "garden": 80})
    items["price"] = (base_price * rng.lognormal(0, 0.5, len(items))).round(2)
    return items


def make_events(seed: int = 11, n_users: int = 3000, n_items: int = 1000, target_events: int = 140_000):
    rng = np.random.default_rng(seed)
    items = make_items(rng, n_items)
    by_category = {c: items.index[items["category"] == c].to_numpy() for c in CATEGORIES}
    zipf = {c: 1.0 / np.arange(1, len(ix) + 1) ** 1.1 for c, ix in by_category.items()}
    next_in_chain = {}
    for chain_start in range(0, len(CHAINS) * 12, 4):
        for step in range(3):
            next_in_chain[chain_start + step] = chain_start + step + 1
    start = pd.Timestamp("2025-01-01").value // 10**9
    span = 180 * 86400
    events = []
    per_user = rng.lognormal(np.log(target_events / n_users) - 0.5, 1.0, n_users)
    per_user = np.maximum(5, per_user * target_events / per_user.sum()).astype(int)
    for user in range(n_users):
        liked = rng.choice(list(CATEGORIES), size=rng.integers(2, 4), replace=False)
        clock = start + int(rng.integers(0, span // 2))
        pending_accessory = None
        while per_user[user] > 0:
            session = int(rng.integers(2, 12))
            for _ in range(session):
                if pending_accessory is not None and rng.random() < 0.7:
                    item = pending_accessory
                else:
                    category = rng.choice(liked) if rng.random() < 0.85 else rng.choice(list(CATEGORIES))
                    pool = by_category[category]
                    item = int(rng.choice(pool, p=zipf[category] / zipf[category].sum()))
                clock += int(rng.integers(20, 600))
                events.append((user, item, clock, "view"))
                per_user[user] -= 1
                if rng.random() < 0.25:
                    clock += int(rng.integers(10, 120))
                    events.append((user, item, clock, "cart"))
                    if rng.random() < 0.5:
                        clock += int(rng.integers(30, 600))
                        events.append((user, item, clock, "purchase"))
                        pending_accessory = next_in_chain.get(item)
            clock += int(rng.integers(3600, 14 * 86400))
    frame = pd.DataFrame(events, columns=["user", "item", "timestamp", "event"])
    frame.insert(0, "user_id", frame.pop("user").map(lambda u: f"U{u:05d}"))
    frame.insert(1, "item_id", items["item_id"].to_numpy()[frame.pop("item")])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], unit="s").dt.strftime("%Y-%m-%d %H:%M:%S")
    return frame.sort_values(["timestamp", "user_id"], kind="stable").reset_index(drop=True), items


def main() -> None:
    events, items = make_events()
    events.assign(timestamp=pd.to_datetime(events["timestamp"])).to_parquet(HERE / "events.parquet", index=False,
                                                                           compression="zstd")
    items.to_csv(HERE / "items.csv", index=False)
    print(f"wrote {len(events)} events for {events['user_id'].nunique()} users and {len(items)} items")


if __name__ == "__main__":
    main()
