"""`--config job.toml`: a TOML file of options, checked against the commands before anything runs.

`[forecast.fit]` holds the options of `bizai forecast fit` (dashes or underscores alike). A misspelt section or
key, or a value of the wrong type, is a usage error naming it, with the closest valid name: a nightly job must
not quietly run with a default the user thought they had changed. Lists become comma-separated values and
tables `name=value` pairs, the forms the options take on the command line.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import typer

from bizai.schema import did_you_mean


def read_config(path: Path, ctx) -> dict:
    """The TOML file at `path` as a click default_map for the command group of `ctx`, validated."""
    try:
        content = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise typer.BadParameter(f"config file {str(path)!r} does not exist", param_hint="--config") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise typer.BadParameter(f"config file {str(path)!r} cannot be read: {exc}", param_hint="--config") from exc
    except tomllib.TOMLDecodeError as exc:
        raise typer.BadParameter(f"config file {str(path)!r} is not valid TOML: {exc}", param_hint="--config") from exc
    return validated_section(content, ctx.command, [], path, ctx)


def config_error(path: Path, message: str) -> typer.BadParameter:
    """A usage error about the config file, naming it."""
    return typer.BadParameter(f"config file {str(path)!r}: {message}", param_hint="--config")


def validated_section(table: dict, command, trail: list[str], path: Path, ctx) -> dict:
    """The options of `command` found in `table` (a TOML section), checked against its parameters; unknown keys are
    usage errors naming the closest valid one."""
    section = f"[{'.'.join(trail)}]" if trail else "the top level"
    subcommands = getattr(command, "commands", None)
    result: dict[str, Any] = {}
    if subcommands is not None:  # a group: its keys are subcommands, each a table
        for key, value in table.items():
            name = key.replace("_", "-")
            if name not in subcommands:
                raise config_error(path, f"unknown section {key!r} in {section}{did_you_mean(name, subcommands, 0.5)}; "
                                         f"expected one of {', '.join(sorted(subcommands))}.")
            if not isinstance(value, dict):
                raise config_error(path, f"{key!r} in {section} must be a table ([{'.'.join([*trail, key])}]), "
                                         "not a value.")
            result[name] = validated_section(value, subcommands[name], [*trail, key], path, ctx)
        return result
    params = {param.name: param for param in command.params if param.name not in ("help",)}
    for key, value in table.items():
        name = key.replace("-", "_")
        if name not in params:
            raise config_error(path, f"unknown option {key!r} in {section}{did_you_mean(name, params, 0.5)}; this command "
                                     f"takes {', '.join(sorted(params))}.")
        result[name] = option_value(value, params[name], f"{key!r} in {section}", path, ctx)
    return result


def option_value(value: Any, param, where: str, path: Path, ctx) -> Any:
    """A TOML value in the form the option takes on the command line, converted by the option's own type."""
    if isinstance(value, list):
        if any(isinstance(v, list | dict) for v in value):
            raise config_error(path, f"{where} must be a list of plain values.")
        value = ",".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = ",".join(f"{k}={v}" for k, v in value.items())
    try:
        param.process_value(ctx, value)  # the option's own conversion and range checks
    except Exception as exc:  # its message says what it expected
        message = getattr(exc, "message", None) or str(exc)
        raise config_error(path, f"{where} = {value!r} is not valid: {message}") from exc
    return value
