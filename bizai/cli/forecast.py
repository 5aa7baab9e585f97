"""`bizai forecast fit | predict | backtest`."""

from __future__ import annotations

import json
import logging
from enum import StrEnum
from pathlib import Path

import pandas as pd
import typer

from bizai.cli import spark_engine
from bizai.cli.options import (
    WIDE,
    as_long,
    check_model_out,
    measures_of,
    parse_numbers,
    record_training_files,
    refuse_output_over_training_files,
    refuse_wide_on_spark,
    replaces_model,
    set_up_logging,
    split_list,
)
from bizai.cli.spark_engine import ENGINE, MASTER, OVERWRITE, Engine
from bizai.cli.tracking import log_run
from bizai.errors import DataContractError
from bizai.io import check_output_file, read_table, refuse_output_over_inputs, write_table, write_table_batches
from bizai.persistence import FORECASTER_FAMILY, json_params
from bizai.workbook import forecasts_by_period


class FillKnown(StrEnum):
    """--fill-known policies (see ProfitForecaster.predict's fill_known)."""

    carry = "carry"


app = typer.Typer(help="Forecast many series: fit a model, predict the next periods, backtest.", no_args_is_help=True)
log = logging.getLogger("bizai.cli")

DATA = typer.Option(..., "--data", help="CSV (also .csv.gz), Excel (.xlsx: the first sheet holding a table) or "
                                        "Parquet file (or a glob of Parquet files), one row per id and period.")
ID_COL = typer.Option(..., "--id-col", help="Id column(s), comma-separated, e.g. store_id or agency,sku.")
TIME_COL = typer.Option(..., "--time-col", help="Date column.")
TARGET_COL = typer.Option(..., "--target-col", help="Column to forecast, e.g. profit.")
KNOWN = typer.Option(None, "--known-cols", help="Covariates known in advance (promotions, holidays), comma-separated.")
STATIC = typer.Option(None, "--static-cols", help="Per-series constants (region, format), comma-separated.")
PAST = typer.Option(None, "--past-cols", help="Covariates known only up to now (revenue), comma-separated.")
QUIET = typer.Option(False, "--quiet", "-q", help="No progress bars, warnings only.")
HORIZON = typer.Option(6, min=1, max=10_000, help="Periods to forecast.")
RANDOM_STATE = typer.Option(0, min=0, help="Seed: same data and seed give the same model.")
DISTANT_DATES = typer.Option(False, "--allow-distant-dates",
                             help="Accept dates far from the rest of the data (refused by default: usually a typo).")


def build_forecaster(model: str, horizon: int, freq: str | None, quantiles: str, random_state: int, show,
                     allow_distant_dates: bool = False, calibration_windows: int = 0, backtest_windows: int = 0,
                     ended_after: int | None = None):
    """A ProfitForecaster from the command line's options (quantiles as comma-separated text)."""
    from bizai.finance import ProfitForecaster

    return ProfitForecaster(model=model, horizon=horizon, freq=freq, quantiles=parse_numbers(quantiles, "quantiles"),
                            random_state=random_state, allow_distant_dates=allow_distant_dates,
                            calibration_windows=calibration_windows, backtest_windows=backtest_windows,
                            ended_after=ended_after, show_progress=show)


def read_series_table(path: Path, id_cols: list[str] | None, wide: bool = False, time_col: str = "",
                      measures: list[str] | None = None):
    """A forecasting input with its id columns read as labels (text from CSV: "007" stays "007"); with `wide`,
    reshaped from one column per period to yield `measures` (see options.as_long)."""
    return as_long(read_table(path, text_columns=id_cols or []), wide, time_col, measures or [], id_cols or [])


def column_roles(id_col, time_col, target_col, known_cols, static_cols, past_cols) -> dict:
    """The column-role arguments of fit/backtest from the command line's comma-separated options."""
    return dict(id_col=split_list(id_col), time_col=time_col, target_col=target_col, known_cols=split_list(known_cols),
                static_cols=split_list(static_cols), past_cols=split_list(past_cols))


@app.command("fit")
def fit(
    data: Path = DATA,
    id_col: str = ID_COL,
    time_col: str = TIME_COL,
    target_col: str = TARGET_COL,
    horizon: int = HORIZON,
    model: str = typer.Option("lightgbm", help="naive, seasonal_naive, lightgbm, tft or auto."),
    freq: str = typer.Option(None, help="Pandas frequency (D, W-SUN, MS, QS); inferred when omitted."),
    known_cols: str = KNOWN,
    static_cols: str = STATIC,
    past_cols: str = PAST,
    quantiles: str = typer.Option("0.1,0.5,0.9", help="Interval levels, comma-separated."),
    random_state: int = RANDOM_STATE,
    backtest_windows: int = typer.Option(0, min=0, help="Also backtest on this many windows and save the metrics."),
    calibration_windows: int = typer.Option(0, min=0, help="Calibrate the intervals on this many backtest windows "
                                            "(3 is a good start; 0: the model's own quantiles)."),
    ended_after: int = typer.Option(None, "--ended-after", min=0, help="Periods a series may be missing at the end "
                                    "of the data and still be forecast (default: the longest gap in its own history, "
                                    "at least 1)."),
    allow_distant_dates: bool = DISTANT_DATES,
    wide: bool = WIDE,
    out: Path = typer.Option(..., "--out", help="Model folder to write; an earlier forecast model folder there is "
                             "replaced atomically, anything else is refused."),
    track: bool = typer.Option(False, "--track", help="Log to MLflow (needs bizai[tracking])."),
    engine: Engine = ENGINE,
    master: str = MASTER,
    partition_col: str = typer.Option(None, "--partition-col", help="With --engine spark: fit one model per value "
                                      "of this column (e.g. region), in parallel."),
    quiet: bool = QUIET,
) -> None:
    """Fit a forecaster and save it as a model folder (--engine spark: one model per --partition-col value).

    Example: bizai forecast fit --data pnl.csv --id-col store_id --time-col month --target-col profit
    --known-cols promo_days,holiday_days --static-cols region --horizon 6 --out models/profit
    """
    show = set_up_logging(quiet)
    roles = column_roles(id_col, time_col, target_col, known_cols, static_cols, past_cols)
    if engine is Engine.spark:
        refuse_wide_on_spark(wide)
        params = dict(model=model, horizon=horizon, freq=freq, quantiles=parse_numbers(quantiles, "quantiles"),
                      random_state=random_state, allow_distant_dates=allow_distant_dates,
                      calibration_windows=calibration_windows, backtest_windows=backtest_windows,
                      ended_after=ended_after)
        typer.echo(spark_engine.forecast_fit(data, partition_col, roles, params, out, master, show))
        return
    if partition_col:
        raise DataContractError("--partition-col needs --engine spark (one model per value, fitted in parallel).")
    check_model_out(out, FORECASTER_FAMILY, [data])
    frame = read_series_table(data, roles["id_col"], wide, time_col, measures_of(roles))
    forecaster = build_forecaster(model, horizon, freq, quantiles, random_state, show, allow_distant_dates,
                                  calibration_windows, backtest_windows, ended_after)
    forecaster.fit(frame, **roles)
    metrics = {k: v for k, v in (forecaster.backtest_metrics_ or [{}])[0].items() if k != "model"}
    replacing = replaces_model(out)
    record_training_files(forecaster, data)
    folder = forecaster.save(out)
    log.info("saved %s model (%d series) to %s", forecaster.model_name_, len(forecaster.panel_.series_ids), folder)
    log_run(track, f"forecast-{forecaster.model_name_}", json_params(forecaster), metrics, folder)
    typer.echo(f"saved {forecaster.model_name_} model to {folder}{replacing}")


@app.command("predict")
def predict(
    model: Path = typer.Option(..., "--model", help="Model folder written by `bizai forecast fit`."),
    known_future: Path = typer.Option(None, "--known-future", help="Known covariates for the horizon (CSV/Excel/Parquet)."),
    data: Path = typer.Option(None, "--data", help="Newer history to forecast from without refitting."),
    out: Path = typer.Option(..., "--out", help="Output file (.parquet, .csv or .xlsx, which adds a sheet of ids x "
                             "periods with totals); --engine spark: a Parquet directory."),
    engine: Engine = ENGINE,
    master: str = MASTER,
    overwrite: bool = OVERWRITE,
    ledger: Path = typer.Option(None, "--ledger", help="Also record the forecasts in this ledger folder (one part "
                                "per run date; a rerun replaces it) for `bizai monitor forecast`."),
    run_date: str = typer.Option(None, "--run-date", help="The night the ledger files them under (default: today, "
                                 "UTC), YYYY-MM-DD."),
    fill_known: FillKnown = typer.Option(None, "--fill-known", help="carry: a (series, period) missing from "
                                         "--known-future takes the series' last planned value (a warning names the "
                                         "rows); by default such gaps are refused."),
    wide: bool = WIDE,
    quiet: bool = QUIET,
) -> None:
    """Forecast the next periods with a saved model; writes ids, time, forecast and quantile columns.

    Example: bizai forecast predict --model models/profit --known-future future.csv --out forecasts.parquet
    --ledger ledger/
    """
    from bizai.finance import ProfitForecaster

    show = set_up_logging(quiet)
    if engine is Engine.spark:
        if ledger is not None:
            raise DataContractError("--ledger records forecasts of the local engine; with --engine spark, append the "
                                    "output to the ledger with bizai.monitor.ForecastLedger.")
        refuse_wide_on_spark(wide)
        typer.echo(spark_engine.forecast_predict(model, data, known_future, out, overwrite, master, show,
                                                 fill_known and fill_known.value))
        return
    check_output_file(out, [known_future, data, model])
    refuse_output_over_training_files(out, model)
    if ledger is not None:
        from bizai.monitor.ledger import ForecastLedger, run_date_of

        book, date = ForecastLedger(ledger), run_date_of(run_date)
        refuse_output_over_inputs(ledger, [known_future, data, model, out])
        book.check_accepts(model)  # a ledger of another job is refused before anything is written
    forecaster = ProfitForecaster.load(model)
    columns = forecaster.panel_.columns
    future = read_series_table(known_future, columns.id_cols, wide, columns.time_col,
                               columns.known_cols) if known_future else None
    history = read_series_table(data, columns.id_cols, wide, columns.time_col,
                                measures_of(vars(columns))) if data else None
    written = []
    batches = (written.append(batch) or batch for batch in forecaster.predict_batches(
        known_future=future, data=history, fill_known=fill_known and fill_known.value))
    rows = write_table_batches(batches, out, lambda forecasts: {  # a workbook also shows stores x periods
        "by period": forecasts_by_period(forecasts, columns.id_cols, columns.time_col)} if len(forecasts) else {})
    typer.echo(f"wrote {rows} forecasts to {out}")
    if ledger is not None:
        part = book.append(pd.concat(written, ignore_index=True), model, date)
        typer.echo(f"recorded them in the ledger as {part}")


@app.command("update")
def update(
    model: Path = typer.Option(..., "--model", help="Model folder written by `bizai forecast fit` (or update)."),
    data: Path = typer.Option(..., "--data", help="Newer actuals (CSV/Excel/Parquet), the columns as at fit."),
    out: Path = typer.Option(..., "--out", help="Model folder to write the updated model to."),
    recalibrate: bool = typer.Option(False, "--recalibrate", help="Re-learn calibrated intervals from fresh backtest "
                                     "windows (refits the model calibration_windows times) instead of adding the "
                                     "arrived periods' errors."),
    wide: bool = WIDE,
    quiet: bool = QUIET,
) -> None:
    """Append newer actuals to a saved forecaster, so the next predict starts after them, without a refit.

    Example: bizai forecast update --model models/profit --data new_actuals.csv --out models/profit-2026-11
    """
    from bizai.finance import ProfitForecaster

    set_up_logging(quiet)
    check_model_out(out, FORECASTER_FAMILY, [data])
    forecaster = ProfitForecaster.load(model)
    columns = forecaster.panel_.columns
    actuals = read_series_table(data, columns.id_cols, wide, columns.time_col, measures_of(vars(columns)))
    forecaster.update(actuals, recalibrate=recalibrate)
    record_training_files(forecaster, data)
    step = forecaster.lineage_[-1]
    folder = forecaster.save(out)
    typer.echo(f"updated the history to {step['history_end'][:10]} ({step['rows_added']} new rows, "
               f"{step['rows_restated']} restated); saved to {folder}")


@app.command("backtest")
def backtest(
    data: Path = DATA,
    id_col: str = ID_COL,
    time_col: str = TIME_COL,
    target_col: str = TARGET_COL,
    horizon: int = HORIZON,
    model: str = typer.Option("lightgbm", help="naive, seasonal_naive, lightgbm, tft or auto (all candidates)."),
    freq: str = typer.Option(None),
    known_cols: str = KNOWN,
    static_cols: str = STATIC,
    past_cols: str = PAST,
    quantiles: str = typer.Option("0.1,0.5,0.9"),
    random_state: int = RANDOM_STATE,
    windows: int = typer.Option(3, min=1, help="Rolling-origin windows."),
    allow_distant_dates: bool = DISTANT_DATES,
    wide: bool = WIDE,
    out: Path = typer.Option(..., "--out", help="Backtest forecasts with actuals (.parquet, .csv or .xlsx)."),
    quiet: bool = QUIET,
) -> None:
    """Rolling-origin backtest: forecasts with actuals to --out, metrics printed.

    Example: bizai forecast backtest --data pnl.csv --id-col store_id --time-col month --target-col profit --windows 3
    --out backtest.parquet
    """
    show = set_up_logging(quiet)
    check_output_file(out, [data])
    roles = column_roles(id_col, time_col, target_col, known_cols, static_cols, past_cols)
    frame = read_series_table(data, roles["id_col"], wide, time_col, measures_of(roles))
    forecaster = build_forecaster(model, horizon, freq, quantiles, random_state, show, allow_distant_dates)
    result = forecaster.backtest(frame, n_windows=windows, **roles)
    write_table(result.forecasts, out)
    typer.echo(result.metrics.to_string(index=False))
    typer.echo(json.dumps({"written": str(out), "rows": len(result.forecasts)}))
