"""bizai.io.read_table on files as nightly exports deliver them: compressed, or empty after a failed export."""

from __future__ import annotations

import bz2
import gzip
import lzma

import pandas as pd
import pytest

from bizai.errors import DataContractError
from bizai.io import read_table

ROWS = [["store", "month", "profit"], ["007", "2024-01-01", "1250.5"], ["7", "2024-01-01", "3"]]
CSV = "".join(",".join(row) + "\n" for row in ROWS)


@pytest.mark.parametrize(("suffix", "compress"), [(".csv.gz", gzip.compress), (".csv.bz2", bz2.compress),
                                                  (".tsv.xz", lzma.compress)])
def test_compressed_exports_read_as_the_plain_file_does(tmp_path, suffix, compress):
    separator = "\t" if suffix.startswith(".tsv") else ","
    text = "".join(separator.join(row) + "\n" for row in ROWS)
    plain = tmp_path / f"plain{suffix.rsplit('.', 1)[0]}"
    plain.write_text(text)
    (tmp_path / f"orders{suffix}").write_bytes(compress(text.encode()))
    packed = read_table(tmp_path / f"orders{suffix}", text_columns=["store"])
    pd.testing.assert_frame_equal(packed, read_table(plain, text_columns=["store"]))
    assert packed["store"].tolist() == ["007", "7"] and packed["profit"].tolist() == [1250.5, 3.0]


def test_a_compressed_file_that_is_not_a_table_and_an_empty_file_are_named(tmp_path):
    (tmp_path / "notes.gz").write_bytes(gzip.compress(b"x"))
    with pytest.raises(DataContractError, match=r"has type '\.gz'.*also compressed: \.csv\.gz"):
        read_table(tmp_path / "notes.gz")
    (tmp_path / "renamed.csv.gz").write_text(CSV)  # plain text under a .gz name
    with pytest.raises(DataContractError, match=r"Could not read .*renamed\.csv\.gz.*gzip"):
        read_table(tmp_path / "renamed.csv.gz")
    (tmp_path / "failed.csv").write_bytes(b"")
    with pytest.raises(DataContractError, match=r"Input file .*failed\.csv' is empty \(0 bytes\)"):
        read_table(tmp_path / "failed.csv")
