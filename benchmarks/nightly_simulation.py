"""Eight simulated nights of the nightly loop on real data.

1. Online retail (../shared/data/online_retail, a UK online shop's purchases): each night a week of purchases
   arrives; the ALS model is updated (`ALSRecommender.update`) beside a full refit on everything so far; both
   are scored on the next week's purchases of items new to each buyer (NDCG@10, HR@10, seen items filtered),
   with their wall times.
2. Walmart (../shared/data/walmart_store_sales, 3,331 store x department series): each night a week of actuals
   arrives; the forecaster (52-week seasonal naive with a 3-window backtest) is updated with them, forecasts
   the next 4 weeks into a ledger, and `check_forecasts` scores the ledger with --max-wape-increase 0.2; from
   night 5 on, department 92 (7% of sales) sells 60% more than it did. The monitor's WAPE for every night is
   checked against an independent pandas computation.

    python benchmarks/nightly_simulation.py [--parts retail,walmart]

Measure with nothing else running.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from report import write_report

from bizai.finance import ProfitForecaster
from bizai.monitor import ForecastLedger
from bizai.monitor.forecasts import check_forecasts
from bizai.recsys import ALSRecommender
from bizai.recsys.metrics import ranking_metrics

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RESULTS = Path(__file__).parent / "results"
NIGHTS = 8
WEEK = pd.Timedelta(days=7)
FIT = dict(user_col="CustomerID", item_col="StockCode", time_col="InvoiceDate")


def purchases() -> pd.DataFrame:
    """Real purchases: positive quantities of invoices that are not cancellations, by known customers."""
    frame = pd.read_parquet(SHARED / "online_retail" / "interactions.parquet")
    keep = (frame["Quantity"] > 0) & ~frame["InvoiceNo"].str.startswith("C") & frame["CustomerID"].notna()
    frame = frame[keep]
    return frame.assign(CustomerID=frame["CustomerID"].astype("int64"))[list(FIT.values())].reset_index(drop=True)


def next_week_scores(model: ALSRecommender, seen: pd.DataFrame, week: pd.DataFrame) -> dict[str, float]:
    """NDCG@10 and HR@10 on `week`'s purchases of items each known buyer had not bought before."""
    before = set(zip(seen["CustomerID"], seen["StockCode"], strict=True))
    fresh = week[[(u, i) not in before for u, i in zip(week["CustomerID"], week["StockCode"], strict=True)]]
    known = set(model.data_.users.external)
    truth = fresh[fresh["CustomerID"].isin(known)].groupby("CustomerID")["StockCode"].agg(set)
    recs = model.recommend(truth.index.to_numpy(), k=10)
    lists = recs.groupby("CustomerID")["StockCode"].agg(list).reindex(truth.index)
    metrics = ranking_metrics([x if isinstance(x, list) else [] for x in lists], list(truth), 10)
    return {"ndcg@10": metrics["ndcg"], "hr@10": metrics["hr"], "buyers scored": len(truth)}


def retail() -> None:
    events = purchases()
    end = events["InvoiceDate"].max().normalize() + pd.Timedelta(days=1)
    start = end - (NIGHTS + 1) * WEEK
    seen = events[events["InvoiceDate"] < start]
    updated = ALSRecommender(random_state=0, show_progress=False).fit(seen, **FIT)
    rows = []
    for night in range(1, NIGHTS + 1):
        week = events[(events["InvoiceDate"] >= start + (night - 1) * WEEK) &
                      (events["InvoiceDate"] < start + night * WEEK)]
        seen = pd.concat([seen, week], ignore_index=True)
        started = time.perf_counter()
        updated.update(week)
        update_s = time.perf_counter() - started
        started = time.perf_counter()
        refit = ALSRecommender(random_state=0, show_progress=False).fit(seen, **FIT)
        refit_s = time.perf_counter() - started
        following = events[(events["InvoiceDate"] >= start + night * WEEK) &
                           (events["InvoiceDate"] < start + (night + 1) * WEEK)]
        for name, model, seconds in [("update", updated, update_s), ("full refit", refit, refit_s)]:
            rows.append({"night": night, "model": name, "new events": len(week), "wall s": seconds,
                         **next_week_scores(model, seen, following)})
    nightly = pd.DataFrame(rows)
    summary = nightly.groupby("model", sort=False).agg(**{"mean NDCG@10": ("ndcg@10", "mean"),
                                                          "mean HR@10": ("hr@10", "mean"),
                                                          "mean wall s": ("wall s", "mean")}).reset_index()
    update, refit = summary.set_index("model").loc["update"], summary.set_index("model").loc["full refit"]
    note = (f"Eight weekly nights ending {end.date()}; ALS defaults (128 factors, BM25). Update vs refit: "
            f"{refit['mean wall s'] / update['mean wall s']:.1f}x faster, NDCG@10 "
            f"{update['mean NDCG@10'] / refit['mean NDCG@10'] - 1:+.1%}.\n\n{summary_table(summary)}\n\nPer night:")
    write_report(RESULTS / "nightly_retail.md", "Online retail: nightly ALS update vs full refit", note, nightly)


def summary_table(frame: pd.DataFrame) -> str:
    from report import markdown_table

    return markdown_table(frame)


def walmart_actuals() -> pd.DataFrame:
    sales = pd.read_parquet(SHARED / "walmart_store_sales" / "train.parquet")
    return sales.assign(series=sales["Store"].astype(str) + "-" + sales["Dept"].astype(str))[
        ["series", "Store", "Dept", "Date", "Weekly_Sales"]]


def walmart(threshold: float = 0.2, shifted_dept: int = 92, shift: float = 1.6, shift_night: int = 5) -> None:
    sales = walmart_actuals()
    weeks = np.sort(sales["Date"].unique())
    start = weeks[-NIGHTS]
    planted = sales.copy()
    late = (planted["Dept"] == shifted_dept) & (planted["Date"] >= weeks[-NIGHTS + shift_night - 1])
    planted.loc[late, "Weekly_Sales"] *= shift
    fit = dict(id_col="series", time_col="Date", target_col="Weekly_Sales", static_cols=["Dept"])
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        ledger = ForecastLedger(folder / "ledger")
        forecaster = ProfitForecaster(model="seasonal_naive", horizon=4, freq="W-FRI", random_state=0, backtest_windows=3)
        forecaster.fit(planted[planted["Date"] < start], **fit)
        path = forecaster.save(folder / "model-0")
        for night in range(1, NIGHTS + 1):
            week = weeks[-NIGHTS + night - 1]
            forecaster = ProfitForecaster.load(path).update(planted[planted["Date"] == week])
            path = forecaster.save(folder / f"model-{night}")
            ledger.append(forecaster.predict(), path, f"2012-12-{night:02d}")
            if night == 1:
                continue  # nothing forecast has an actual yet
            arrived = planted[(planted["Date"] >= start) & (planted["Date"] <= week)]
            started = time.perf_counter()
            check = check_forecasts(ledger, arrived, max_wape_increase=threshold)
            seconds = time.perf_counter() - started
            judged = check.accuracy[(check.accuracy["model_version"] == check.model_version)
                                    & (check.accuracy["step"] == 0)].iloc[0]
            rows.append({"night": night, "week arriving": pd.Timestamp(week).date(),
                         "shifted": bool(night >= shift_night), "judged WAPE": judged["wape"],
                         "backtest WAPE": judged["backtest_wape"], "alert": "; ".join(check.alerts)[:90],
                         "monitor s": seconds})
        final = check_forecasts(ledger, planted[planted["Date"] >= start])
        independent = independent_wape(ledger, planted)
    report = pd.DataFrame(rows)
    overall = final.accuracy[final.accuracy["step"] == 0].set_index("first_night")["wape"]
    worst = float((overall - independent.reindex(overall.index)).abs().max())
    alerted = report.loc[report["alert"].ne(""), "night"]
    first_alert = alerted.min() if len(alerted) else "none"
    note = (f"Seasonal naive (52 weeks) updated nightly, 4-week forecasts; threshold --max-wape-increase {threshold}; "
            f"department {shifted_dept} x{shift} from night {shift_night}. First alert: night {first_alert}. Monitor "
            f"WAPE per night vs an independent pandas computation: largest difference {worst:.2e}. {len(alerted)} "
            "night(s) alerted.")
    write_report(RESULTS / "nightly_walmart.md", "Walmart: ledger, monitor and a planted level shift", note, report)


def independent_wape(ledger: ForecastLedger, actuals: pd.DataFrame) -> pd.Series:
    """WAPE of each night's forecasts against every actual that arrived, by plain pandas."""
    out = {}
    for night in ledger.run_dates():
        part = pd.read_parquet(ledger.path / f"run_date={night}" / "forecasts.parquet")
        joined = part.merge(actuals, on=["series", "Date"])
        out[night] = (joined["forecast"] - joined["Weekly_Sales"]).abs().sum() / joined["Weekly_Sales"].abs().sum()
    return pd.Series(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="retail,walmart")
    parts = parser.parse_args().parts.split(",")
    if "retail" in parts:
        retail()
    if "walmart" in parts:
        walmart()


if __name__ == "__main__":
    main()
