"""Read tables from CSV/Parquet; write files and folders atomically (temp path, then os.replace), so a crash
mid-write leaves the old output or none, never a truncated one.

Temporary paths are hidden siblings named `.{name}.tmp-{pid}-{random}`: the next write to the same output
removes those whose process is gone, so a killed run leaves nothing behind for long, and readers never take
them for data (hidden names match no glob, and `read_table` refuses them by name).
"""

from __future__ import annotations

import contextlib
import glob
import logging
import os
import posixpath
import re
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from bizai.errors import DataContractError, UnsafeOutputError
from bizai.schema import DECIMAL_COMMA_NUMBER, THOUSANDS_COMMA_NUMBER, THOUSANDS_ONLY, shorten
from bizai.workbook import require_sheet_rows, tables_to_xlsx

log = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv", ".tsv", ".txt")  # delimited text; the separator is read from the header
EXCEL_SUFFIXES = (".xlsx", ".xlsm")  # workbooks: where a finance team's figures usually are
READABLE_SUFFIXES = (*CSV_SUFFIXES, *EXCEL_SUFFIXES, ".parquet", ".pq")
# Delimited text as nightly exports often arrive (orders.csv.gz): opened with the standard library's codecs.
COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma"}
WRITABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".pq")  # what write_table writes
TEMPORARY_NAME = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")


def table_suffix(file: str | os.PathLike) -> str:
    """The suffix that says how to read a file: '.csv' for orders.csv and for orders.csv.gz."""
    path = Path(file)
    suffix = path.suffix.lower()
    if suffix in COMPRESSIONS and Path(path.stem).suffix.lower() in CSV_SUFFIXES:
        return Path(path.stem).suffix.lower()
    return suffix


def read_table(path: str | os.PathLike, text_columns: Iterable[str | int] = ()) -> pd.DataFrame:
    """Read a CSV (plain or compressed), Excel (the first sheet holding a table) or Parquet file (or a glob of
    Parquet files); return pandas.

    `text_columns` (ids: store, customer, product; names, or positions such as 0 for the first column) are read
    from CSV as text, never as numbers, so "007" stays "007" and "7" stays a different id; Parquet keeps the types
    it stores. The other CSV columns are typed from the whole file, so a column that turns from numbers to text
    late in the file still reads.
    Raises DataContractError naming the file when it is missing, of an unknown type, unreadable or empty.
    """
    text = os.path.expanduser(str(path))  # '~/data.csv' as a shell reads it
    files = input_files(path)
    if not files:
        raise DataContractError(f"No file matches {text!r}.")
    for file in files:
        if TEMPORARY_NAME.match(Path(file).name):
            raise DataContractError(f"Input file {file!r} is a temporary file of an unfinished bizai write, not data.")
        if Path(file).is_dir():
            raise DataContractError(f"Input {file!r} is a folder; expected a .csv, .xlsx or .parquet file (or a "
                                    "glob of Parquet files).")
        if not Path(file).is_file():
            raise DataContractError(f"Input file {file!r} does not exist.")
        if Path(file).stat().st_size == 0:  # an export that failed half-way, or a file created and never written
            raise DataContractError(f"Input file {file!r} is empty (0 bytes).")
        if table_suffix(file) not in READABLE_SUFFIXES:
            # Excel 97-2003 binary workbooks need a reader of their own (xlrd): saving them as .xlsx is the way on
            old_excel = " (an Excel 97-2003 workbook: save it as .xlsx or CSV)" if Path(file).suffix.lower() == ".xls" else ""
            raise DataContractError(
                f"Input file {file!r} has type {Path(file).suffix or '(none)'!r}{old_excel}; expected .csv (or .tsv, "
                ".txt, also compressed: .csv.gz, .csv.bz2, .csv.xz), .xlsx (or .xlsm) or .parquet."
            )
    suffix = table_suffix(files[0])
    if suffix not in (".parquet", ".pq") and len(files) > 1:
        raise DataContractError(f"Globs are supported for Parquet only; {text!r} matches {suffix} files.")
    try:
        if suffix in EXCEL_SUFFIXES:
            book = read_excel_as_labels(files[0], list(text_columns))
            if book.empty:
                raise DataContractError(f"Input file {text!r} has no rows.")
            return book
        if suffix in CSV_SUFFIXES:
            frame = read_csv_as_labels(files[0], list(text_columns))
        else:
            frame = concat_parquet_files(files, text)
    except DataContractError:
        raise
    except zipfile.BadZipFile as exc:  # an .xlsx is a zip archive; this one is not (renamed CSV, damaged download)
        raise DataContractError(f"Could not read {text!r}: it is not an Excel workbook (.xlsx and .xlsm files are zip "
                                "archives; a CSV renamed .xlsx or a damaged download is not). Save it from Excel "
                                "again, or give the CSV as .csv.") from exc
    except Exception as exc:  # polars raises many kinds; the user needs the file name and the reason
        raise DataContractError(f"Could not read {text!r}: {type(exc).__name__}: {exc}") from exc
    if frame.height == 0:
        raise DataContractError(f"Input file {text!r} has no rows.")
    return frame.to_pandas()


def input_files(path: str | os.PathLike) -> list[str]:
    """The files an input path names: itself ('~' expanded), or what a glob matches, in name order, without the
    temporary files of an unfinished bizai write."""
    text = os.path.expanduser(str(path))
    files = sorted(glob.glob(text)) if any(ch in text for ch in "*?[") else [text]
    return [f for f in files if not TEMPORARY_NAME.match(Path(f).name) or f == text]


def concat_parquet_files(files: list[str], text: str):
    """The Parquet `files` as one polars frame in the first file's column order, numeric types widened where they
    differ; files that hold other columns, or a type no common type holds (a naive timestamp beside a zoned one),
    are refused naming the column and the files."""
    import polars as pl

    parts = [pl.read_parquet(f) for f in files]
    first, columns = Path(files[0]).name, parts[0].columns
    for file, part in zip(files[1:], parts[1:], strict=True):
        missing, extra = sorted(set(columns) - set(part.columns)), sorted(set(part.columns) - set(columns))
        if missing or extra:
            differences = [f"lacks {shorten(missing)}"] if missing else []
            differences += [f"adds {shorten(extra)}"] if extra else []
            raise DataContractError(f"The files of {text!r} hold different columns: {Path(file).name} "
                                    f"{' and '.join(differences)} against {first}; every file needs the same columns.")
    parts = [part.select(columns) for part in parts]
    try:
        return pl.concat(parts, how="vertical_relaxed")
    except (pl.exceptions.SchemaError, pl.exceptions.InvalidOperationError) as exc:
        for file, part in zip(files[1:], parts[1:], strict=True):
            for column, dtype in part.schema.items():
                if dtype != parts[0].schema[column]:
                    raise DataContractError(
                        f"The files of {text!r} disagree on column {column!r}: {parts[0].schema[column]} in {first}, "
                        f"{dtype} in {Path(file).name}; write them with one type.") from exc
        raise


def read_excel_as_labels(file: str, text_columns: list[str | int]) -> pd.DataFrame:
    """The table sheet of an Excel workbook (openpyxl), `text_columns` (names or positions) as text, so an id
    typed 007 in a cell formatted as text stays "007" and one typed 7 reads "7". Cells formatted as dates are dates,
    numbers numbers. A label merged down several rows (a region written once beside its stores) is read on each of
    them. Rows and unnamed columns left empty (formatted cells around the table) are dropped. The sheet read is the
    first that holds a table: a cover or notes sheet in front of the data is passed over (logged as a warning);
    which sheet was read is logged when the workbook has more than one."""
    with pd.ExcelFile(file, engine="openpyxl") as book:
        position, top = 0, None  # the table sheet and its top rows, read once for the header row too
        for index, name in enumerate(book.sheet_names):
            rows = book.parse(name, header=None, nrows=30)
            top = rows if top is None else top  # the first sheet's, when no sheet holds a table
            if holds_a_table(rows):
                position, top = index, rows
                break
        sheet = book.sheet_names[position]
        if position:
            log.warning("Read sheet %r of %s: the sheet(s) before it (%s) hold no table.", sheet, file,
                        ", ".join(map(repr, book.sheet_names[:position])))
        elif len(book.sheet_names) > 1:
            log.info("Read sheet %r of %s, the first of %s.", sheet, file, ", ".join(map(repr, book.sheet_names)))
        header_row = excel_header_row(top, sheet, file)
        header = [str(name) for name in book.parse(sheet, header=header_row, nrows=0).columns]
        named = {header[c] if isinstance(c, int) and c < len(header) else c for c in text_columns}
        frame = book.parse(sheet, header=header_row, dtype={column: str for column in named if column in header})
    frame = with_merged_labels_filled(frame, file, header_row, position)
    frame = frame.dropna(how="all")
    unnamed_empty = frame.columns.astype(str).str.startswith("Unnamed: ") & frame.isna().all().to_numpy()
    frame = frame.loc[:, ~unnamed_empty].reset_index(drop=True)
    return with_text_cells_read_as_numbers(frame, skip=named, file=file)


def with_text_cells_read_as_numbers(frame: pd.DataFrame, skip: set, file: str) -> pd.DataFrame:
    """Columns (other than `skip`, the ids) whose text cells hold numbers as CSV files write them ('1,234.50' with
    a comma that can only be thousands, '$1,234.50', '(1,234.50)', '12.5%': a sheet pasted from another system, or
    cells formatted as text) beside number cells, as float64, logged. Ambiguous text ('1,250': thousands or a
    decimal comma?) is left as it is, as in a CSV (the same rules: bizai.amounts, grouped_numbers)."""
    import polars as pl

    from bizai.amounts import amounts

    converted = []
    for name in frame.columns:
        column = frame[name]
        if name in skip or pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column):
            continue
        cells = column.dropna()
        is_text = cells.map(lambda cell: isinstance(cell, str))
        is_number = cells.map(lambda cell: isinstance(cell, (int, float, np.number)) and not isinstance(cell, bool))
        if not is_text.any() or not (is_text | is_number).all():
            continue
        texts = cells[is_text].str.strip()
        distinct = [value for value in texts.unique().tolist() if value]
        numbers = amounts(distinct) if distinct else {}
        if numbers is not None:
            read = texts.map(numbers).astype("float64")  # a blank cell is missing
        else:
            grouped = grouped_numbers(pl.Series(texts.tolist(), dtype=pl.String), decimal_comma=False)
            if grouped is None:
                continue
            read = pd.Series(grouped.to_numpy(), index=texts.index, dtype="float64")
        frame[name] = pd.concat([cells[is_number].astype("float64"), read]).reindex(frame.index)
        converted.append(name)
    if converted:
        log.info("Read the numbers written as text in column(s) %s of %s as numbers (commas between thousands, "
                 "currency symbols, parentheses and trailing minus signs for negatives, percentages).",
                 ", ".join(repr(name) for name in converted), file)
    return frame


def holds_a_table(top: pd.DataFrame) -> bool:
    """Whether a sheet's top rows (read without a header) hold at least two rows with two or more filled cells (a
    header and a row): a cover page or a column of notes does not."""
    return bool((top.notna().sum(axis=1) >= 2).sum() >= 2)


def with_merged_labels_filled(frame: pd.DataFrame, file: str, header_row: int, position: int = 0) -> pd.DataFrame:
    """`frame` (sheet `position` read with its header in row `header_row`, from 0) with each cell merged down several
    rows below the header holding the merge's value on every row it covers, as the sheet shows it (openpyxl and
    pandas give the value to the top cell only). Merges across columns are left as read."""
    merges = [(col, top, bottom) for col, top, last_col, bottom in sheet_merges(file, position)
              if col == last_col and bottom > top and top > header_row + 1]
    if not merges:
        return frame
    frame = frame.copy()
    filled = set()
    for col, top, bottom in merges:  # 1-based sheet rows; row r is frame row r - header_row - 2
        first, last = top - header_row - 2, min(bottom - header_row - 2, len(frame) - 1)
        if col - 1 < frame.shape[1] and 0 <= first < last:
            frame.iloc[first + 1:last + 1, col - 1] = frame.iat[first, col - 1]
            filled.add(str(frame.columns[col - 1]))
    if filled:
        log.info("Read the merged cells of column(s) %s of %s on every row they cover.",
                 ", ".join(map(repr, sorted(filled))), file)
    return frame


def sheet_merges(file: str, position: int = 0) -> list[tuple[int, int, int, int]]:
    """The merged ranges of a workbook's sheet at `position` (in the workbook's order) as (first column, first row,
    last column, last row), 1-based, read from the sheet's XML (openpyxl's read-only sheets, which pandas uses, do
    not keep them)."""
    from openpyxl.utils.cell import range_boundaries

    with zipfile.ZipFile(file) as book:
        workbook = book.read("xl/workbook.xml").decode("utf-8", "replace")
        ids = re.findall(r'<(?:\w+:)?sheet\b[^>]*?\b(?:\w+:)?id="([^"]+)"', workbook)
        chosen = ids[position] if position < len(ids) else None
        relations = book.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        target = next((re.search(r'Target="([^"]+)"', relation).group(1)
                       for relation in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", relations)
                       if chosen and f'Id="{chosen}"' in relation), None)
        if target is None:
            return []
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        sheet = book.read(path).decode("utf-8", "replace")
    return [range_boundaries(ref) for ref in re.findall(r'<(?:\w+:)?mergeCell\b[^>]*\bref="([^"]+)"', sheet)]


def excel_header_row(top: pd.DataFrame, sheet: str, file: str) -> int:
    """The row (from 0) holding a sheet's column names, from its top 30 rows read without a header: the first,
    unless most of its cells are empty (a report with a title and notes above the table); then the first of the top
    rows filled as widely as the widest."""
    if top.empty or top.iloc[0].notna().mean() > 0.5:
        return 0
    filled = top.notna().sum(axis=1)
    row = int(np.flatnonzero(filled.to_numpy() == filled.max())[0])
    log.info("Read the column names of %s from row %d of sheet %r (the rows above look like titles).", file,
             row + 1, sheet)
    return row


def read_csv_as_labels(file: str, text_columns: list[str | int]):
    """polars CSV read with `text_columns` (names or positions) as strings; the other columns' types inferred
    from every row. A file whose header is split by semicolons (Excel's export where the decimal mark is a comma)
    is read with that separator, and its columns of numbers written with decimal commas become numbers; in
    other files, columns of numbers written with commas between thousands ("122,608.46") become numbers; so do
    amounts in finance formats ("$1,234.50", "(1,234.50)", "12.5%": bizai.amounts) in any file. A file
    that is not UTF-8 (Excel's plain 'CSV' on Windows is Windows-1252; 'Unicode text' is UTF-16) is transcoded
    and the reading logged."""
    import polars as pl

    source = file if Path(file).suffix.lower() not in COMPRESSIONS else decompressed(file)
    try:
        return read_csv_source(source, file, text_columns)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower():
            raise
    text, encoding = decoded_text(source if isinstance(source, bytes) else Path(file).read_bytes())
    log.warning("%s is not UTF-8: read it as %s. Save it as 'CSV UTF-8' to be sure accented names read as meant.",
                file, encoding)
    return read_csv_source(text.encode("utf-8"), file, text_columns)


def decompressed(file: str) -> bytes:
    """A compressed text file's bytes (gzip, bz2 or xz, by its suffix)."""
    import importlib

    codec = importlib.import_module(COMPRESSIONS[Path(file).suffix.lower()])
    with codec.open(file, "rb") as handle:
        return handle.read()


def decoded_text(raw: bytes) -> tuple[str, str]:
    """Text of a file that is not UTF-8, and the encoding read: UTF-16 when it starts with its byte-order mark,
    else Windows-1252 (Latin-1 for the five bytes Windows-1252 leaves undefined)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "Latin-1"


def read_csv_source(source: str | bytes, file: str, text_columns: list[str | int]):
    """read_csv_as_labels on `source`: the file's path, or its text as UTF-8 bytes (`file` names it in logs)."""
    import polars as pl

    separator = csv_separator(source)
    header = pl.read_csv(source, n_rows=0, separator=separator).columns
    named = [header[c] if isinstance(c, int) and c < len(header) else c for c in text_columns]
    overrides = {column: pl.String for column in named if column in header}
    try:
        frame = pl.read_csv(source, try_parse_dates=False, infer_schema_length=10000, schema_overrides=overrides,
                            separator=separator)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower():
            raise
        # A column typed from the first 10,000 rows met a value of another type later: type from all rows.
        frame = pl.read_csv(source, try_parse_dates=False, infer_schema_length=None, schema_overrides=overrides,
                            separator=separator)
    return with_text_numbers_read(frame, skip=set(overrides), file=file, decimal_comma=separator == ";")


CSV_SEPARATORS = (",", ";", "\t", "|")
def csv_separator(source: str | bytes) -> str:
    """The separator that splits the header line most often (a comma unless another splits it more); `source` is
    a path or the file's UTF-8 bytes."""
    if isinstance(source, bytes):
        header = source.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    else:
        with open(source, encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline()
    counts = {separator: header.count(separator) for separator in CSV_SEPARATORS}
    best = max(CSV_SEPARATORS, key=counts.__getitem__)
    return best if counts[best] > counts[","] else ","


def with_text_numbers_read(frame, skip: set[str], file: str, decimal_comma: bool):
    """Text columns (other than `skip`, the ids) whose every value is a number written with commas as Float64
    (grouped_numbers), logged, so the reading is never a silent guess."""
    import polars as pl

    converted = []
    for name, dtype in frame.schema.items():
        if name in skip or dtype != pl.String:
            continue
        numbers = grouped_numbers(frame[name], decimal_comma)
        if numbers is not None:
            frame = frame.with_columns(numbers.alias(name))
            converted.append(name)
    if converted:
        written = "semicolon-separated with decimal commas" if decimal_comma else "with commas between thousands"
        log.info("Read %s as %s in column(s) %s.", file, written, ", ".join(repr(name) for name in converted))
    return with_amounts_read(frame, skip | set(converted), file, decimal_comma)


def grouped_numbers(values, decimal_comma: bool):
    """`values` (a polars String Series) as Float64 when every non-blank one is a number written with commas, and at
    least one has a comma: with `decimal_comma` (a semicolon-separated file) '1.234,5' -> 1234.5, else commas
    between thousands, '1,234.5' -> 1234.5, when at least one value's commas can only be thousands (THOUSANDS_ONLY);
    blanks are missing. None when they are not such numbers."""
    import polars as pl

    pattern, grouping = (DECIMAL_COMMA_NUMBER, ".") if decimal_comma else (THOUSANDS_COMMA_NUMBER, ",")
    stripped = values.str.strip_chars()
    filled = stripped.drop_nulls().filter(stripped.drop_nulls() != "")
    if filled.is_empty() or not filled.str.contains(",", literal=True).any():
        return None
    unambiguous = decimal_comma or filled.str.contains(THOUSANDS_ONLY).any()
    if not (unambiguous and filled.str.contains(pattern).all()):
        return None
    number = stripped.str.replace_all(grouping, "", literal=True)
    if decimal_comma:
        number = number.str.replace(",", ".", literal=True)
    return pl.select(pl.when(number == "").then(None).otherwise(number).cast(pl.Float64)).to_series()


def with_amounts_read(frame, skip: set[str], file: str, decimal_comma: bool):
    """Text columns (other than `skip`) holding amounts as finance formats write them ('$1,234.50', '(1,234.50)',
    '1,234.50-', '12.5%': bizai.amounts) as Float64, logged."""
    import polars as pl

    from bizai.amounts import amounts

    converted = []
    for name, dtype in frame.schema.items():
        if name in skip or dtype != pl.String:
            continue
        distinct = frame[name].drop_nulls().unique(maintain_order=True)
        distinct = distinct.filter(distinct.str.strip_chars() != "").to_list()
        numbers = amounts(distinct, decimal_comma) if distinct else None
        if numbers is not None:
            frame = frame.with_columns(pl.col(name).replace_strict(numbers, default=None, return_dtype=pl.Float64))
            converted.append(name)
    if converted:
        log.info("Read the amounts in column(s) %s of %s as numbers (currency symbols, parentheses and trailing "
                 "minus signs for negatives, percentages).", ", ".join(repr(name) for name in converted), file)
    return frame


# ------------------------------------------------------------------------------------------- writing
def user_path(path: str | os.PathLike) -> Path:
    """`path` with a leading '~' read as the home folder, as a shell would: Python's Path keeps it literally, and
    saving to '~/models' would make a folder named '~' in the working folder."""
    return Path(os.path.expanduser(os.fspath(path)))


def temporary_sibling(path: Path, kind: str = "tmp") -> Path:
    """A unique hidden path in the same folder (so os.replace stays on one filesystem), naming our process."""
    return path.with_name(f".{path.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (a lock's owner, for example)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def remove_stale_temporaries(final: Path) -> list[Path]:
    """Remove the temporary siblings of `final` left by runs that were killed; a live writer's are kept.

    A run killed between the two renames of atomic_folder left no `final` but its retired ".old" sibling: that
    one is put back first, so the old output is never lost.
    """
    removed = []
    if not final.parent.is_dir():
        return removed
    stale = []
    for candidate in final.parent.iterdir():
        match = TEMPORARY_NAME.match(candidate.name)
        if not match or match["name"] != final.name:
            continue
        pid = match["pid"]
        if pid is not None and (int(pid) == os.getpid() or process_alive(int(pid))):
            continue
        stale.append(candidate)
    retired = [c for c in stale if ".old-" in c.name]
    if retired and not final.exists() and not final.is_symlink():
        os.replace(retired[0], final)
        stale.remove(retired[0])
        log.warning("restored %s from %s, left by a run killed while replacing it", final, retired[0].name)
    for candidate in stale:
        if candidate.is_dir() and not candidate.is_symlink():
            shutil.rmtree(candidate, ignore_errors=True)
        else:
            candidate.unlink(missing_ok=True)
        removed.append(candidate)
    if removed:
        log.info("removed %d temporary file(s) left beside %s by an interrupted run", len(removed), final)
    return removed


def restore_retired(folder: Path) -> None:
    """Put back, in `folder`, every output that a run killed inside atomic_folder's swap left only as its retired
    ".old" sibling (a reader calls this so it never misses an output that is whole on disk)."""
    if not folder.is_dir():
        return
    for candidate in folder.iterdir():
        match = TEMPORARY_NAME.match(candidate.name)
        if match and ".old-" in candidate.name and not (folder / match["name"]).exists():
            remove_stale_temporaries(folder / match["name"])


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path; on success it replaces `path`, on any exception it is removed."""
    final = user_path(path)
    if final.is_dir():
        raise UnsafeOutputError(f"Output {str(final)!r} is a folder; expected a file path such as "
                                f"{str(final / 'forecasts.parquet')!r}.")
    prepare_output_folder(final.parent)
    remove_stale_temporaries(final)
    temporary = temporary_sibling(final)
    try:
        yield temporary
        os.replace(temporary, final)
    finally:
        if temporary.exists():
            temporary.unlink()


@contextlib.contextmanager
def atomic_folder(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it takes the place of `path` (an old folder there is replaced).

    Callers decide whether `path` may be replaced (see persistence.check_replaceable): this only swaps.
    """
    final = user_path(path)
    prepare_output_folder(final.parent)
    remove_stale_temporaries(final)
    temporary = temporary_sibling(final)
    temporary.mkdir()
    try:
        yield temporary
        if final.exists():
            # Two renames: the old folder stays whole until the new one is complete.
            retired = temporary_sibling(final, "old")
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


def check_output_file(path: str | os.PathLike, inputs: Iterable[str | os.PathLike | None] = (),
                      suffixes: tuple[str, ...] = WRITABLE_SUFFIXES) -> Path:
    """Refuse an output file path that is a folder, has another suffix than `suffixes`, or is one of the `inputs`."""
    final = user_path(path)
    if final.is_dir():
        raise UnsafeOutputError(f"Output {str(final)!r} is a folder; expected a file path such as "
                                f"{str(final / ('output' + suffixes[-1]))!r}.")
    if final.suffix.lower() not in suffixes:
        named = [s for s in suffixes if s != ".pq"]
        shown = " or ".join([", ".join(named[:-1]), named[-1]] if len(named) > 1 else named)
        raise UnsafeOutputError(f"Output {str(final)!r} must end in {shown} (got {final.suffix or 'no suffix'!r}).")
    refuse_output_over_inputs(final, inputs)
    return final


def refuse_output_over_inputs(output: Path, inputs: Iterable[str | os.PathLike | None]) -> None:
    """An output may not be an input, nor a folder holding one: writing it would destroy what we read."""
    target = user_path(output).resolve()
    for item in inputs:
        if item is None or any(ch in str(item) for ch in "*?["):
            continue
        source = user_path(item).resolve()
        if source == target or target in source.parents:
            raise UnsafeOutputError(
                f"Output {str(output)!r} would overwrite the input {str(item)!r}; choose another output path."
            )


def write_table(frame: pd.DataFrame, path: str | os.PathLike,
                sheets_beside: Callable[[pd.DataFrame], dict[str, pd.DataFrame]] | None = None) -> Path:
    """Write `frame` atomically as Parquet, or as CSV or an Excel workbook (one sheet named after the file, then the
    sheets that `sheets_beside` makes of it: a pivot by period) when the path ends in .csv or .xlsx. Any other
    suffix is refused: Parquet bytes in a file named .json open as nonsense."""
    final = check_output_file(path)
    with atomic_path(final) as temporary:
        if final.suffix.lower() == ".csv":
            frame.to_csv(temporary, index=False)
        elif final.suffix.lower() == ".xlsx":
            temporary.write_bytes(tables_to_xlsx({final.stem: frame, **(sheets_beside(frame) if sheets_beside else {})}))
        else:
            frame.to_parquet(temporary, index=False)
    return final


def write_table_batches(frames, path: str | os.PathLike,
                        sheets_beside: Callable[[pd.DataFrame], dict[str, pd.DataFrame]] | None = None) -> int:
    """Write an iterable of pandas frames as one Parquet file, a row group per frame, atomically.

    Memory stays bounded by one batch. Returns the number of rows written. CSV paths are written batch by
    batch too (header once); an .xlsx path gathers the batches into one sheet, refused before it outgrows Excel's,
    with the sheets `sheets_beside` makes of the whole (see write_table).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = check_output_file(path)  # before the first batch is computed
    if final.suffix.lower() == ".xlsx":
        gathered, rows = [], 0
        for frame in frames:
            gathered.append(frame)
            rows += len(frame)
            require_sheet_rows(rows, final.stem)
        write_table(pd.concat(gathered, ignore_index=True) if gathered else pd.DataFrame(), final, sheets_beside)
        return rows
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
