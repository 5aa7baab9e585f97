"""Progress bars that the caller can silence. Off when `show=False`, when BIZAI_QUIET is set, or when
stderr is not a terminal (nightly logs stay readable)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


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
