"""Parsing of option values shared by the command groups (lists, quantiles, event weights)."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from pathlib import Path

import typer

from bizai.errors import BizaiWarning, DataContractError, IncompatibleModelError, UnsafeOutputError
from bizai.io import input_files, refuse_output_over_inputs, user_path
from bizai.persistence import META_FILE, check_replaceable, read_meta

WIDE = typer.Option(False, "--wide", help="The tables have one column per period (2024-01, Jan-24, ...), as finance "
                    "sheets do: the other columns label the rows (ids, attributes, and a column such as 'line' naming "
                    "each row's measure when there are several); or one row per period and one column per entity "
                    "(month | Store A | Store B), for one id column and one measure. A table that has the id and "
                    "time columns is read as it is.")


def as_long(frame, wide: bool, time_col: str, measures: list[str], id_cols: list[str]):
    """`frame` as one row per entity and period when `wide`: reshaped from one column per period to yield the
    columns `measures` (bizai.wide.long_with_measures), or from one column per entity (a column of periods and
    neither the id nor the measure: long_from_entity_columns). A column left unnamed (a pivot table's blank corner)
    is taken as the id column, or the time column, that is missing."""
    if not wide or frame is None:
        return frame
    from bizai.wide import long_from_entity_columns, long_with_measures, period_columns, with_corner_named

    frame = with_corner_named(frame, id_cols, time_col)
    if time_col in frame.columns and not period_columns(frame):
        absent = [c for c in [*id_cols, *measures] if c not in frame.columns]
        if len(id_cols) == 1 and len(measures) == 1 and len(absent) == 2:
            return long_from_entity_columns(frame, time_col, id_cols[0], measures[0])
        return frame  # already long (a plan written by hand beside a wide history)
    return long_with_measures(frame, time_col, measures)


def refuse_wide_on_spark(wide: bool) -> None:
    """--wide reshapes sheets on this machine; Spark reads its data where it lies, one row per id and period."""
    if wide:
        raise DataContractError("--wide reads sheets on this machine; with --engine spark, give the data one row per "
                                "id and period (bizai.wide.long_from_wide reshapes a sheet).")


def measures_of(roles: dict) -> list[str]:
    """The columns a wide table's cells hold: the target and the covariates that change over time."""
    return [roles["target_col"], *(roles["known_cols"] or []), *(roles["past_cols"] or [])]


def split_list(value: str | list[str] | None) -> list[str] | None:
    """'a,b' -> ['a', 'b']; a list from a TOML file passes through."""
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_numbers(value: str | list | None, what: str, kind=float) -> list | None:
    """Comma-separated numbers as a list of `kind`, or None; a bad value is a usage error naming `what`."""
    parts = split_list(value)
    if parts is None:
        return None
    try:
        return [kind(part) for part in parts]
    except ValueError as exc:
        raise DataContractError(f"--{what} must be comma-separated numbers, got {value!r}.") from exc


def parse_weights(value: str | dict | None) -> dict[str, float] | None:
    """'view=1,cart=3' -> {'view': 1.0, 'cart': 3.0}."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return {str(k): float(v) for k, v in value.items()}
    weights = {}
    for part in split_list(value) or []:
        name, _, number = part.partition("=")
        try:
            weights[name.strip()] = float(number)
        except ValueError as exc:
            raise DataContractError(f"--event-weights takes name=number pairs such as view=1,cart=3; got {part!r}.") from exc
    return weights


def check_model_out(out: Path, family: str, inputs: list) -> None:
    """Refuse, before any training, a model --out that names an input or a folder the model may not replace
    (persistence.check_replaceable): saving checks it again, but a refusal after an hour's fit wastes the hour."""
    refuse_output_over_inputs(out, inputs)
    check_replaceable(out, family)


def training_files(data: Path) -> list[str]:
    """The files (or Parquet directories) an input path names, as absolute paths for a model's meta.json."""
    return [str(Path(f).resolve()) for f in input_files(data)]


def record_training_files(model, data: Path) -> None:
    """Note on a fitted or updated `model` the files its data was read from (beside those of earlier fits for an
    update), so that its meta.json names them and a later command writing a file refuses to overwrite one."""
    earlier = getattr(model, "training_files_", None) or []
    model.training_files_ = list(dict.fromkeys([*earlier, *training_files(data)]))


def refuse_output_over_training_files(out: Path, model: Path) -> None:
    """Refuse an output that is data the saved `model` was trained from (recorded by record_training_files), or a
    folder holding it: `predict --out pnl.csv` would replace the history with forecasts, and a Spark output
    directory with --overwrite would replace the Parquet directory of events. A folder that cannot be read is left
    for the model's loading to refuse, with its own message."""
    try:
        files = read_meta(model).get("training_files") or []
    except IncompatibleModelError:
        return
    target = user_path(out).resolve()
    for file in map(Path, files):
        if file == target or target in file.parents:
            raise UnsafeOutputError(f"Output {str(out)!r} is the data model {str(model)!r} was trained on ({file}); "
                                    "choose another output path.")


def replaces_model(out: Path) -> str:
    """' (replacing the previous model there)' when `out` already holds a model folder, for the fit message."""
    return " (replacing the previous model there)" if (Path(out) / META_FILE).is_file() else ""


def set_up_logging(quiet: bool) -> bool | None:
    """Plain logs to stderr, warnings among them; returns the progress setting for the library (off when quiet)."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    warnings.showwarning = warning_as_log_line
    if quiet:
        os.environ["BIZAI_QUIET"] = "1"
        return False
    return None


def warning_as_log_line(message, category, filename, lineno, file=None, line=None) -> None:
    """A warning as one log line of what it says ("... WARNING bizai: store 'S039' has fewer than ..."), not Python's
    two lines of source file, line and code, which tell a data engineer nothing."""
    ours = issubclass(category, BizaiWarning)  # shown at the caller's line, which under the CLI is click's
    logging.getLogger("bizai" if ours else "py.warnings").warning("%s", message if ours else f"{category.__name__}: {message}")
