"""Incremental updates: new users and items folded in without a full retrain, close to what a refit learns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from bizai.errors import BizaiWarning, DataContractError
from bizai.persistence import folder_version
from bizai.recsys import ALSRecommender, BaseRecommender, PopularityRecommender
from tests.recsys.conftest import make_events
from tests.recsys.test_recommender_contract import FACTORIES, FIT


def split_by_time(events: pd.DataFrame, share: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Old events, and newer ones that also bring new users (the last tenth of users appear only there)."""
    users = sorted(events["user_id"].unique(), key=lambda u: int(u[1:]))
    late_users = set(users[-len(users) // 10:])
    cutoff = events["timestamp"].quantile(share)
    old = events[(events["timestamp"] <= cutoff) & ~events["user_id"].isin(late_users)]
    return old.reset_index(drop=True), events.drop(old.index).reset_index(drop=True)


@pytest.mark.parametrize("name", list(FACTORIES))
def test_every_recommender_folds_in_new_users(name):
    events = make_events(n_users=80)
    old, new = split_by_time(events)
    new = new[new["item_id"].isin(old["item_id"])]  # items SASRec knows
    model = FACTORIES[name]().fit(old, **FIT)
    newcomer = sorted(set(new["user_id"]) - set(old["user_id"]))[0]
    assert model.update(new) is model
    assert newcomer in set(model.data_.users.external)
    recs = model.recommend([newcomer], k=5)
    seen = set(new.loc[new["user_id"] == newcomer, "item_id"])
    assert len(recs) == 5 and not seen & set(recs["item_id"])
    assert model.training_rows_ == len(old) + len(new)
    assert model.lineage_[-1]["rows_added"] == len(new) and model.lineage_[-1]["new_users"] >= 1


def test_als_update_comes_close_to_a_full_refit():
    events = make_events(n_users=200, n_items=60, seed=3)
    old, new = split_by_time(events)
    params = dict(factors=16, iterations=10, random_state=0)
    stale = ALSRecommender(**params).fit(old, **FIT)
    updated = ALSRecommender(**params).fit(old, **FIT).update(new)
    refit = ALSRecommender(**params).fit(pd.concat([old, new]), **FIT)
    users = sorted(set(new["user_id"]) & set(old["user_id"]))

    def overlap(a, b):
        left, right = a.recommend(users, k=10), b.recommend(users, k=10)
        return np.mean([len(set(left.loc[left["user_id"] == u, "item_id"]) & set(right.loc[right["user_id"] == u,
                                                                                           "item_id"])) / 10
                        for u in users])

    assert overlap(updated, refit) >= 0.6
    assert overlap(updated, refit) > overlap(stale, refit) + 0.05
    late = sorted(set(new["user_id"]) - set(old["user_id"]))
    # users folded in get lists from their own group's half of the catalogue, as the refit does
    def purity(model):
        recs = model.recommend(late, k=5)
        return (recs["item_id"].map(lambda i: int(i[1:]) // 30) == recs["user_id"].map(lambda u: int(u[1:]) % 2)).mean()

    assert purity(updated) >= 0.85 and purity(updated) >= purity(refit) - 0.05


def test_new_items_get_factors_and_can_be_recommended():
    events = make_events(n_users=120, n_items=40, seed=1)
    old = events[events["item_id"] != "i5"]
    later = events[events["item_id"] == "i5"].assign(timestamp=lambda f: f["timestamp"] + 10**8)
    model = ALSRecommender(factors=16, iterations=10, random_state=0).fit(old, **FIT).update(later)
    assert "i5" in set(model.data_.items.external)
    assert np.abs(model.model_.item_factors[model.data_.items.to_internal(["i5"])[0]]).sum() > 0
    similar = model.similar_items(["i5"], k=3)
    assert set(similar.iloc[:, 1].map(lambda i: int(i[1:]) // 20)) == {0}  # i5 belongs to the first group


def test_popularity_update_equals_a_refit():
    old, new = split_by_time(make_events())
    updated = PopularityRecommender().fit(old, **FIT).update(new)
    refit = PopularityRecommender().fit(pd.concat([old, new]), **FIT)
    users = sorted(set(new["user_id"]))
    pd.testing.assert_frame_equal(updated.recommend(users, k=5).sort_values(["user_id", "rank"], ignore_index=True),
                                  refit.recommend(users, k=5).sort_values(["user_id", "rank"], ignore_index=True))


def test_lineage_is_saved_and_names_the_parent(tmp_path):
    old, new = split_by_time(make_events())
    ALSRecommender(factors=8, iterations=3, random_state=0).fit(old, **FIT).save(tmp_path / "m1")
    model = BaseRecommender.load(tmp_path / "m1").update(new)
    model.save(tmp_path / "m2")
    meta = json.loads((tmp_path / "m2" / "meta.json").read_text())
    assert meta["lineage"][0]["parent_version"] == folder_version(tmp_path / "m1")
    assert meta["lineage"][0]["rows_added"] == len(new) and meta["training_rows"] == len(old) + len(new)
    assert meta["training_fingerprint"] != json.loads((tmp_path / "m1" / "meta.json").read_text())["training_fingerprint"]


def test_update_refusals():
    old, new = split_by_time(make_events())
    model = ALSRecommender(factors=8, iterations=3, random_state=0).fit(old, **FIT)
    with pytest.raises(DataContractError, match="old data"):
        model.update(old.iloc[:10])
    with pytest.raises(DataContractError, match="missing column"):
        model.update(new.drop(columns="timestamp"))
    with pytest.raises(DataContractError, match="user_id"):
        model.update(new.assign(user_id=1.5))
    sasrec = FACTORIES["sasrec"]().fit(old[old["item_id"] != "i3"], **FIT)
    with pytest.raises(DataContractError, match="SASRec cannot fold in new items.*'i3'"):
        sasrec.update(new.assign(item_id="i3"))
    assert "i3" not in set(sasrec.data_.items.external)


def test_the_extended_matrix_holds_the_same_sums_as_a_rebuild():
    old, new = split_by_time(make_events())
    new = pd.concat([new, new.head(5)])  # repeated interactions add up
    updated = PopularityRecommender().fit(old, **FIT).update(new).data_
    rebuilt = PopularityRecommender().fit(pd.concat([old, new]), **FIT).data_
    users = rebuilt.users.to_internal(updated.users.external)
    items = rebuilt.items.to_internal(updated.items.external)
    np.testing.assert_array_equal(updated.matrix.toarray(), rebuilt.matrix.toarray()[np.ix_(users, items)])
    assert updated.events["time"].is_monotonic_increasing


def test_new_ids_that_are_known_ones_spelt_otherwise_are_named(caplog):
    old, new = split_by_time(make_events())
    model = PopularityRecommender().fit(old, **FIT)
    known = old["user_id"].iloc[0]
    with caplog.at_level("WARNING", logger="bizai.recsys.base"):
        model.recommend([known.upper(), "ghost"], k=2)  # make_events' ids are lower case: 'u12'
    assert f"'{known.upper()}', 'ghost' (ids given as '{known.upper()}' for '{known}' differ from the model's" in caplog.text
    shouted = new.assign(item_id=new["item_id"].str.upper() + " ")  # an export that upper-cased and padded items
    with pytest.warns(BizaiWarning, match=r"new item\(s\), some look like known ones \(ids given as 'I0 ' for 'i0'"):
        model.update(shouted)
    assert "I0 " in set(model.data_.items.external)  # added as the data says
