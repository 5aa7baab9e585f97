"""`bizai forecast statement`: a forecast P&L (lines, identities, hierarchy) to Excel, HTML, Parquet or CSV."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from bizai.cli.options import WIDE, as_long, set_up_logging, split_list
from bizai.errors import DataContractError
from bizai.io import check_output_file, read_table, write_table

log = logging.getLogger("bizai.cli")
REPORT_SUFFIXES = (".xlsx", ".html", ".csv", ".parquet")


def parse_definitions(values: list[str] | str | None, option: str, example: str) -> dict[str, str]:
    """['profit=revenue-cost'] -> {'profit': 'revenue-cost'} for --identity or --ratio (`option`; `example` shows
    the form in the refusal); a config list or one comma-free string works too."""
    if not values:
        return {}
    items = split_list(values) if isinstance(values, str) else [v for value in values for v in split_list(value) or []]
    definitions = {}
    for item in items:
        name, sign, expression = item.partition("=")
        if not sign or not name.strip() or not expression.strip():
            raise DataContractError(f"{option} takes name=expression such as {example}; got {item!r}.")
        definitions[name.strip()] = expression.strip()
    return definitions


def statement(
    data: Path = typer.Option(..., "--data", help="Leaf-level table (CSV/Excel/Parquet): one row per id and period."),
    id_col: str = typer.Option(..., "--id-col", help="The leaf id column (store, product), the hierarchy's bottom; or "
                               "several, comma-separated, that name a leaf together (Store,Dept: leaves '1 / 5')."),
    time_col: str = typer.Option(..., "--time-col", help="Date column."),
    lines: str = typer.Option(..., "--lines", help="Additive line columns, comma-separated, e.g. revenue,cost."),
    identity: list[str] = typer.Option(None, "--identity", help="An identity, e.g. profit=revenue-cost (repeatable)."),
    ratio: list[str] = typer.Option(None, "--ratio", help="A ratio shown beside the lines, never forecast, e.g. "
                                    "cost_share=cost/revenue (repeatable; default: margin=profit/revenue when both "
                                    "exist)."),
    hierarchy: str = typer.Option(None, "--hierarchy", help="Level columns top to bottom, e.g. region,store_id; a total "
                                  "is added."),
    known_cols: str = typer.Option(None, "--known-cols", help="Covariates known in advance, comma-separated."),
    static_cols: str = typer.Option(None, "--static-cols", help="Per-leaf constants, comma-separated."),
    known_future: Path = typer.Option(None, "--known-future", help="Known covariates for the horizon (CSV/Excel/Parquet)."),
    horizon: int = typer.Option(6, min=1, max=10_000, help="Periods to forecast."),
    freq: str = typer.Option(None, help="Pandas frequency (MS, W-SUN, QS...); inferred when omitted."),
    model: str = typer.Option("lightgbm", help="Base model: lightgbm, naive, seasonal_naive or tft."),
    reconcile: str = typer.Option("mint_shrink", help="mint_shrink, wls_struct, ols, bottom_up or none."),
    interval: float = typer.Option(0.8, min=0.01, max=0.99, help="Coverage of the range (0.8: P10-P90)."),
    calibration_windows: int = typer.Option(None, min=2, help="Backtest windows that calibrate the range "
                                             "(default: 4 where the history affords them, else 3)."),
    random_state: int = typer.Option(0, min=0, help="Seed: same data and seed give the same statement."),
    out: Path = typer.Option(..., "--out", help="forecast_pnl.xlsx, .html, .parquet or .csv (written atomically)."),
    wide: bool = WIDE,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars, warnings only."),
) -> None:
    """Forecast a statement whose lines and levels add up, with calibrated ranges.

    Example: bizai forecast statement --data sample_data/pnl_monthly.csv --id-col store_id --time-col month
    --lines revenue,cost --identity profit=revenue-cost --hierarchy region,store_id --known-cols promo_days,holiday_days
    --known-future sample_data/pnl_future.csv --horizon 6 --out forecast_pnl.xlsx
    """
    from bizai.finance import StatementForecaster

    show = set_up_logging(quiet)
    check_output_file(out, [data, known_future], REPORT_SUFFIXES)
    levels = split_list(hierarchy) or []
    line_names, known = split_list(lines) or [], split_list(known_cols) or []
    id_cols = split_list(id_col) or []
    frame = as_long(read_table(data, text_columns=[*levels, *id_cols]), wide, time_col, [*line_names, *known], id_cols)
    future = read_table(known_future, text_columns=id_cols) if known_future else None
    future = as_long(future, wide, time_col, known, id_cols)
    forecaster = StatementForecaster(model=model, horizon=horizon, freq=freq, reconcile=reconcile, interval=interval,
                                     calibration_windows=calibration_windows, random_state=random_state,
                                     show_progress=show)
    forecaster.fit(frame, id_col=id_cols, time_col=time_col, lines=line_names,
                   identities=parse_definitions(identity, "--identity", "profit=revenue-cost"), hierarchy=levels,
                   known_cols=known, static_cols=split_list(static_cols),
                   ratios=parse_definitions(ratio, "--ratio", "margin=profit/revenue") or None)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        forecaster.to_excel(out, known_future=future)
    elif suffix == ".html":
        forecaster.to_html(out, known_future=future)
    else:
        write_table(forecaster.predict(known_future=future), out)
    metrics = forecaster.backtest().metrics
    typer.echo(metrics[["level", "line", "wape", "coverage"]].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    typer.echo(f"wrote the forecast statement to {out}")
