"""Long work: progress bars that the caller can silence (off when `show=False`, when BIZAI_QUIET is set, or when
stderr is not a terminal, so nightly logs stay readable), and the warning when a time limit cut training short."""

from __future__ import annotations

import logging
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
log = logging.getLogger(__name__)


def progress_enabled(show: bool | None = None) -> bool:
    """Whether to show progress: `show` when given, else on a terminal; BIZAI_QUIET silences it."""
    if show is not None:
        return show and not os.environ.get("BIZAI_QUIET")
    return not os.environ.get("BIZAI_QUIET") and sys.stderr.isatty()


def progress(items: Iterable[T], description: str, total: int | None = None, show: bool | None = None) -> Iterator[T]:
    """Wrap `items` in a tqdm bar when progress is enabled."""
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
    log.warning(message)
    warnings.warn(message, stacklevel=3)
