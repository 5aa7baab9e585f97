"""Parquet directories written by Spark, committed whole: Spark writes into a hidden temporary sibling and
the directory takes its final name only when every task has finished. An existing output is replaced only
when asked (overwrite) and only when it is a Parquet directory (a user's other folder is never emptied)."""

from __future__ import annotations

import os
from pathlib import Path

from bizai.errors import UnsafeOutputError
from bizai.io import atomic_folder, refuse_output_over_inputs, user_path

# What a Spark Parquet directory holds; anything else means the folder is not ours to replace.
PARQUET_DIRECTORY_FILES = (".parquet", ".crc")
PARQUET_DIRECTORY_MARKERS = ("_SUCCESS", "._SUCCESS.crc")


OTHER_FORMATS = (".csv", ".xlsx", ".xls", ".json", ".html")  # file formats an output directory's name must not claim


def is_parquet_directory(folder: Path) -> bool:
    """Whether a folder holds only a Parquet directory's files (safe to replace)."""
    files = [p for p in folder.rglob("*") if p.is_file()]
    return all(p.name in PARQUET_DIRECTORY_MARKERS or p.name.endswith(PARQUET_DIRECTORY_FILES) for p in files)


def check_output_directory(path: str | os.PathLike, overwrite: bool, inputs=()) -> Path:
    """Refuse an output directory that exists (unless `overwrite`), that is not a Parquet directory, or that
    is one of the `inputs` or holds one."""
    final = user_path(path)
    refuse_output_over_inputs(final, inputs)
    if final.suffix.lower() in OTHER_FORMATS:  # a folder of Parquet parts named forecasts.xlsx helps nobody
        raise UnsafeOutputError(f"Output {str(final)!r} names a {final.suffix} file, but Spark writes a Parquet "
                                f"directory: give a directory path (e.g. {str(final.with_suffix(''))!r}), or write "
                                f"{final.suffix} with the local engine.")
    if not final.exists():
        return final
    if not final.is_dir():
        raise UnsafeOutputError(f"Output {str(final)!r} exists and is a file; Spark writes a Parquet directory. "
                                "Choose a new directory path.")
    if not overwrite:
        raise UnsafeOutputError(f"Output directory {str(final)!r} already exists; pass --overwrite (overwrite=True) "
                                "to replace it, or choose a new path.")
    if not is_parquet_directory(final):
        raise UnsafeOutputError(f"{str(final)!r} holds files that are not Parquet output; refusing to replace it "
                                "even with overwrite. Choose another path.")
    return final


def write_parquet_directory(frame, path: str | os.PathLike, overwrite: bool = False, inputs=()) -> Path:
    """Write a Spark DataFrame to `path` as a Parquet directory, atomically (see the module docstring)."""
    final = check_output_directory(path, overwrite, inputs)
    with atomic_folder(final) as temporary:
        frame.write.mode("overwrite").parquet(str(temporary))
    return final
