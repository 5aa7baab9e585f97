"""Saved models described in plain words: frequencies named, forecaster and recommender cards from meta.json."""

from __future__ import annotations

import pytest

from bizai.finance import ProfitForecaster
from bizai.model_card import frequency_in_words, model_card
from bizai.persistence import read_meta
from bizai.recsys import PopularityRecommender
from tests.conftest import FIT_COLUMNS, make_panel


@pytest.mark.parametrize(("freq", "words"), [("MS", "monthly"), ("QS", "quarterly"), ("D", "daily"),
                                             ("W-FRI", "weekly (weeks end on Friday)"), ("2W", "every 2 weeks"),
                                             (None, "unknown"), ("nonsense", "nonsense")])
def test_frequencies_in_words(freq, words):
    assert frequency_in_words(freq).startswith(words)


def test_a_forecaster_card_says_what_it_forecasts_on_what_and_how_well(tmp_path):
    history, _ = make_panel()
    ProfitForecaster(model="naive", horizon=4, backtest_windows=1).fit(history, **FIT_COLUMNS).save(tmp_path / "m")
    card = dict(model_card(read_meta(tmp_path / "m")))
    assert card["What it does"] == "forecasts profit for each store, 4 periods ahead"
    assert card["Frequency"] == "monthly" and card["Series"] == "5"
    assert card["Planned inputs"] == "promo" and "typical miss (MAE)" in card["Backtest accuracy"]
    assert "pandas" in card["Libraries"]


def test_a_recommender_card_counts_customers_and_items(tmp_path, ):
    import pandas as pd

    events = pd.DataFrame({"customer": ["a", "a", "b", "c"], "product": ["x", "y", "x", "z"]})
    PopularityRecommender().fit(events, user_col="customer", item_col="product").save(tmp_path / "r")
    card = dict(model_card(read_meta(tmp_path / "r")))
    assert card["What it does"] == "recommends product to each customer"
    assert (card["Customers"], card["Items"], card["Trained on"]) == ("3", "3", "4 events")
