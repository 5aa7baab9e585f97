"""Spark scoring gives the rows and scores of single-machine scoring, for every recommender; MLlib ALS makes
an ordinary folder that scores locally."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bizai.errors import DataContractError, IncompatibleModelError
from bizai.recsys import BaseRecommender
from bizai.recsys.registry import build_recommender
from bizai.spark import fit_mllib_als, score_users
from bizai.spark.recommend import collect_scores
from tests.recsys.conftest import make_events

FIT = dict(user_col="user_id", item_col="item_id", time_col="timestamp")
PARAMS = {"als": dict(factors=8, iterations=3), "itemknn": dict(neighbours=10), "popularity": {},
          "sasrec": None}


def sasrec_params():
    from bizai.recsys import SASRecArchitecture, SASRecTraining

    return dict(architecture=SASRecArchitecture(hidden=16, layers=1, heads=1, max_length=8),
                training=SASRecTraining(epochs=2, batch_size=32))


@pytest.fixture(scope="module")
def events():
    return make_events(n_users=50, n_items=30)


@pytest.fixture(scope="module", params=["als", "itemknn", "popularity", "sasrec"])
def saved_model(request, events, tmp_path_factory):
    params = sasrec_params() if request.param == "sasrec" else PARAMS[request.param]
    model = build_recommender(request.param, random_state=0, show_progress=False, **params).fit(events, **FIT)
    return model.save(tmp_path_factory.mktemp(request.param) / "model")


def ordered(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["user_id", "rank"]).reset_index(drop=True)


def test_spark_scores_every_user_as_one_machine_does(spark, saved_model):
    local = ordered(BaseRecommender.load(saved_model).recommend(k=5))
    remote = ordered(collect_scores(score_users(saved_model, k=5, spark=spark)))
    assert len(remote) == len(local) > 0
    assert remote["user_id"].tolist() == local["user_id"].tolist()
    assert remote["item_id"].tolist() == local["item_id"].tolist()
    np.testing.assert_allclose(remote["score"], local["score"], rtol=1e-6, atol=1e-6)
    assert remote["rank"].tolist() == local["rank"].tolist()


def test_spark_scores_a_users_table_with_keep_seen(spark, saved_model, events):
    wanted = ["u3", "u7", "u12"]
    users = spark.createDataFrame(pd.DataFrame({"customer": wanted}))
    local = ordered(BaseRecommender.load(saved_model).recommend(wanted, k=4, filter_seen=False))
    remote = ordered(collect_scores(score_users(saved_model, users, k=4, filter_seen=False, user_col="customer",
                                                spark=spark)))
    assert sorted(remote["user_id"].unique()) == sorted(wanted)
    assert remote["item_id"].tolist() == local["item_id"].tolist()


def test_unknown_users_are_refused_unless_allowed(spark, saved_model):
    users = spark.createDataFrame(pd.DataFrame({"user_id": ["u1", "nobody"]}))
    with pytest.raises(DataContractError, match="unknown to the model.*nobody"):
        collect_scores(score_users(saved_model, users, k=3, spark=spark))
    allowed = collect_scores(score_users(saved_model, users, k=3, allow_unknown=True, spark=spark))
    assert set(allowed["user_id"]) == {"u1", "nobody"}


def test_users_table_without_the_id_column_or_of_another_kind(spark, saved_model):
    with pytest.raises(DataContractError, match="no column.*'user_id'"):
        score_users(saved_model, spark.createDataFrame(pd.DataFrame({"client": ["u1"]})), spark=spark)
    with pytest.raises(DataContractError, match="'user_id' is bigint, but the model's ids are text"):
        score_users(saved_model, spark.createDataFrame(pd.DataFrame({"user_id": [1, 2]})), spark=spark)


def test_a_damaged_folder_is_refused_before_any_task(spark, saved_model, tmp_path):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(saved_model, broken)
    (broken / "recommender.pkl").write_bytes(b"not a pickle")
    with pytest.raises(IncompatibleModelError, match="damaged"):
        score_users(broken, spark=spark)


def test_an_unreadable_folder_on_an_executor_is_a_clear_error(spark, saved_model, tmp_path):
    """ship=False reads the folder on the executors: one that vanished after planning fails with its path."""
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(saved_model, moved)
    frame = score_users(moved, k=2, spark=spark, ship=False)
    shutil.rmtree(moved)
    with pytest.raises(IncompatibleModelError, match="moved"):
        collect_scores(frame)


def test_mllib_als_makes_an_ordinary_folder_that_scores_locally(spark, events, tmp_path):
    weights = {"view": 1.0, "cart": 3.0, "purchase": 5.0}
    frame = spark.createDataFrame(events)
    model = fit_mllib_als(frame, tmp_path / "mllib", event_col="event", event_weights=weights, factors=8,
                          iterations=5, random_state=0, spark=spark)
    loaded = BaseRecommender.load(tmp_path / "mllib")
    assert loaded.meta_["model"] == "MLlibALSRecommender" and loaded.data_.n_users == events["user_id"].nunique()
    local = loaded.recommend(["u1", "u2"], k=5)
    assert local.groupby("user_id").size().tolist() == [5, 5]
    pd.testing.assert_frame_equal(local, model.recommend(["u1", "u2"], k=5))
    # Users keep to one half of the items: the factors learnt on Spark must rank the user's half first.
    recs = loaded.recommend(k=5, filter_seen=False)
    group = recs["user_id"].str[1:].astype(int) % 2
    half = (recs["item_id"].str[1:].astype(int) >= 15).astype(int)
    assert (group == half).mean() > 0.95
    remote = ordered(collect_scores(score_users(tmp_path / "mllib", k=5, filter_seen=False, spark=spark)))
    assert remote["item_id"].tolist() == ordered(recs)["item_id"].tolist()


def test_mllib_als_is_deterministic_for_a_seed_and_cuts_its_lineage(spark, events):
    # without a checkpoint folder every iteration lengthened the lineage each task serialises recursively:
    # 15 iterations overflowed the JVM's stack now and then
    from pathlib import Path

    frame = spark.createDataFrame(events)
    first = fit_mllib_als(frame, factors=4, iterations=12, random_state=1, spark=spark)
    folder = spark.sparkContext.getCheckpointDir()
    assert folder is not None and Path(folder.removeprefix("file:")).is_dir()
    second = fit_mllib_als(frame, factors=4, iterations=12, random_state=1, spark=spark)
    np.testing.assert_array_equal(first.model_.item_factors, second.model_.item_factors)


def test_mllib_als_bad_events(spark, events):
    with pytest.raises(DataContractError, match="no column.*'customer'"):
        fit_mllib_als(spark.createDataFrame(events), user_col="customer", spark=spark)
    with pytest.raises(DataContractError, match=r"Event type\(s\) \['view'|have no weight"):
        fit_mllib_als(spark.createDataFrame(events), event_col="event", event_weights={"cart": 1, "purchase": 2},
                      spark=spark)
    nulls = events.astype({"user_id": object}).copy()
    nulls.loc[3, "user_id"] = None
    with pytest.raises(DataContractError, match="1 row"):
        fit_mllib_als(spark.createDataFrame(nulls), spark=spark)
    negative = events.assign(weight=-1.0)
    with pytest.raises(DataContractError, match="negative"):
        fit_mllib_als(spark.createDataFrame(negative), weight_col="weight", spark=spark)
    text = events.assign(weight="heavy")
    with pytest.raises(DataContractError, match="weights must be numbers"):
        fit_mllib_als(spark.createDataFrame(text), weight_col="weight", spark=spark)
