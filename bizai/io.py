"""Read tables from CSV/Parquet; write files and folders atomically (temp path, then os.replace), so a crash
mid-write leaves the old output or none, never a truncated one."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from bizai.errors import DataContractError

READABLE_SUFFIXES = (".csv", ".parquet", ".pq")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a CSV or Parquet file (or a glob of Parquet files) through polars; return pandas.

    Raises DataContractError naming the file when it is missing, of an unknown type, unreadable or empty.
    """
    import polars as pl

    text = str(path)
    files = sorted(glob.glob(text)) if any(ch in text for ch in "*?[") else [text]
    if not files:
        raise DataContractError(f"No file matches {text!r}.")
    for file in files:
        if not Path(file).is_file():
            raise DataContractError(f"Input file {file!r} does not exist.")
        if Path(file).suffix.lower() not in READABLE_SUFFIXES:
            raise DataContractError(
                f"Input file {file!r} has type {Path(file).suffix or '(none)'!r}; expected .csv or .parquet."
            )
    try:
        if Path(files[0]).suffix.lower() == ".csv":
            if len(files) > 1:
                raise DataContractError(f"Globs are supported for Parquet only; {text!r} matches CSV files.")
            frame = pl.read_csv(files[0], try_parse_dates=False, infer_schema_length=10000)
        else:
            frame = pl.concat([pl.read_parquet(f) for f in files], how="vertical_relaxed")
    except DataContractError:
        raise
    except Exception as exc:  # polars raises many kinds; the user needs the file name and the reason
        raise DataContractError(f"Could not read {text!r}: {type(exc).__name__}: {exc}") from exc
    if frame.height == 0:
        raise DataContractError(f"Input file {text!r} has no rows.")
    return frame.to_pandas()


def temporary_sibling(path: Path) -> Path:
    """A unique temporary path in the same folder, so the final os.replace stays on one filesystem."""
    return path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path; on success it replaces `path`, on any exception it is removed."""
    final = Path(path)
    prepare_output_folder(final.parent)
    temporary = temporary_sibling(final)
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it takes the place of `path` (an old folder there is replaced)."""
    final = Path(path)
    prepare_output_folder(final.parent)
    temporary = temporary_sibling(final)
    temporary.mkdir()
    try:
        yield temporary
        if final.exists():
            # Two renames: the old folder stays whole until the new one is complete.
            retired = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
            os.replace(final, retired)
            os.replace(temporary, final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(temporary, final)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def prepare_output_folder(folder: Path) -> None:
    """Create `folder` if needed; a folder we cannot create or write to is bad input, named in the message."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataContractError(f"Output folder {str(folder)!r} cannot be created: {exc.strerror}.") from exc
    if not os.access(folder, os.W_OK):
        raise DataContractError(f"Output folder {str(folder)!r} is not writable.")


def write_table(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write `frame` atomically as Parquet, or as CSV when the path ends in .csv."""
    final = Path(path)
    with atomic_path(final) as temporary:
        if final.suffix.lower() == ".csv":
            frame.to_csv(temporary, index=False)
        else:
            frame.to_parquet(temporary, index=False)
    return final


def write_table_batches(frames, path: str | os.PathLike) -> int:
    """Write an iterable of pandas frames as one Parquet file, a row group per frame, atomically.

    Memory stays bounded by one batch. Returns the number of rows written. CSV paths are written batch by
    batch too (header once).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = Path(path)
    rows = 0
    with atomic_path(final) as temporary:
        writer = None
        try:
            for frame in frames:
                if final.suffix.lower() == ".csv":
                    frame.to_csv(temporary, mode="a", header=rows == 0, index=False)
                else:
                    table = pa.Table.from_pandas(frame, preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(temporary, table.schema)
                    writer.write_table(table.cast(writer.schema))
                rows += len(frame)
            if writer is None and final.suffix.lower() != ".csv":
                pq.write_table(pa.table({}), temporary)
        finally:
            if writer is not None:
                writer.close()
    return rows
