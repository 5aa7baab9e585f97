"""Entry point of the `bizai` command. Exit codes: 0 done, 2 bad input or usage, 1 anything else."""

from __future__ import annotations

import logging
import sys
import tomllib
from pathlib import Path

import click
import typer

from bizai.cli import demo, forecast, models, recommend
from bizai.errors import BizaiError

app = typer.Typer(
    name="bizai",
    help="Forecast profit and sales for many entities, and recommend items to customers.\n\n"
    "Examples:\n\n  bizai demo\n\n  bizai --config job.toml forecast fit\n\n"
    "  bizai forecast fit --data pnl.csv --id-col store_id --time-col month --target-col profit --out models/profit",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(forecast.app, name="forecast")
app.add_typer(recommend.app, name="recommend")
app.add_typer(models.app, name="models")
app.command("demo")(demo.demo)
app.command("dashboard")(demo.dashboard)


def config_defaults(path: Path) -> dict:
    """A TOML file as click's default_map: [forecast.fit] holds the options of `bizai forecast fit`."""
    try:
        content = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise click.BadParameter(f"config file {str(path)!r} does not exist", param_hint="--config") from exc
    except tomllib.TOMLDecodeError as exc:
        raise click.BadParameter(f"config file {str(path)!r} is not valid TOML: {exc}", param_hint="--config") from exc

    def normalise(table: dict) -> dict:
        return {key.replace("-", "_"): normalise(value) if isinstance(value, dict) else value for key, value in table.items()}

    return normalise(content)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path = typer.Option(None, "--config", help="TOML file of options; flags override it."),
) -> None:
    if config is not None:
        ctx.default_map = config_defaults(config)


def run() -> None:
    """Console-script entry: map our errors to exit code 2 with a one-line message, others to 1."""
    try:
        app(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:  # usage errors: click prints them itself
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        print("Aborted.", file=sys.stderr)
        sys.exit(1)
    except BizaiError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("Interrupted: outputs already in place were not touched.", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # noqa: BLE001 - a nightly job needs one readable line and a non-zero code
        logging.getLogger("bizai").debug("unexpected error", exc_info=True)
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    run()
