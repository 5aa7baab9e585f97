"""Property-based tests (Hypothesis) of the readers and the panel contract: whatever ids, dates, gaps and NaNs
come in, bizai either accepts them without changing an id or refuses with a DataContractError (issue #14)."""

from __future__ import annotations

import string

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bizai.errors import DataContractError
from bizai.finance.panel import columns_from_arguments, prepare_panel
from bizai.io import read_table
from bizai.recsys.dataset import EventColumns, build_interactions

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# Labels people really use: leading zeros, digits only, unicode, spaces and punctuation inside.
text_ids = st.one_of(
    st.from_regex(r"0[0-9]{1,6}", fullmatch=True),
    st.from_regex(r"[1-9][0-9]{0,5}", fullmatch=True),
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=8).filter(
        lambda s: s.strip() == s and s != ""),
    st.text(alphabet=string.ascii_letters + "-_/ .é北", min_size=1, max_size=6).map(lambda s: f"S{s}"),
)
any_ids = st.one_of(text_ids, st.integers(-10**6, 10**9))


@SETTINGS
@given(ids=st.lists(text_ids, min_size=1, max_size=30))
def test_csv_text_ids_come_back_exactly(tmp_path_factory, ids):
    path = tmp_path_factory.mktemp("csv") / "ids.csv"
    pd.DataFrame({"id": ids, "value": range(len(ids))}).to_csv(path, index=False)
    try:
        frame = read_table(path, text_columns=["id"])
    except DataContractError:
        return
    assert frame["id"].tolist() == ids


@SETTINGS
@given(ids=st.one_of(st.lists(text_ids, min_size=1, max_size=30), st.lists(st.integers(-10**9, 10**9), min_size=1,
                                                                             max_size=30)))
def test_parquet_ids_keep_their_type_and_value(tmp_path_factory, ids):
    path = tmp_path_factory.mktemp("pq") / "ids.parquet"
    pd.DataFrame({"id": ids}).to_parquet(path)
    assert read_table(path)["id"].tolist() == ids


@st.composite
def panels(draw):
    """A long frame of a few series on a monthly grid with gaps, NaNs, odd ids and sometimes text dates."""
    kind = draw(st.sampled_from([text_ids, st.integers(-10**6, 10**9), any_ids]))
    ids = draw(st.lists(kind, min_size=1, max_size=4, unique_by=lambda v: (type(v), v)))
    grid = pd.date_range("2020-01-01", periods=18, freq="MS")
    rows = []
    for series_id in ids:
        kept = draw(st.lists(st.booleans(), min_size=len(grid), max_size=len(grid)))
        for month, keep in zip(grid, kept, strict=True):
            if keep:
                rows.append({"id": series_id, "month": month, "y": draw(st.floats(-1e6, 1e6))})
    frame = pd.DataFrame(rows, columns=["id", "month", "y"])
    if draw(st.integers(0, 4)) == 0 and len(frame):
        frame.loc[draw(st.integers(0, len(frame) - 1)), "y"] = float("nan")
    if draw(st.booleans()) and len(frame):
        frame["month"] = frame["month"].dt.strftime(draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%dT00:00:00",
                                                                          "%d.%m.%Y", "%b %Y"])))
    if draw(st.integers(0, 4)) == 0 and len(frame):
        frame = pd.concat([frame, frame.head(1)], ignore_index=True)  # a duplicated (id, month)
    return frame, ids


@SETTINGS
@given(case=panels())
def test_the_panel_contract_refuses_or_keeps_every_id(case):
    frame, ids = case
    columns = columns_from_arguments("id", "month", "y", None, None, None)
    try:
        panel = prepare_panel(frame, columns, "MS")
    except DataContractError:
        return
    kept = panel.series_ids["id"].tolist()
    present = list(dict.fromkeys(frame["id"]))
    assert sorted(map(repr, kept)) == sorted(map(repr, present))
    assert panel.frame["__target"].notna().sum() == frame["y"].notna().sum()


@SETTINGS
@given(users=st.lists(any_ids, min_size=1, max_size=25), items=st.lists(text_ids, min_size=1, max_size=25))
def test_interactions_refuse_or_keep_every_id(users, items):
    n = max(len(users), len(items))
    frame = pd.DataFrame({"user": [users[i % len(users)] for i in range(n)], "item": [items[i % len(items)] for i in range(n)]})
    try:
        data = build_interactions(frame, EventColumns("user", "item"))
    except DataContractError:
        return
    assert sorted(map(repr, data.users.external.tolist())) == sorted(map(repr, dict.fromkeys(frame["user"])))
    assert sorted(map(repr, data.items.external.tolist())) == sorted(map(repr, dict.fromkeys(frame["item"])))
    assert np.isclose(data.matrix.sum(), n)
