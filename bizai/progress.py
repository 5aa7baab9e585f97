"""Long work: progress bars that the caller can silence (off when `show=False`, when BIZAI_QUIET is set, or when
stderr is not a terminal, so nightly logs stay readable), and the warning when a time limit cut training short."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from bizai.schema import warn_at_caller

T = TypeVar("T")


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to show progress: `show` when given, else on a terminal; BIZAI_QUIET silences it."""
    if show is not None:
        return show and not os.environ.get("BIZAI_QUIET")
    return not os.environ.get("BIZAI_QUIET") and sys.stderr.isatty()


# Where steps go besides the terminal bar: a dashboard's progress widget. A context variable, so it follows the one
# thread (or task) that set it and two dashboard sessions never see each other's steps.
_step_reporter: ContextVar[Callable[[str, int, int | None], None] | None] = ContextVar("bizai_step_reporter",
                                                                                      default=None)


@contextmanager
def reporting_steps(report: Callable[[str, int, int | None], None]) -> Iterator[None]:
    """Inside the block, every step of long work calls `report(description, done, total)`: before each item
    (done = items finished so far) and once at the end (done = total). Whatever `report` raises stops the work,
    which is how a dashboard cancels training."""
    token = _step_reporter.set(report)
    try:
        yield
    finally:
        _step_reporter.reset(token)


def report_step(description: str, done: int, total: int | None) -> None:
    """Tell the block's reporter (reporting_steps), if any, how far a piece of long work is."""
    report = _step_reporter.get()
    if report is not None:
        report(description, done, total)


def reported(items: Iterable[T], description: str, total: int | None) -> Iterator[T]:
    """`items`, reporting each step to the block's reporter."""
    done = 0
    for item in items:
        report_step(description, done, total)
        yield item
        done += 1
    report_step(description, done, total if total is not None else done)


def progress(items: Iterable[T], description: str, total: int | None = None, show: bool | None = None) -> Iterator[T]:
    """Wrap `items` in a tqdm bar when progress is enabled, and report each step to the block's reporter."""
    if total is None and isinstance(items, Sized):
        total = len(items)
    if _step_reporter.get() is not None:
        items = reported(items, description, total)
    if not progress_enabled(show):
        yield from items
        return
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=description, total=total, leave=False)


def stopped_early_by_time(model: str, max_minutes: float, epochs_done: int, epochs_planned: int) -> None:
    """Warn that a wall-clock safety limit, not the epoch count, ended training: the model then depends on how
    fast and how busy the machine was."""
    message = (f"{model} training hit its max_minutes={max_minutes:g} safety limit after {epochs_done} of "
               f"{epochs_planned} epochs, so this model depends on the machine's speed and load. Lower the epochs or "
               "raise max_minutes for a model that is the same on every run.")
    warn_at_caller(message)  # one warning: the CLI prints it as a log line, so no log.warning beside it
