"""Recommendations page: train, look up a customer (history, top-k, why), similar items, evaluation, download."""

import pandas as pd
import streamlit as st
from state import as_key, download_buttons, events_data, frame_key, show_error, train_recommender

from bizai.recsys import PopularityRecommender, evaluate, leave_last_out_split

st.title("Recommendations")
data = events_data()
cols = data["columns"]
st.caption(f"Data: **{data['label']}**")
left, middle = st.columns(2)
model = left.selectbox("Model", ["als", "itemknn", "popularity", "sasrec"],
                       help="als: matrix factorisation; itemknn: item neighbours; sasrec: sequence transformer (slower).")
k = middle.slider("Recommendations per customer", 5, 30, 10)

if st.button("Train recommender", type="primary"):
    st.session_state["rec_model"] = model


def with_catalogue(frame: pd.DataFrame, item_col: str) -> pd.DataFrame:
    items = data.get("items")
    if items is None or cols["item_col"] not in items:
        return frame
    return frame.merge(items.rename(columns={cols["item_col"]: item_col}), on=item_col, how="left")


if "rec_model" in st.session_state:
    try:
        with st.status(f"Training {st.session_state['rec_model']}…", expanded=False) as status:
            recommender = st.session_state.get("loaded_recommender") or train_recommender(
                frame_key(data["frame"]), data["frame"], as_key(cols), as_key(data["weights"]), st.session_state["rec_model"])
            status.update(label=f"Trained in {recommender.fit_seconds_:.1f} s: {recommender.data_.n_users:,} customers, "
                                f"{recommender.data_.n_items:,} items", state="complete")
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
            st.dataframe(with_catalogue(recs, cols["item_col"]).style.format({"score": "{:.3f}"}), hide_index=True,
                         height=360)
            if len(recs):
                top = recs.iloc[0][cols["item_col"]]
                why = recommender.explain(user, top, k=3)
                reasons = ", ".join(map(str, why.iloc[:, 0])) if len(why) else "popularity"
                names = data.get("items")
                if names is not None and "name" in names and len(why):
                    lookup = names.set_index(cols["item_col"])["name"]
                    reasons = ", ".join(str(lookup.get(i, i)) for i in why.iloc[:, 0])
                st.info(f"**{top}** is recommended because you interacted with: {reasons}")

        st.subheader("Similar items")
        item = st.selectbox("Item", recommender.data_.items.external.tolist())
        st.dataframe(with_catalogue(recommender.similar_items([item], k=10), f"similar_{cols['item_col']}"),
                     hide_index=True)

        st.subheader("How good is it?")
        if st.button("Evaluate against popularity (leave-last-out)"):
            with st.spinner("Evaluating…"):
                train, test = leave_last_out_split(data["frame"], cols["user_col"], cols["time_col"])
                fit_columns = {**cols, "event_weights": data["weights"] or None}
                rows = []
                # The candidate keeps the trained model's hyper-parameters: evaluate what is on screen.
                for name, candidate in ((st.session_state["rec_model"], recommender.clone()),
                                        ("popularity", PopularityRecommender())):
                    rows.append(evaluate(candidate, train, test, k=(10, 20), **fit_columns).assign(model=name))
                st.session_state["rec_evaluation"] = pd.concat(rows, ignore_index=True)
        if "rec_evaluation" in st.session_state:
            table = st.session_state["rec_evaluation"]
            st.dataframe(table[["model", *[c for c in table.columns if c != "model"]]].style.format(precision=4),
                         hide_index=True)

        st.subheader("Everyone's recommendations")
        if st.button("Prepare download for all customers"):
            with st.spinner("Scoring every customer…"):
                st.session_state["all_recs"] = recommender.recommend(k=k)
        if "all_recs" in st.session_state:
            download_buttons(st.session_state["all_recs"], "recommendations")
    except Exception as error:  # noqa: BLE001 - shown in words on the page
        show_error(error)
