"""`bizai monitor forecast | recommend`: score what was forecast or recommended against what happened.

Exit codes: 0 all within thresholds, 3 a threshold was breached (one `alert:` line on stderr, so a scheduler
alerts), 2 bad input (nothing written).
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd
import typer

from bizai.cli.options import WIDE, as_long, set_up_logging, split_list
from bizai.cli.tracking import log_run
from bizai.io import check_output_file, read_table, write_table

app = typer.Typer(help="Monitor live accuracy, input drift and recommendation outcomes; exit 3 on a breach.",
                  no_args_is_help=True)
log = logging.getLogger("bizai.cli")
ALERT_EXIT = 3
QUIET = typer.Option(False, "--quiet", "-q", help="Warnings only.")
TRACK = typer.Option(False, "--track", help="Log the figures to MLflow with the run date as step (bizai[tracking]).")


def raise_alerts(alerts: list[str]) -> None:
    """Print the breached thresholds on one `alert:` line and exit with ALERT_EXIT, when there are any."""
    if alerts:
        typer.echo(f"alert: {len(alerts)} threshold(s) breached: " + "; ".join(alerts), err=True)
        raise typer.Exit(ALERT_EXIT)
    typer.echo("ok: every figure is within its thresholds")


def show(title: str, table: pd.DataFrame | None) -> None:
    """Print a titled table with readable numbers (nothing when the table is None)."""
    if table is not None:
        typer.echo(f"{title}\n{table.to_string(index=False, float_format=lambda v: f'{v:,.4g}')}\n")


def today_step() -> int:
    """Today's date as the integer step MLflow plots figures against (20261123)."""
    return int(dt.datetime.now(dt.UTC).strftime("%Y%m%d"))


@app.command("forecast")
def forecast(
    ledger: Path = typer.Option(..., "--ledger", help="Ledger folder written by `bizai forecast predict --ledger`."),
    actuals: Path = typer.Option(..., "--actuals", help="Actuals (CSV/Excel/Parquet) with the columns as at fit."),
    group_col: str = typer.Option(None, "--group-col", help="Also score per group: columns of the actuals, e.g. "
                                  "region (comma-separated)."),
    since: str = typer.Option(None, "--since", help="Only nights on or after this date (YYYY-MM-DD)."),
    max_wape_increase: float = typer.Option(None, "--max-wape-increase", min=0.0, help="Alert when live WAPE "
                                            "exceeds the model's backtest WAPE by more than this (0.2 = 20%)."),
    min_coverage: float = typer.Option(None, "--min-coverage", min=0.0, max=1.0,
                                       help="Alert when the widest interval holds fewer actuals than this."),
    max_psi: float = typer.Option(None, "--max-psi", min=0.0, help="Alert when a feature's population "
                                  "stability index exceeds this (0.25: a real shift)."),
    max_missing_increase: float = typer.Option(None, "--max-missing-increase", min=0.0, max=1.0,
                                               help="Alert when a feature's missing share grows by more than this."),
    out: Path = typer.Option(None, "--out", help="Write the accuracy table here (.parquet, .csv or .xlsx)."),
    wide: bool = WIDE,
    track: bool = TRACK,
    quiet: bool = QUIET,
) -> None:
    """Live accuracy of the ledger's forecasts and drift of the newest actuals; exit 3 on a breach.

    Example: bizai monitor forecast --ledger ledger/ --actuals actuals.csv --max-wape-increase 0.2 --min-coverage 0.7
    """
    from bizai.monitor.forecasts import check_forecasts
    from bizai.monitor.ledger import ForecastLedger

    set_up_logging(quiet)
    if out is not None:
        check_output_file(out, [actuals])
    book = ForecastLedger(ledger)
    columns = book.columns()
    groups = split_list(group_col)
    # a wide sheet of actuals must hold the target; the lines beside it in a line column (the covariates the drift
    # check needs) come along
    frame = as_long(read_table(actuals, text_columns=[*columns.id_cols, *(groups or [])]), wide, columns.time_col,
                    [columns.target_col], columns.id_cols)
    from bizai.monitor.accuracy import NothingToJudgeYet

    try:
        result = check_forecasts(book, frame, groups, since, max_wape_increase, min_coverage, True, max_psi,
                                 max_missing_increase)
    except NothingToJudgeYet as exc:  # a night before the first actuals arrive is not a failure
        typer.echo(f"ok: {exc}")
        return
    show(f"Live accuracy (step 0 = all steps; alerts judge model {result.model_version})", result.accuracy)
    show("Input drift of the newest actuals against the training data (PSI > 0.25: a real shift)", result.drift)
    if out is not None:
        write_table(result.accuracy, out)
    latest = result.accuracy[(result.accuracy["model_version"] == result.model_version)
                             & (result.accuracy["step"] == 0)].iloc[0]
    metrics = {k: latest[k] for k in ("mae", "wape", "bias", "coverage", "wape_change")}
    if result.drift is not None:
        metrics["max_psi"] = result.drift["psi"].max()
    log_run(track, "monitor-forecast", {"ledger": ledger, "model_version": result.model_version}, metrics, None,
            today_step())
    raise_alerts(result.alerts)


@app.command("recommend")
def recommend(
    recommendations: Path = typer.Option(..., "--recommendations", help="Scored lists (`bizai recommend score`)."),
    events: Path = typer.Option(..., "--events", help="Events since the scoring (CSV/Excel/Parquet)."),
    user_col: str = typer.Option("user_id", "--user-col"),
    item_col: str = typer.Option("item_id", "--item-col"),
    value_col: str = typer.Option(None, "--value-col", help="Revenue (or quantity) column of the events."),
    time_col: str = typer.Option(None, "--time-col", help="Event time column (for --since / --window-days)."),
    since: str = typer.Option(None, "--since", help="Window start (default: the first event)."),
    window_days: float = typer.Option(None, "--window-days", min=0.0, help="Window length in days."),
    k: int = typer.Option(None, "--k", min=1, help="Judge the best k per user (default: all)."),
    min_hit_rate: float = typer.Option(None, "--min-hit-rate", min=0.0, max=1.0,
                                       help="Alert when fewer active users than this bought a recommended item."),
    min_lift: float = typer.Option(None, "--min-lift", min=0.0,
                                   help="Alert when the hit rate is below this multiple of the popularity list's."),
    out: Path = typer.Option(None, "--out", help="Write the outcome table here (.parquet, .csv or .xlsx)."),
    track: bool = TRACK,
    quiet: bool = QUIET,
) -> None:
    """Hit rate, precision@k, revenue share, coverage and popular share of scored lists, beside a popularity list.

    Example: bizai monitor recommend --recommendations recs.parquet --events today.csv --value-col revenue
    --min-lift 1.5
    """
    from bizai.monitor.recommendations import recommendation_alerts, recommendation_outcomes, window_events

    set_up_logging(quiet)
    if out is not None:
        check_output_file(out, [recommendations, events])
    lists = read_table(recommendations, text_columns=[user_col, item_col])
    happened = window_events(read_table(events, text_columns=[user_col, item_col]), time_col, since, window_days)
    outcomes = recommendation_outcomes(lists, happened, user_col, item_col, value_col, k)
    alerts = recommendation_alerts(outcomes, min_hit_rate, min_lift)
    show("Outcomes of the recommendations in the window", outcomes)
    if out is not None:
        write_table(outcomes, out)
    ours = outcomes.iloc[0]
    log_run(track, "monitor-recommend", {"recommendations": recommendations},
            {k: ours[k] for k in ("hit_rate", "precision_at_k", "revenue_share", "catalogue_coverage", "reach")},
            None, today_step())
    raise_alerts(alerts)
