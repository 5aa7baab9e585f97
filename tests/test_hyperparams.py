"""Hyper-parameters are checked when an estimator fits: a bad value is refused naming the estimator, the parameter,
the value and what is expected, instead of failing inside a library."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from bizai import DataContractError
from bizai.hyperparams import Flag, Number
from bizai.recsys.registry import RECOMMENDER_NAMES, build_recommender


def test_number_and_flag_rules():
    count = Number(1, integer=True)
    assert count.accepts(3) and count.accepts(np.int64(3))
    assert not any(count.accepts(v) for v in (0, -3, 2.5, "3", True, None))
    share = Number(0, 1)
    assert share.accepts(0) and share.accepts(1.0) and share.accepts(np.float32(0.5))
    assert not any(share.accepts(v) for v in (-0.1, 1.01, float("nan"), float("inf")))
    positive = Number(0, above=True, optional=True)
    assert positive.accepts(None) and positive.accepts(1e-9) and not positive.accepts(0)
    assert Flag().accepts(False) and not Flag().accepts(1) and not Flag().accepts(None)
    assert Flag(optional=True).accepts(None)
    assert count.expected() == "an integer of at least 1"
    assert share.expected() == "a number from 0 to 1"
    assert positive.expected() == "a number above 0, or None"


def events() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"user_id": rng.integers(0, 30, 300).astype(str), "item_id": rng.integers(0, 12, 300).astype(str),
                         "at": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(300), unit="h")})


def with_value(model, name: str, value):
    """A copy of `model` whose parameter `name` (dotted: inside a settings dataclass) is `value`."""
    model = copy.deepcopy(model)
    if "." in name:
        owner, field = name.split(".")
        setattr(model, owner, dataclasses.replace(getattr(model, owner), **{field: value}))
    else:
        setattr(model, name, value)
    return model


def a_bad_value(rule) -> object:
    if isinstance(rule, Flag):
        return "yes"
    return -1 if rule.low is not None and rule.low >= 0 else "many"


@pytest.mark.parametrize("name", RECOMMENDER_NAMES)
def test_every_recommender_refuses_a_bad_hyperparameter_naming_it(name):
    model = build_recommender(name)
    assert model.hyperparameter_rules, name  # every recommender declares its rules
    for parameter, rule in model.hyperparameter_rules.items():
        bad = a_bad_value(rule)
        with pytest.raises(DataContractError, match=rf"{type(model).__name__}: {parameter} must be .*, got {bad!r}"):
            with_value(model, parameter, bad).fit(events(), time_col="at")


def test_sasrec_heads_must_divide_the_width():
    from bizai.recsys.sasrec import SASRecArchitecture, SASRecRecommender

    model = SASRecRecommender(SASRecArchitecture(hidden=30, heads=4))
    with pytest.raises(DataContractError, match=r"architecture.hidden \(30\) must be a multiple of architecture.heads \(4\)"):
        model.fit(events(), time_col="at")


def test_repeat_aware_checks_its_base_models_settings():
    model = build_recommender("repeat_aware", base="als", base_params={"factors": 0})
    with pytest.raises(DataContractError, match=r"ALSRecommender: factors must be an integer of at least 1, got 0"):
        model.fit(events(), time_col="at")


def test_settings_given_as_a_dict_are_refused_naming_the_settings_class():
    from bizai.recsys.sasrec import SASRecRecommender

    with pytest.raises(DataContractError, match=r"SASRecRecommender: training must be a SASRecTraining \(e\.g\. "
                                                r"SASRecTraining\(epochs=\.\.\.\)\), got dict \{'epochs': 2\}"):
        SASRecRecommender(training={"epochs": 2}).fit(events(), time_col="at")


def test_sasrec_refuses_a_log_where_no_user_has_three_events():
    from bizai.recsys.sasrec import SASRecRecommender, SASRecTraining

    pairs = pd.DataFrame({"user_id": ["a", "a", "b"], "item_id": ["x", "y", "x"], "at": [1, 2, 3]})
    with pytest.raises(DataContractError, match=r"at least 3 events .* none of the 2 users has more than 2: use "
                                                r"ALSRecommender or PopularityRecommender"):
        SASRecRecommender(training=SASRecTraining(epochs=1)).fit(pairs, time_col="at")
