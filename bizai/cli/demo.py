"""`bizai demo` (both pipelines on the bundled sample data) and `bizai dashboard`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from bizai.cli.options import set_up_logging
from bizai.extras import require
from bizai.io import write_table
from bizai.samples import DASHBOARDS, SAMPLE_DATA, sample_events_path


def demo(
    out: Path = typer.Option(Path("bizai-demo"), "--out", help="Folder for the demo's models and outputs."),
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Run both pipelines on sample_data: a 6-month profit forecast for 40 stores, and top-10 recommendations
    for 3,000 shoppers. Prints a summary; outputs go to ./bizai-demo/."""
    import pandas as pd

    from bizai.finance import ProfitForecaster
    from bizai.recsys import ALSRecommender, evaluate, leave_last_out_split

    show = set_up_logging(quiet)
    step = steps(5, quiet)
    history = pd.read_csv(SAMPLE_DATA / "pnl_monthly.csv")
    future = pd.read_csv(SAMPLE_DATA / "pnl_future.csv")
    columns = dict(id_col="store_id", time_col="month", target_col="profit", static_cols=["region", "store_format"],
                   known_cols=["promo_days", "holiday_days"], past_cols=["revenue"])
    forecaster = ProfitForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, calibration_windows=3,
                                  show_progress=show)
    step("backtesting the profit forecast on 2 past windows")
    backtest = forecaster.backtest(history, n_windows=2, **columns)
    step("training LightGBM and forecasting 6 months for 40 stores")
    forecaster.fit(history, **columns)
    forecasts = forecaster.predict(known_future=future)
    forecaster.save(out / "models" / "profit")
    write_table(forecasts, out / "forecasts.parquet")
    metrics = backtest.metrics.iloc[0]
    typer.echo(f"Profit forecast, backtest on 2 past windows: a typical miss of {metrics['mae']:,.0f} per store and "
               f"month (MAE), {metrics['wape']:.1%} of profit overall (WAPE)")
    typer.echo(f"Ranges: the P10-P90 range, learnt from the backtest's errors, held "
               f"{forecaster.calibration_['coverage_after']:.0%} of actual months in windows it did not learn from "
               "(80% is the aim)")
    step("forecasting the P&L statement (stores, regions, company) and writing the workbook")
    statement_summary(history, future, out, show)

    events = pd.read_parquet(sample_events_path())
    weights = {"view": 1, "cart": 3, "purchase": 5}
    step("evaluating ALS recommendations on each shopper's last interaction")
    train, test = leave_last_out_split(events, "user_id", "timestamp")
    fit_columns = dict(user_col="user_id", item_col="item_id", time_col="timestamp", event_col="event", event_weights=weights)
    table = evaluate(ALSRecommender(random_state=0, show_progress=show), train, test, k=10, **fit_columns)
    step("training ALS on every interaction and scoring every shopper")
    recommender = ALSRecommender(random_state=0, show_progress=show).fit(events, **fit_columns)
    recommender.save(out / "models" / "recs")
    recs = recommender.recommend(k=10)
    write_table(recs, out / "recommendations.parquet")
    typer.echo(f"Recommendations: 10 items for each of {recs['user_id'].nunique():,} shoppers; for "
               f"{table['hr'].iloc[0]:.1%} of shoppers the item they took next was among their 10 (HR@10; NDCG@10 "
               f"{table['ndcg'].iloc[0]:.3f} also rewards ranking it high)")
    typer.echo(f"Outputs in {out}/: forecasts.parquet, forecast_pnl.xlsx, forecast_pnl.html, recommendations.parquet, "
               "models/profit, models/recs")


def steps(total: int, quiet: bool):
    """A function that prints '[n/total] what' on stderr for each step (a line each, also in logs), unless quiet."""
    done = [0]

    def step(what: str) -> None:
        done[0] += 1
        if not quiet:
            typer.echo(f"[{done[0]}/{total}] {what}…", err=True)

    return step


def statement_summary(history, future, out: Path, show) -> None:
    """The forecast P&L of the 40 stores, 4 regions and the company: workbook and HTML report."""
    from bizai.finance import StatementForecaster

    statement = StatementForecaster(model="lightgbm", horizon=6, freq="MS", random_state=0, show_progress=show)
    statement.fit(history, id_col="store_id", time_col="month", lines=["revenue", "cost"],
                  identities={"profit": "revenue - cost"}, hierarchy=["region", "store_id"],
                  known_cols=["promo_days", "holiday_days"], static_cols=["store_format"])
    tables = statement.report_tables(known_future=future)  # built once for both reports
    statement.to_excel(out / "forecast_pnl.xlsx", tables=tables)
    statement.to_html(out / "forecast_pnl.html", tables=tables)
    forecast = statement.predict(known_future=future)
    company = forecast[forecast["level"] == "total"]
    table = company.pivot_table(index="month", columns="line", values="forecast")[["revenue", "cost", "profit"]]
    profit = company[company["line"] == "profit"].set_index("month")
    table["profit P10"], table["profit P90"] = profit["p10"], profit["p90"]  # the company's own range, not a sum
    typer.echo("Forecast P&L, company: stores add up to regions and the company, profit = revenue - cost")
    typer.echo(table.map(lambda v: f"{v:,.0f}").to_string())


def dashboard(port: int = typer.Option(8501, help="Port to serve on.")) -> None:
    """Start the Streamlit dashboard (opens on the sample data)."""
    require("streamlit", "bizai dashboard")
    app = DASHBOARDS / "app.py"
    if not app.exists():
        raise typer.BadParameter(f"dashboard not found at {app}: reinstall bizai (the wheel ships it)")
    # The settings of .streamlit/config.toml as flags, so an installed bizai (no checkout around) gets them too.
    raise typer.Exit(subprocess.call([sys.executable, "-m", "streamlit", "run", str(app), "--server.port", str(port),
                                      "--server.headless", "true", "--server.maxUploadSize", "1024",
                                      "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer"],
                                     cwd=DASHBOARDS.parent))
