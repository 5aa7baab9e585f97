"""Ids that differ only in the spaces around them or in letter case ('S001 ', 's001' beside 'S001'): an Excel
cell's trailing space, or an export that lower-cased the ids. Used wherever given ids meet known ones (a plan, an
update, actuals, a list of users to score), so that a respelling is named rather than read as a new id."""

from __future__ import annotations

import pandas as pd

from bizai.schema import row_labels, shorten


def spelling_keys(frame: pd.DataFrame, id_cols: list[str]) -> pd.Series:
    """Each row's ids with the spaces around them and letter case ignored: 'S001 ' and 's001' share 's001'."""
    parts = [frame[column].astype(str).str.strip().str.casefold() for column in id_cols]
    keys = parts[0]
    for part in parts[1:]:  # column by column, not row by row: panels hold 100,000s of series
        keys = keys + "|" + part
    return keys.reset_index(drop=True)


def unknown_ids(given: pd.DataFrame, known: pd.DataFrame, id_cols: list[str]) -> pd.DataFrame:
    """The distinct `id_cols` of `given` that `known` lacks (spelt exactly), to look for respellings among."""
    rows = given[id_cols].drop_duplicates().merge(known[id_cols].drop_duplicates(), how="left", indicator=True)
    return rows.loc[rows["_merge"] == "left_only", id_cols]


def respelled_ids(unknown: pd.DataFrame, known: pd.DataFrame, id_cols: list[str], whose: str = "the history's") -> str:
    """' (ids given as 's001' for 'S001' differ from the history's only in spaces or letter case: write them
    alike)' when some `unknown` ids match `known` ones once spaces around them and case are ignored; else ''.
    `whose` says whose ids `known` are ("the model's", "the recommendations'")."""
    if unknown.empty:
        return ""
    keys = dict(zip(spelling_keys(known, id_cols), row_labels(known[id_cols]), strict=True))
    pairs = [(given, keys[key]) for given, key in zip(row_labels(unknown[id_cols]), spelling_keys(unknown, id_cols),
                                                       strict=True) if key in keys]
    if not pairs:
        return ""
    shown = shorten([f"{given!r} for {meant!r}" for given, meant in pairs], 3, show=str)
    return f" (ids given as {shown} differ from {whose} only in spaces or letter case: write them alike)"
