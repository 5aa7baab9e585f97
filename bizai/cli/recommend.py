"""`bizai recommend fit | score | evaluate`."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from bizai.cli import spark_engine
from bizai.cli.options import (
    check_model_out,
    parse_numbers,
    parse_weights,
    record_training_files,
    refuse_output_over_training_files,
    replaces_model,
    set_up_logging,
)
from bizai.cli.spark_engine import ENGINE, MASTER, OVERWRITE, Engine
from bizai.cli.tracking import log_run
from bizai.errors import DataContractError
from bizai.io import check_output_file, read_table, write_table, write_table_batches
from bizai.persistence import RECOMMENDER_FAMILY, json_params
from bizai.recsys.registry import build_recommender
from bizai.schema import shorten

app = typer.Typer(help="Recommend items from interaction logs: fit, score every user, evaluate.", no_args_is_help=True)
log = logging.getLogger("bizai.cli")

DATA = typer.Option(..., "--data", help="Interaction log (CSV/Excel/Parquet): one row per interaction.")
USER_COL = typer.Option("user_id", "--user-col")
ITEM_COL = typer.Option("item_id", "--item-col")
TIME_COL = typer.Option(None, "--time-col", help="Timestamp column (needed by sasrec and for --split time).")
MODEL = typer.Option("als", "--model", help="als, sasrec, ease, itemknn, buy_again, repeat_aware or popularity.")
EVENT_COL = typer.Option(None, "--event-col", help="Event type column; weigh types with --event-weights.")
EVENT_WEIGHTS = typer.Option(None, "--event-weights", help="e.g. view=1,cart=3,purchase=5")
WEIGHT_COL = typer.Option(None, "--weight-col", help="Numeric weight column (instead of event types).")
QUANTITY_COL = typer.Option(None, "--quantity-col", help="Order lines: the quantity column, returns and cancellations "
                            "negative; returns are netted against the customer's purchases of the item and a line "
                            "weighs log(1 + quantity kept) (instead of --weight-col / --event-col).")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars, warnings only.")
RANDOM_STATE = typer.Option(0, min=0, help="Seed: same data and seed give the same model.")


def read_events(path: Path, user_col: str, item_col: str):
    """An interaction log with user and item ids read as labels (text from CSV: "007" stays "007")."""
    return read_table(path, text_columns=[user_col, item_col])


def fit_columns(user_col, item_col, time_col, event_col, event_weights, weight_col, quantity_col=None) -> dict:
    """The column-role arguments of a recommender's fit from the command line's options."""
    columns = dict(user_col=user_col, item_col=item_col, time_col=time_col, event_col=event_col,
                   event_weights=parse_weights(event_weights), weight_col=weight_col)
    return columns if quantity_col is None else {**columns, "quantity_col": quantity_col}


@app.command("fit")
def fit(
    data: Path = DATA,
    user_col: str = USER_COL,
    item_col: str = ITEM_COL,
    time_col: str = TIME_COL,
    model: str = MODEL,
    event_col: str = EVENT_COL,
    event_weights: str = EVENT_WEIGHTS,
    weight_col: str = WEIGHT_COL,
    quantity_col: str = QUANTITY_COL,
    random_state: int = RANDOM_STATE,
    half_life_days: float = typer.Option(None, "--half-life-days", min=0.0, help="ease, buy_again, repeat_aware: an "
                                         "interaction counts half as much for every this many days before the "
                                         "latest one (needs --time-col); e.g. 60 for a shop's changing range."),
    out: Path = typer.Option(..., "--out", help="Model folder to write; an earlier recommender model folder there is "
                             "replaced atomically, anything else is refused."),
    track: bool = typer.Option(False, "--track", help="Log to MLflow (needs bizai[tracking])."),
    engine: Engine = ENGINE,
    master: str = MASTER,
    quiet: bool = QUIET,
) -> None:
    """Fit a recommender and save it (--engine spark: ALS trained by Spark MLlib from Parquet).

    Example: bizai recommend fit --data events.csv --time-col timestamp --model als --event-col event
    --event-weights view=1,cart=3,purchase=5 --out models/recs
    """
    show = set_up_logging(quiet)
    columns = fit_columns(user_col, item_col, time_col, event_col, event_weights, weight_col, quantity_col)
    if engine is Engine.spark:
        if quantity_col is not None:
            raise DataContractError("--quantity-col is for the local engine; for Spark, net returns first and give "
                                    "the weight as --weight-col.")
        if half_life_days is not None:
            raise DataContractError("--half-life-days is for the local engine's models; Spark MLlib's ALS has no "
                                    "recency discount.")
        typer.echo(spark_engine.recommend_fit(data, model, columns, random_state, out, master, show))
        return
    check_model_out(out, RECOMMENDER_FAMILY, [data])
    params = {} if half_life_days is None else {"half_life_days": half_life_days}
    recommender = build_recommender(model, random_state, show, **params)
    recommender.fit(read_events(data, user_col, item_col), **columns)
    replacing = replaces_model(out)
    record_training_files(recommender, data)
    folder = recommender.save(out)
    log_run(track, f"recommend-{model}", json_params(recommender), {}, folder)
    typer.echo(f"saved {model} model ({recommender.data_.n_users} users, {recommender.data_.n_items} items) to {folder}"
               f"{replacing}")


@app.command("update")
def update(
    model: Path = typer.Option(..., "--model", help="Model folder written by `bizai recommend fit` (or update)."),
    data: Path = typer.Option(..., "--data", help="New events (CSV/Excel/Parquet), the columns as at fit."),
    out: Path = typer.Option(..., "--out", help="Model folder to write the updated model to (a new folder keeps "
                             "the parent; the lineage in meta.json names it)."),
    quiet: bool = QUIET,
) -> None:
    """Fold new events into a saved recommender without a full retrain (new users and items added).

    Example: bizai recommend update --model models/recs --data new_events.parquet --out models/recs-2026-11-23
    """
    from bizai.recsys import BaseRecommender

    show = set_up_logging(quiet)
    check_model_out(out, RECOMMENDER_FAMILY, [data])
    recommender = BaseRecommender.load(model)
    recommender.show_progress = show
    columns = recommender.data_.columns
    recommender.update(read_events(data, columns.user_col, columns.item_col))
    record_training_files(recommender, data)
    step = recommender.lineage_[-1]
    folder = recommender.save(out)
    typer.echo(f"updated {type(recommender).__name__}: {step['rows_added']} events, {step['new_users']} new users, "
               f"{step['new_items']} new items, {step['users_updated']} users refreshed; saved to {folder}")


@app.command("score")
def score(
    model: Path = typer.Option(..., "--model", help="Model folder written by `bizai recommend fit`."),
    users: str = typer.Option("all", "--users", help="'all', or a CSV/Excel/Parquet file whose first column holds user ids."),
    k: int = typer.Option(20, "--k", min=1, help="Recommendations per user."),
    filter_seen: bool = typer.Option(True, "--filter-seen/--keep-seen"),
    allow_unknown: bool = typer.Option(False, "--allow-unknown", help="Give unknown users popular items instead of failing."),
    batch_size: int = typer.Option(5000, min=1, help="Users scored per batch (one Parquet row group each)."),
    out: Path = typer.Option(..., "--out", help="Output file (.parquet, .csv or .xlsx); --engine spark: a Parquet directory."),
    engine: Engine = ENGINE,
    master: str = MASTER,
    overwrite: bool = OVERWRITE,
    quiet: bool = QUIET,
) -> None:
    """Score users in batches, streaming row groups to --out (memory stays bounded).

    Example: bizai recommend score --model models/recs --users all --k 20 --out recs.parquet
    """
    from bizai.recsys import BaseRecommender

    show = set_up_logging(quiet)
    if engine is Engine.spark:
        typer.echo(spark_engine.recommend_score(model, users, k, filter_seen, allow_unknown, batch_size, out,
                                                overwrite, master, show))
        return
    check_output_file(out, [model, None if users == "all" else users])
    refuse_output_over_training_files(out, model)
    recommender = BaseRecommender.load(model)
    recommender.show_progress = show
    ids = None
    if users != "all":
        frame = read_table(users, text_columns=[0])  # user ids are labels: the first column as text
        ids = listed_users(frame, recommender, users)
        positions = recommender.data_.users.to_internal(ids, strict=False)  # compared as the model's id kind
        unknown = ids[positions < 0]
        if len(unknown) and not allow_unknown:
            raise DataContractError(f"{users}: {len(unknown)} user id(s) in column {frame.columns[0]!r} are unknown to the "
                                    f"model: {shorten(list(unknown))}. Pass --allow-unknown to give them popular items.")
    rows = write_table_batches(recommender.recommend_batches(ids, k=k, filter_seen=filter_seen, batch_size=batch_size), out)
    typer.echo(f"wrote {rows} recommendations to {out}")


def listed_users(frame, recommender, path):
    """The user ids of a --users file: its first column, and its header too when that is a user the model knows
    (a list of ids saved without a header, whose first id would otherwise be taken for the column's name)."""
    import numpy as np

    ids = frame.iloc[:, 0].to_numpy()
    header = str(frame.columns[0])
    if header != recommender.data_.columns.user_col and recommender.data_.users.to_internal([header], strict=False)[0] >= 0:
        log.warning("%s has no header: its first line %r is a user the model knows, so it is scored too.", path, header)
        ids = np.concatenate([np.asarray([header], dtype=ids.dtype if ids.dtype.kind in "OU" else object), ids])
    return ids


@app.command("evaluate")
def evaluate_command(
    data: Path = DATA,
    user_col: str = USER_COL,
    item_col: str = ITEM_COL,
    time_col: str = typer.Option(..., "--time-col", help="Timestamp column, used by both splits."),
    model: str = MODEL,
    event_col: str = EVENT_COL,
    event_weights: str = EVENT_WEIGHTS,
    weight_col: str = WEIGHT_COL,
    quantity_col: str = QUANTITY_COL,
    split: str = typer.Option("last", "--split", help="'last' (leave-last-out) or 'time' (latest 10% of events)."),
    k: str = typer.Option("10,20", "--k", help="Cut-offs, comma-separated."),
    filter_seen: bool = typer.Option(True, "--filter-seen/--keep-seen", help="--keep-seen scores lists that may "
                                     "hold items the user had before (repeat purchase, as in retail)."),
    random_state: int = RANDOM_STATE,
    out: Path = typer.Option(None, "--out", help="Also write the metrics table here."),
    track: bool = typer.Option(False, "--track"),
    quiet: bool = QUIET,
) -> None:
    """Split, fit, and score against what users did next (full ranking, seen items filtered), beside popularity.

    Example: bizai recommend evaluate --data events.csv --time-col timestamp --model als --split last --k 10,20
    """
    import pandas as pd

    from bizai.recsys import evaluate, leave_last_out_split, time_split

    show = set_up_logging(quiet)
    if out:
        check_output_file(out, [data])
    frame = read_events(data, user_col, item_col)
    if split == "last":
        train, test = leave_last_out_split(frame, user_col, time_col)
    elif split == "time":
        train, test = time_split(frame, time_col)
    else:
        raise DataContractError(f"--split must be 'last' or 'time', got {split!r}.")
    columns = fit_columns(user_col, item_col, time_col, event_col, event_weights, weight_col, quantity_col)
    cuts = parse_numbers(k, "k", int)
    if not cuts or min(cuts) < 1:
        raise DataContractError(f"--k takes cut-offs of at least 1, comma-separated (e.g. 10,20); got {k!r}.")
    tables = []
    for name in dict.fromkeys([model, "popularity"]):
        table = evaluate(build_recommender(name, random_state, show), train, test, k=cuts, filter_seen=filter_seen,
                         **columns)
        tables.append(table.assign(model=name))
    result = pd.concat(tables, ignore_index=True)
    result = result[["model", *[c for c in result.columns if c != "model"]]]
    if out:
        write_table(result, out)
    log_run(track, f"evaluate-{model}", {"model": model, "split": split}, result.iloc[0].drop(["model"]).to_dict(), None)
    typer.echo(result.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
