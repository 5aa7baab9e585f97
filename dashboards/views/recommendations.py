"""Recommendations page: train (or show a loaded model), look up a customer (history, top-k, why), similar items,
evaluation, download. Results are kept with the model they came from and shown only beside that model."""

import pandas as pd
import streamlit as st
from state import as_key, download_buttons, events_data, frame_key, show_error, train_recommender

from bizai.recsys import PopularityRecommender, evaluate, leave_last_out_split
from bizai.recsys.evaluate import METRIC_MEANINGS, readable_evaluation, verdict

st.title("Recommendations")
data = events_data()
cols = data["columns"]
st.caption(f"Data: **{data['label']}**")
left, middle = st.columns(2)
model = left.selectbox("Model", ["als", "ease", "itemknn", "repeat_aware", "buy_again", "popularity", "sasrec"],
                       help="als: matrix factorisation; ease: item-to-item weights learnt in one closed-form "
                            "regression (strong for discovering new items in shops with a few thousand products); "
                            "itemknn: item neighbours; repeat_aware: the customer's own "
                            "past items blended with item neighbours (for repeat purchase: show already-seen items); "
                            "buy_again: the customer's own past items by recency and frequency; sasrec: sequence "
                            "transformer (slower).")
k = middle.slider("Recommendations per customer", 5, 30, 10)
# The models with a recency discount, and the half-life each starts with (EASE's is off by default: see its docs).
HALF_LIFE_DEFAULTS = {"ease": 0, "buy_again": 60, "repeat_aware": 60}
params = {}
if model in HALF_LIFE_DEFAULTS and cols.get("time_col"):
    days = middle.number_input("Recency half-life in days (0: every interaction counts alike)", 0, 3650,
                               HALF_LIFE_DEFAULTS[model], help="An interaction counts half as much for every this many "
                               "days before the latest one: for shops whose range and season change (60 was chosen for "
                               "finding new items on the Online Retail benchmark).")
    params["half_life_days"] = float(days) if days else None

if st.button("Train recommender", type="primary"):
    st.session_state.pop("loaded_recommender", None)  # a model trained here replaces a loaded one
    st.session_state["rec_model"] = model
    st.session_state["rec_params"] = params


def current_recommender():
    """The model on screen, where it came from, and a key naming it (results are stored under it)."""
    loaded = st.session_state.get("loaded_recommender")
    if loaded is not None:
        folder = str(st.session_state.get("loaded_recommender_folder", "a saved folder"))
        return loaded, type(loaded).__name__, f"loaded from {folder}", ("loaded", folder)
    name, params_json = st.session_state["rec_model"], as_key(st.session_state.get("rec_params", {}))
    data_key, columns_json, weights_json = frame_key(data["frame"]), as_key(cols), as_key(data["weights"])
    recommender = train_recommender(data_key, data["frame"], columns_json, weights_json, name, params_json)
    return (recommender, name, f"trained here on {data['label']}",
            (data_key, columns_json, weights_json, name, params_json))


def kept(slot: str, key):
    """A stored result when it belongs to `key` (the model and settings on screen), else None."""
    stored = st.session_state.get(slot)
    return stored["value"] if stored is not None and stored["key"] == key else None


catalogue = data.get("items")
item_names = (catalogue.set_index(cols["item_col"])["name"].to_dict()
              if catalogue is not None and {"name", cols["item_col"]} <= set(catalogue.columns) else {})


def item_label(item) -> str:
    """An item as the analyst knows it: its name from the catalogue when there is one."""
    name = item_names.get(item)
    return f"{name} ({item})" if name is not None else str(item)


def with_catalogue(frame: pd.DataFrame, item_col: str) -> pd.DataFrame:
    if catalogue is None or cols["item_col"] not in catalogue:
        return frame
    return frame.merge(catalogue.rename(columns={cols["item_col"]: item_col}), on=item_col, how="left")


if "rec_model" in st.session_state or "loaded_recommender" in st.session_state:
    try:
        with st.status("Preparing the recommender…", expanded=False) as status:
            recommender, name, source, source_key = current_recommender()
            status.update(label=f"{name}: {recommender.data_.n_users:,} customers, {recommender.data_.n_items:,} items "
                                f"(fitted in {recommender.fit_seconds_:.1f} s)", state="complete")
        st.caption(f"Showing **{name}** ({source})")
        users = recommender.data_.users.external
        user = st.selectbox("Customer (type to search)", users.tolist()[:5000])
        show_seen = st.toggle("Include items the customer already interacted with", value=False)
        history_col, recs_col = st.columns(2)
        with history_col:
            st.subheader("History")
            history = data["frame"][data["frame"][cols["user_col"]] == user]
            if cols.get("time_col"):
                history = history.sort_values(cols["time_col"], ascending=False)
            st.dataframe(with_catalogue(history.head(50), cols["item_col"]), hide_index=True, height=360)
        with recs_col:
            st.subheader(f"Top {k}")
            recs = recommender.recommend([user], k=k, filter_seen=not show_seen)
            # Every recommended item says which of the customer's own items led to it (never the item itself).
            recs["because you had"] = [
                ", ".join(item_label(i) for i in recommender.explain(user, item, k=2).iloc[:, 0]) or "popular overall"
                for item in recs[cols["item_col"]]]
            st.dataframe(with_catalogue(recs, cols["item_col"]).style.format({"score": "{:.3f}"}), hide_index=True,
                         height=360, width="stretch")
            if len(recs):
                first = recs.iloc[0]
                st.info(f"**{item_label(first[cols['item_col']])}** comes first because the customer had: "
                        f"{first['because you had']}")

        st.subheader("Similar items")
        item = st.selectbox("Item", recommender.data_.items.external.tolist(), format_func=item_label)
        st.dataframe(with_catalogue(recommender.similar_items([item], k=10), f"similar_{cols['item_col']}"),
                     hide_index=True)

        st.subheader("How good is it?")
        if st.button("Evaluate against popularity (leave-last-out)"):
            with st.spinner("Evaluating…"):
                train, test = leave_last_out_split(data["frame"], cols["user_col"], cols["time_col"])
                fit_columns = {**cols, "event_weights": data["weights"] or None}
                rows = []
                # The candidate keeps the trained model's hyper-parameters: evaluate what is on screen.
                for label, candidate in ((name, recommender.clone()), ("popularity", PopularityRecommender())):
                    rows.append(evaluate(candidate, train, test, k=(10, 20), **fit_columns).assign(model=label))
                st.session_state["rec_evaluation"] = {"key": source_key, "value": pd.concat(rows, ignore_index=True)}
        table = kept("rec_evaluation", source_key)
        if table is not None:
            ours, baseline = table[table["model"] == name], table[table["model"] == "popularity"]
            sentence = verdict(ours, baseline, name)
            (st.success if sentence.good else st.warning)(sentence)
            shown = readable_evaluation(table)
            shown = shown[["model", *[c for c in shown.columns if c != "model"]]]
            percent = [c for c in ("hit rate", "recall", "NDCG", "MAP", "MRR", "catalogue coverage") if c in shown]
            st.dataframe(shown.style.format({c: "{:.1%}" for c in percent} | {"novelty": "{:.2f}",
                                                                              "customers": "{:,}"}),
                         hide_index=True, width="stretch")
            st.caption("; ".join(f"**{metric}**: {meaning}" for metric, meaning in METRIC_MEANINGS.items()
                                 if metric in shown) + ". Each customer's last interaction is held out.")

        st.subheader("Everyone's recommendations")
        if st.button("Prepare download for all customers"):
            with st.spinner("Scoring every customer…"):
                st.session_state["all_recs"] = {"key": (source_key, k), "value": recommender.recommend(k=k)}
        everyone = kept("all_recs", (source_key, k))
        if everyone is not None:
            st.caption(f"Top {k} of {name} for {everyone[cols['user_col']].nunique():,} customers")
            download_buttons(everyone, f"recommendations-{name}-top{k}")
    except Exception as error:  # noqa: BLE001 - shown in words on the page
        show_error(error)
