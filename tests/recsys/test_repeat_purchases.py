"""Retail logs: returns netted against purchases, a buy-again baseline, and evaluation that counts repeat
purchases (filter_seen=False)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai import DataContractError
from bizai.recsys import BuyAgainRecommender, PopularityRecommender, evaluate, net_purchases

COLUMNS = dict(user_col="customer", item_col="product", time_col="at", weight_col="weight")


def order_lines() -> pd.DataFrame:
    at = pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01", "2024-02-03", "2024-03-01", "2024-03-02",
                         "2024-03-03", "2024-03-04"])
    return pd.DataFrame({"customer": ["a", "a", "a", "a", "b", "b", "c", "c"],
                         "product": ["tea", "mug", "tea", "mug", "mug", "tea", "tea", "mug"],
                         "quantity": [10, 2, 10, -2, 5, 1, 3, 4], "at": at})


def test_returns_are_netted_and_items_returned_in_full_dropped():
    net = net_purchases(order_lines(), "customer", "product", "quantity", weighting="quantity")
    assert not ((net["customer"] == "a") & (net["product"] == "mug")).any()  # bought 2, returned 2
    assert (net["quantity"] > 0).all() and len(net) == 6
    np.testing.assert_allclose(net.loc[net["customer"] == "a", "weight"], [10, 10])
    logged = net_purchases(order_lines(), "customer", "product", "quantity")
    np.testing.assert_allclose(logged["weight"], np.log1p(net["weight"]))


def test_partly_returned_items_weigh_what_was_kept():
    lines = pd.DataFrame({"customer": ["a", "a", "a"], "product": ["tea"] * 3, "quantity": [6, 2, -4]})
    net = net_purchases(lines, "customer", "product", "quantity", weighting="quantity")
    np.testing.assert_allclose(net["weight"], [3.0, 1.0])  # kept 4 of 8


def test_net_purchases_keeps_the_frame_kind_and_refuses_bad_input():
    assert isinstance(net_purchases(pl.from_pandas(order_lines()), "customer", "product", "quantity"), pl.DataFrame)
    with pytest.raises(DataContractError, match="quantity"):
        net_purchases(order_lines().assign(quantity=["x"] * 8), "customer", "product", "quantity")
    with pytest.raises(DataContractError, match="weighting"):
        net_purchases(order_lines(), "customer", "product", "quantity", weighting="sqrt")
    with pytest.raises(DataContractError, match="No purchase is left"):
        net_purchases(order_lines().assign(quantity=-1), "customer", "product", "quantity")


def test_buy_again_ranks_own_items_by_recency_and_frequency_then_popular_ones():
    log = pd.DataFrame({"customer": ["a", "a", "a", "b", "b", "c", "c", "c"],
                        "product": ["old", "old", "new", "x", "y", "y", "z", "x"],
                        "at": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-06-01", "2024-06-01", "2024-06-01",
                                              "2024-06-01", "2024-06-01", "2024-06-01"]),
                        "weight": 1.0})
    recent = BuyAgainRecommender(half_life_days=30).fit(log, **COLUMNS)
    top = recent.recommend(["a"], k=5, filter_seen=False)
    assert list(top["product"][:2]) == ["new", "old"]  # bought once lately beats twice five months ago
    assert list(top["product"][2:4]) == ["x", "y"]  # then the most popular items a never had
    frequent = BuyAgainRecommender(half_life_days=None).fit(log, **COLUMNS)
    assert list(frequent.recommend(["a"], k=2, filter_seen=False)["product"]) == ["old", "new"]
    with pytest.raises(DataContractError, match="half_life_days"):
        BuyAgainRecommender(half_life_days=0).fit(log, **COLUMNS)


def test_evaluation_can_count_repeat_purchases():
    rng = np.random.default_rng(0)
    # Each customer keeps buying from a small personal set: the next basket repeats earlier purchases.
    rows = [(f"u{u}", f"i{rng.choice(range(u % 7 * 5, u % 7 * 5 + 5))}", day)
            for u in range(60) for day in range(30)]
    log = pd.DataFrame(rows, columns=["customer", "product", "day"])
    log["at"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(log["day"], unit="D")
    log["weight"] = 1.0
    train, test = log[log["day"] < 25], log[log["day"] >= 25]
    repeat = evaluate(BuyAgainRecommender(), train, test, k=10, filter_seen=False, **COLUMNS)
    unseen_only = evaluate(BuyAgainRecommender(), train, test, k=10, **COLUMNS)
    popularity = evaluate(PopularityRecommender(), train, test, k=10, filter_seen=False, **COLUMNS)
    assert repeat["hr"].iloc[0] == 1.0 and repeat["ndcg"].iloc[0] > popularity["ndcg"].iloc[0]
    assert unseen_only["hr"].iloc[0] < 0.5  # with seen items filtered, the basket's items can hardly be found


def test_repeat_aware_blends_own_history_with_the_learnt_model():
    from bizai.recsys import RepeatAwareRecommender

    rng = np.random.default_rng(1)
    rows = [(f"u{u}", f"i{rng.choice(range(u % 7 * 5, u % 7 * 5 + 5))}", day) for u in range(60) for day in range(30)]
    log = pd.DataFrame(rows, columns=["customer", "product", "day"])
    log["at"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(log["day"], unit="D")
    log["weight"] = 1.0
    own_only = RepeatAwareRecommender(base="itemknn", repeat_share=1.0).fit(log, **COLUMNS)
    buy_again = BuyAgainRecommender().fit(log, **COLUMNS)
    users = ["u0", "u1", "u2"]
    own_top = own_only.recommend(users, k=3, filter_seen=False)["product"].tolist()
    assert own_top == buy_again.recommend(users, k=3, filter_seen=False)["product"].tolist()
    learnt_only = RepeatAwareRecommender(base="itemknn", repeat_share=0.0).fit(log, **COLUMNS)
    from bizai.recsys import ItemKNNRecommender

    knn = ItemKNNRecommender().fit(log, **COLUMNS)
    assert learnt_only.recommend(users, k=5)["product"].tolist() == knn.recommend(users, k=5)["product"].tolist()
    with pytest.raises(DataContractError, match="repeat_share"):
        RepeatAwareRecommender(repeat_share=2).fit(log, **COLUMNS)
    with pytest.raises(DataContractError, match="learnt recommender"):
        RepeatAwareRecommender(base="buy_again").fit(log, **COLUMNS)


def weight_table(model) -> pd.DataFrame:
    return pd.DataFrame(model.data_.matrix.toarray(), index=model.data_.users.external,
                        columns=model.data_.items.external)


def test_fit_on_order_lines_nets_returns_and_an_update_nets_them_against_earlier_purchases():
    fit_on = dict(user_col="customer", item_col="product", time_col="at", quantity_col="quantity")
    model = PopularityRecommender().fit(order_lines(), **fit_on)
    weights = weight_table(model)
    assert weights.loc["a", "mug"] == 0 and weights.loc["a", "tea"] == pytest.approx(2 * np.log1p(10))
    later = pd.DataFrame({"customer": ["b", "b", "d"], "product": ["tea", "tea", "jam"], "quantity": [4, -4, 2],
                          "at": pd.to_datetime(["2024-04-01", "2024-04-02", "2024-04-02"])})
    model.update(later)  # b bought 1 tea before and 4 now, returned 4: keeps a fifth of each line
    assert weight_table(model).loc["b", "tea"] == pytest.approx(np.log1p(0.2) + np.log1p(0.8), rel=1e-6)
    returns_only = pd.DataFrame({"customer": ["c", "zed"], "product": ["mug", "tea"], "quantity": [-4, -1],
                                 "at": pd.to_datetime(["2024-04-05", "2024-04-06"])})
    model.update(returns_only)  # c sends back the 4 mugs bought at fit; zed never bought tea: nothing to net
    weights = weight_table(model)
    assert weights.loc["c", "mug"] == 0 and "zed" not in weights.index
    assert model.recommend(["c"], k=3, filter_seen=True)["product"].tolist() == ["mug", "jam"]
    whole_log = pd.concat([order_lines(), later, returns_only], ignore_index=True)
    refit = weight_table(PopularityRecommender().fit(whole_log, **fit_on))
    pd.testing.assert_frame_equal(weights.loc[refit.index, refit.columns], refit, rtol=1e-6)
    assert model.lineage_[-1]["rows_added"] == 2


def test_a_customer_who_returned_everything_gets_the_popularity_fallback():
    from bizai.recsys import ALSRecommender

    fit_on = dict(user_col="customer", item_col="product", time_col="at", quantity_col="quantity")
    model = ALSRecommender(factors=4, iterations=3, random_state=0).fit(order_lines(), **fit_on)
    popular = model.recommend(["nobody"], k=2, filter_seen=False)["product"].tolist()
    model.update(pd.DataFrame({"customer": ["c", "c"], "product": ["tea", "mug"], "quantity": [-3, -4],
                               "at": pd.to_datetime(["2024-04-05", "2024-04-05"])}))
    assert model.data_.matrix[model.data_.users.to_internal(["c"])[0]].nnz == 0
    assert model.recommend(["c"], k=2, filter_seen=False)["product"].tolist() == popular
    with pytest.raises(DataContractError, match="negative weights in rows 3.*quantity_col"):
        PopularityRecommender().fit(order_lines(), user_col="customer", item_col="product", weight_col="quantity")
    with pytest.raises(DataContractError, match="without weight_col or event_col"):
        PopularityRecommender().fit(order_lines().assign(w=1.0), user_col="customer", item_col="product",
                                    weight_col="w", quantity_col="quantity")


def test_evaluation_on_order_lines_counts_what_was_bought_next_not_returned():
    train = order_lines()
    test = pd.DataFrame({"customer": ["a", "a"], "product": ["tea", "mug"], "quantity": [1, -3],
                         "at": pd.to_datetime(["2024-05-01", "2024-05-02"])})
    table = evaluate(BuyAgainRecommender(), train, test, k=1, filter_seen=False, user_col="customer",
                     item_col="product", time_col="at", quantity_col="quantity")
    assert table["hr"].iloc[0] == 1.0 and table["recall"].iloc[0] == 1.0  # the returned mug is not a miss


@pytest.mark.parametrize("unit", [1_000, 1_000_000])
def test_epoch_milliseconds_weigh_recency_as_the_same_log_in_seconds(unit):
    # a log timed in epoch milliseconds (JavaScript, Kafka) was read as seconds: a 60-day half-life became 86 minutes
    rng = np.random.default_rng(0)
    seconds = 1_700_000_000 + np.sort(rng.integers(0, 200 * 86_400, 400))
    log = pd.DataFrame({"user_id": rng.integers(0, 20, 400).astype(str), "item_id": rng.integers(0, 30, 400).astype(str),
                        "at": seconds})
    fit = dict(user_col="user_id", item_col="item_id", time_col="at")
    for model in (BuyAgainRecommender(half_life_days=10), PopularityRecommender(window_days=30)):
        expected = model.fit(log, **fit).recommend(["1", "2"], k=5, filter_seen=False)
        got = model.fit(log.assign(at=log["at"] * unit), **fit).recommend(["1", "2"], k=5, filter_seen=False)
        pd.testing.assert_frame_equal(got, expected)
