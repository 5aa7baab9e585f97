import pandas as pd
import pytest

from bizai import DataContractError, IncompatibleModelError
from bizai.recsys import ALSRecommender, BuyAgainRecommender, PopularityRecommender


def fit(frame, **kwargs):
    return PopularityRecommender().fit(frame, **{"user_col": "user_id", "item_col": "item_id", **kwargs})


def test_missing_column_with_suggestion(events):
    with pytest.raises(DataContractError, match=r"'itemid'.*did you mean 'item_id'"):
        fit(events, item_col="itemid")


def test_null_ids_name_rows(events):
    broken = events.copy()
    broken.loc[4, "user_id"] = None
    with pytest.raises(DataContractError, match=rf"'user_id' is empty in rows 4 \(1 of {len(events):,} rows\): events "
                                                 r"without a customer.*dropna\(subset=\['user_id'\]\)"):
        fit(broken)


def test_negative_and_non_numeric_weights(events):
    weighted = events.assign(w=1.0)
    weighted.loc[2, "w"] = -1
    with pytest.raises(DataContractError, match=r"negative weights in rows 2"):
        fit(weighted, weight_col="w")
    weighted.loc[2, "w"] = float("nan")
    with pytest.raises(DataContractError, match=r"'w'.*missing values \(NaN\) in rows 2.*Drop those rows or fill them\.$"):
        fit(weighted, weight_col="w")
    weighted = events.assign(w="1")
    weighted.loc[3, "w"] = "lots"
    with pytest.raises(DataContractError, match=r"'w'.*numeric.*rows 3.*'lots'"):
        fit(weighted, weight_col="w")


def test_unknown_event_type_without_weight(events):
    with pytest.raises(DataContractError, match=r"'purchase'.*no weight"):
        fit(events, event_col="event", event_weights={"view": 1, "cart": 3})


def test_a_misspelt_event_weight_is_pointed_out_and_weights_without_an_event_column_are_refused(events):
    with pytest.raises(DataContractError, match=r"'purchase' .* have no weight; .* of which 'purchse' occurs in no row"):
        fit(events, event_col="event", event_weights={"view": 1, "cart": 3, "purchse": 5})
    with pytest.raises(DataContractError, match=r"event_weights \(for 'view', 'cart'\) need event_col"):
        fit(events, event_weights={"view": 1, "cart": 3})  # ignored without a word before


def test_event_weights_add_up(events):
    model = fit(events, event_col="event", event_weights={"view": 1, "cart": 3, "purchase": 5})
    row = events[(events["user_id"] == "u0")]
    expected = row.groupby("item_id")["event"].apply(lambda e: e.map({"view": 1, "cart": 3, "purchase": 5}).sum())
    data = model.data_
    u = data.users.to_internal(["u0"])[0]
    for item, weight in expected.items():
        assert data.matrix[u, data.items.to_internal([item])[0]] == pytest.approx(weight)


def test_empty_frame_and_bad_k(events):
    with pytest.raises(DataContractError, match="empty"):
        fit(events.iloc[:0])
    model = fit(events)
    with pytest.raises(DataContractError, match="k must be an integer of at least 1, got 0"):
        model.recommend(["u0"], k=0)
    with pytest.raises(DataContractError, match="k must be an integer of at least 1, got 0"):
        model.similar_items([events["item_id"].iloc[0]], k=0)  # was an empty frame
    with pytest.raises(DataContractError, match="filter_seen must be True or False, got 'no'"):
        model.recommend(["u0"], k=2, filter_seen="no")  # a truthy text: it filtered
    with pytest.raises(DataContractError, match="batch_size must be an integer of at least 1, got 2.5"):
        list(model.recommend_batches(["u0"], k=2, batch_size=2.5))


def test_loading_another_model_kind_is_refused(events, tmp_path):
    fit(events).save(tmp_path / "pop")
    with pytest.raises(IncompatibleModelError, match=r"holds a model of class PopularityRecommender, not "
                                                    r"ALSRecommender: load it with PopularityRecommender\.load"):
        ALSRecommender.load(tmp_path / "pop")


def test_exclude_items_given_as_one_string_excludes_that_item(events):
    model = fit(events)
    top = model.recommend(["u1"], k=1, filter_seen=False)["item_id"].iloc[0]
    again = model.recommend(["u1"], k=5, filter_seen=False, exclude_items=top)
    assert top not in set(again["item_id"]) and len(again) == 5


@pytest.mark.parametrize("user", [None, float("nan")])
def test_a_missing_user_id_is_an_error_not_a_nan_row(events, user):
    with pytest.raises(DataContractError, match=r"user ids at positions 1 are missing"):
        fit(events).recommend(["u1", user], k=3)


def test_numeric_time_with_nan_names_the_rows(events):
    broken = events.astype({"timestamp": "float64"})
    broken.loc[5, "timestamp"] = float("nan")
    with pytest.raises(DataContractError, match=r"'timestamp' is empty or not finite in rows 5"):
        fit(broken, time_col="timestamp")


def test_ids_mixing_numbers_and_text_are_refused(events):
    mixed = events.astype({"user_id": object})
    mixed.loc[0, "user_id"] = 7
    with pytest.raises(DataContractError, match=r"'user_id' of the events frame mixes kinds .*number.*text"):
        fit(mixed)


def test_all_zero_weights_are_refused_before_training(events):
    with pytest.raises(DataContractError, match="Every event has weight 0"):
        ALSRecommender(factors=4, iterations=2).fit(events.assign(w=0.0), user_col="user_id", item_col="item_id",
                                                    weight_col="w")


def test_user_and_item_mapped_to_the_same_column_is_refused(events):
    with pytest.raises(DataContractError, match="user_col and item_col are both 'user_id'"):
        fit(events, item_col="user_id")


def test_integer_id_model_scores_exact_text_ids_and_treats_others_as_unknown(events):
    numbered = events.assign(user_id=events["user_id"].str[1:].astype(int))
    model = fit(numbered)
    assert model.recommend(["5"], k=2)["user_id"].tolist() == [5, 5]
    unknown = model.recommend(["05", "ghost"], k=2)  # popularity fallback, ids kept as given
    assert unknown["user_id"].tolist() == ["05", "05", "ghost", "ghost"]


def test_clone_keeps_hyper_parameters_and_drops_the_fit(events):
    model = ALSRecommender(factors=8, iterations=3, regularization=0.2, random_state=1).fit(
        events, user_col="user_id", item_col="item_id")
    twin = model.clone()
    assert twin.get_params() == model.get_params() and not hasattr(twin, "data_")


def test_the_registry_builds_every_recommender_and_names_unknown_ones():
    from bizai.recsys.registry import RECOMMENDER_NAMES, build_recommender

    assert [type(build_recommender(name)).__name__ for name in RECOMMENDER_NAMES] == [
        "ALSRecommender", "SASRecRecommender", "PopularityRecommender", "ItemKNNRecommender", "EASERecommender",
        "BuyAgainRecommender", "RepeatAwareRecommender"]
    assert build_recommender("als", factors=8).factors == 8
    with pytest.raises(DataContractError, match="Unknown model 'alss'; expected one of als, sasrec"):
        build_recommender("alss")


def test_user_or_item_columns_named_like_result_columns_are_refused(events):
    with pytest.raises(DataContractError, match=r"user column 'score' shares its name .*recommendation's score"):
        fit(events.rename(columns={"user_id": "score"}), user_col="score")
    with pytest.raises(DataContractError, match=r"item column 'rank' shares its name"):
        fit(events.rename(columns={"item_id": "rank"}), item_col="rank")


def test_excel_serial_date_times_are_read_as_the_times_they_are(events):
    import pandas as pd

    from bizai.recsys import time_split

    stamps = pd.to_datetime(events["timestamp"], unit="s")
    serial = events.assign(timestamp=(stamps - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1))
    assert serial["timestamp"].between(45_000, 46_000).all() and (serial["timestamp"] % 1 != 0).any()
    cutoff = str(stamps.quantile(0.8))  # a nightly job's cut-off date: compared as a date, not with 45,2xx days
    with pytest.warns(UserWarning, match=r"'timestamp' of the events holds numbers such as .*read as Excel's serial "
                                         r"date-times"):
        train, test = time_split(serial, time_col="timestamp", cutoff=cutoff)
    expected_train, expected_test = time_split(events.assign(timestamp=stamps), time_col="timestamp", cutoff=cutoff)
    assert sorted(test.index) == sorted(expected_test.index) and len(train) == len(expected_train) > 0
    # a 60-day half-life measured in days of the log, not in 86,400ths of it as epoch seconds would make it
    with pytest.warns(UserWarning, match="serial date-times"):
        recent = BuyAgainRecommender(half_life_days=0.01).fit(serial, user_col="user_id", item_col="item_id",
                                                                time_col="timestamp")
    expected = BuyAgainRecommender(half_life_days=0.01).fit(events.assign(timestamp=stamps), user_col="user_id",
                                                            item_col="item_id", time_col="timestamp")
    users = sorted(events["user_id"].unique())
    pd.testing.assert_frame_equal(recent.recommend(users, k=5, filter_seen=False),
                                  expected.recommend(users, k=5, filter_seen=False))


@pytest.mark.parametrize("unit", [1, 1000])  # epoch seconds, milliseconds
def test_a_date_cutoff_splits_a_log_timed_in_epoch_numbers(events, unit):
    from bizai.recsys import time_split

    numbers = events.assign(timestamp=events["timestamp"] * unit)
    cutoff = "2023-11-15 00:00:00"  # 1,700,006,400 seconds
    train, test = time_split(numbers, time_col="timestamp", cutoff=cutoff)
    assert (train["timestamp"] < 1_700_006_400 * unit).all() and (test["timestamp"] >= 1_700_006_400 * unit).all()
    assert len(train) and len(test)
    with pytest.raises(DataContractError, match=r"Cut-off 'last tuesday' is not a date"):
        time_split(numbers, time_col="timestamp", cutoff="last tuesday")
    with pytest.raises(DataContractError, match=rf"Cut-off {1_800_000_000 * unit} \(2027-01-15 08:00:00\) leaves the "
                                                rf"test set empty: the events run from {1_700_000_000 * unit} "
                                                r"\(2023-11-14 22:13:20\)"):
        time_split(numbers, time_col="timestamp", cutoff=1_800_000_000 * unit)


def test_a_cutoff_outside_the_log_or_a_number_against_dates_says_what_the_log_holds(events):
    from bizai.recsys import time_split

    dated = events.assign(timestamp=pd.to_datetime(events["timestamp"], unit="s"))
    first, last = dated["timestamp"].min(), dated["timestamp"].max()
    with pytest.raises(DataContractError, match=rf"Cut-off 2020-01-01 leaves the train set empty: the events run from "
                                                rf"{first.floor('s')} to {last.floor('s')}; choose a time between"):
        time_split(dated, time_col="timestamp", cutoff="2020-01-01")
    with pytest.raises(DataContractError, match=r"Cut-off 0.2 is a number where the log's times are dates: give a "
                                                r"date \(e.g. '2024-01-31'\), or test_share=0.2"):
        time_split(dated, time_col="timestamp", cutoff=0.2)
    with pytest.raises(DataContractError, match=r"Cut-off 1700000000 is a number where the log's times are dates"):
        time_split(dated, time_col="timestamp", cutoff=1_700_000_000)
