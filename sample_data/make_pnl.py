"""Make sample_data/pnl_monthly.csv (and pnl_future.csv, the planned promotions and holidays for the next six
months): a monthly P&L panel of 40 stores over 5 years. Deterministic: same seed, same bytes.

Structure: store size and regional level, growth trend, yearly seasonality (December peak, summer bump for
some formats), promotion days that lift revenue and cut margin, holiday days, a price index drifting with
inflation, marketing spend that pays back with a lag, noise. Three stores opened late, one closed early, a few
months are missing (the store did not report).

    python sample_data/make_pnl.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
MONTHS = pd.date_range("2020-01-01", "2024-12-01", freq="MS")
FUTURE = pd.date_range("2025-01-01", periods=6, freq="MS")
REGIONS = {"North": 1.0, "South": 1.15, "East": 0.9, "West": 1.05}
FORMATS = {"mall": (1.6, 0.30), "high_street": (1.0, 0.36), "outlet": (0.8, 0.24), "online": (1.2, 0.40)}


def holiday_days(months: pd.DatetimeIndex) -> np.ndarray:
    by_month = {1: 2, 3: 0, 4: 2, 5: 1, 8: 0, 11: 1, 12: 3}
    return np.array([by_month.get(m.month, 0) for m in months])


def promo_plan(rng: np.random.Generator, months: pd.DatetimeIndex) -> np.ndarray:
    base = np.where(np.isin(months.month, [3, 6, 9, 11]), 6, 1)
    return np.clip(base + rng.integers(-1, 4, len(months)), 0, 14)


def make_store(rng: np.random.Generator, number: int, months: pd.DatetimeIndex, future: pd.DatetimeIndex):
    store_id = f"S{number:03d}"
    region = list(REGIONS)[number % len(REGIONS)]
    store_format = list(FORMATS)[(number * 7) % len(FORMATS)]
    size, margin = FORMATS[store_format]
    level = 80_000 * size * REGIONS[region] * rng.lognormal(0, 0.35)
    all_months = months.append(future)
    t = np.arange(len(all_months))
    growth = (1 + rng.normal(0.04, 0.05)) ** (t / 12)
    season = 1 + 0.12 * np.cos(2 * np.pi * (all_months.month - 12) / 12) + (0.08 if store_format == "outlet" else 0.0) * (
        all_months.month.isin([7, 8])
    )
    promo = promo_plan(rng, all_months)
    holidays = holiday_days(all_months)
    price_index = 100 * (1.025 ** (t / 12)) * (1 + rng.normal(0, 0.01, len(t)))
    marketing = level * 0.04 * (1 + 0.5 * np.isin(all_months.month, [10, 11])) * rng.lognormal(0, 0.15, len(t))
    marketing_lift = 1 + 0.9 * np.concatenate([[0], marketing[:-1]]) / level
    covid = np.where((all_months >= "2020-04-01") & (all_months <= "2020-06-01"), 0.65, 1.0)
    revenue = level * growth * season * (1 + 0.018 * promo) * (1 + 0.03 * holidays) * marketing_lift * covid
    revenue *= rng.lognormal(0, 0.05, len(t))
    cost_rate = 1 - margin + 0.006 * promo + rng.normal(0, 0.02, len(t))
    fixed_cost = level * 0.12
    cost = revenue * cost_rate + fixed_cost + marketing
    frame = pd.DataFrame({
        "store_id": store_id, "month": all_months, "region": region, "store_format": store_format,
        "revenue": revenue.round(2), "cost": cost.round(2), "profit": (revenue - cost).round(2),
        "marketing_spend": marketing.round(2), "promo_days": promo, "holiday_days": holidays,
        "price_index": price_index.round(2),
    })
    return frame


def make_panel(seed: int = 7, n_stores: int = 40) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    frames = [make_store(rng, number, MONTHS, FUTURE) for number in range(1, n_stores + 1)]
    panel = pd.concat(frames, ignore_index=True)
    history = panel[panel["month"] <= MONTHS[-1]].copy()
    future = panel[panel["month"] > MONTHS[-1]][["store_id", "month", "promo_days", "holiday_days", "price_index"]]
    late = {"S037": "2022-07-01", "S038": "2023-03-01", "S039": "2024-05-01"}  # opened late: short history
    for store, opened in late.items():
        history = history[(history["store_id"] != store) | (history["month"] >= opened)]
    history = history[(history["store_id"] != "S040") | (history["month"] <= "2023-08-01")]  # closed early
    future = future[future["store_id"] != "S040"]
    missing = rng.choice(history.index[history["month"] > "2020-06-01"], size=6, replace=False)
    history = history.drop(index=missing)  # months a store did not report
    return history.reset_index(drop=True), future.reset_index(drop=True)


def main() -> None:
    history, future = make_panel()
    for frame, name in ((history, "pnl_monthly.csv"), (future, "pnl_future.csv")):
        frame = frame.assign(month=frame["month"].dt.strftime("%Y-%m-%d"))
        frame.to_csv(HERE / name, index=False)
        print(f"wrote {HERE / name}: {len(frame)} rows")


if __name__ == "__main__":
    main()
