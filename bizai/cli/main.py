"""Entry point of the `bizai` command. Exit codes: 0 done, 2 bad input or usage, 3 a monitoring threshold
breached (`bizai monitor`), 1 anything else."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from bizai.cli import demo, forecast, models, monitor, recommend, statement
from bizai.cli.config import read_config
from bizai.errors import BizaiError

# Typer >= 0.25 carries its own copy of click: take the exception classes from typer, whichever it is.
CLICK_EXCEPTION = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")

app = typer.Typer(
    name="bizai",
    help="Forecast profit and sales for many entities, and recommend items to customers.\n\n"
    "Examples:\n\n  bizai demo\n\n  bizai --config job.toml forecast fit\n\n"
    "  bizai forecast fit --data pnl.csv --id-col store_id --time-col month --target-col profit --out models/profit",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
forecast.app.command("statement")(statement.statement)
app.add_typer(forecast.app, name="forecast")
app.add_typer(recommend.app, name="recommend")
app.add_typer(models.app, name="models")
app.add_typer(monitor.app, name="monitor")
app.command("demo")(demo.demo)
app.command("dashboard")(demo.dashboard)


@app.callback()
def root(
    ctx: typer.Context,
    config: Path = typer.Option(None, "--config", help="TOML file of options; flags override it."),
) -> None:
    """Read --config (a TOML file of defaults per command) before any command runs."""
    if config is not None:
        ctx.default_map = read_config(config, ctx)


def run() -> None:
    """Console-script entry: map our errors to exit code 2 with a one-line message, others to 1."""
    try:
        code = app(standalone_mode=False)  # click returns a typer.Exit's code in this mode instead of raising
        if isinstance(code, int) and code:
            sys.exit(code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except CLICK_EXCEPTION as exc:  # usage errors: click's message with its "Try --help" hint
        exc.show()
        sys.exit(2)
    except typer.Abort:
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
