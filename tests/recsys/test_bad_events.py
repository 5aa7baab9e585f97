import pytest

from bizai import DataContractError, IncompatibleModelError
from bizai.recsys import ALSRecommender, PopularityRecommender


def fit(frame, **kwargs):
    return PopularityRecommender().fit(frame, **{"user_col": "user_id", "item_col": "item_id", **kwargs})


def test_missing_column_with_suggestion(events):
    with pytest.raises(DataContractError, match=r"'itemid'.*did you mean 'item_id'"):
        fit(events, item_col="itemid")


def test_null_ids_name_rows(events):
    broken = events.copy()
    broken.loc[4, "user_id"] = None
    with pytest.raises(DataContractError, match=r"'user_id' is empty in rows 4"):
        fit(broken)


def test_negative_and_non_numeric_weights(events):
    weighted = events.assign(w=1.0)
    weighted.loc[2, "w"] = -1
    with pytest.raises(DataContractError, match=r"negative weights in rows 2"):
        fit(weighted, weight_col="w")
    weighted = events.assign(w="1")
    weighted.loc[3, "w"] = "lots"
    with pytest.raises(DataContractError, match=r"'w'.*numeric.*rows 3.*'lots'"):
        fit(weighted, weight_col="w")


def test_unknown_event_type_without_weight(events):
    with pytest.raises(DataContractError, match=r"'purchase'.*no weight"):
        fit(events, event_col="event", event_weights={"view": 1, "cart": 3})


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
    with pytest.raises(DataContractError, match="k must be"):
        fit(events).recommend(["u0"], k=0)


def test_loading_another_model_kind_is_refused(events, tmp_path):
    fit(events).save(tmp_path / "pop")
    with pytest.raises(IncompatibleModelError, match="PopularityRecommender, not a ALSRecommender"):
        ALSRecommender.load(tmp_path / "pop")
