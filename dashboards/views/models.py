"""Models page: saved model folders with their metadata; load one instead of training."""

from pathlib import Path

import pandas as pd
import streamlit as st
from state import show_error

from bizai.errors import IncompatibleModelError
from bizai.model_card import model_card
from bizai.persistence import find_model_folders, read_meta

st.title("Saved models")
root = Path(st.text_input("Folder to look in", value="bizai-demo/models"))
folders = find_model_folders(root)
if not folders:
    st.info(f"No saved models under {root}. Run `bizai demo` or `bizai forecast fit ... --out {root}/profit`.")
else:
    rows, readable = [], []
    for folder in folders:
        try:
            meta = read_meta(folder)
        except IncompatibleModelError as error:  # a damaged folder is listed as such, not a crash
            rows.append({"folder": str(folder), "family": "unreadable", "model": str(error)})
            continue
        readable.append(str(folder))
        rows.append({"folder": str(folder), "family": meta.get("family"), "model": meta.get("model"),
                     "rows trained on": meta.get("training_rows"), "created": meta.get("created_at"),
                     "bizai": meta.get("bizai_version")})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if not readable:
        st.warning("None of these model folders can be read; retrain or restore them.")
        st.stop()
    chosen = st.selectbox("Model", readable)
    with st.container(border=True):
        st.markdown("\n".join(f"- **{label}**: {value}" for label, value in model_card(read_meta(chosen))))
    with st.expander("Raw metadata (meta.json)"):
        st.json(read_meta(chosen), expanded=False)
    if st.button("Load this model", type="primary"):
        try:
            meta = read_meta(chosen)
            if meta["family"] == "forecaster":
                from bizai.finance import ProfitForecaster

                st.session_state["loaded_forecaster"] = ProfitForecaster.load(chosen)
                st.session_state["loaded_forecaster_folder"] = chosen
            else:
                from bizai.recsys import BaseRecommender

                st.session_state["loaded_recommender"] = BaseRecommender.load(chosen)
                st.session_state["loaded_recommender_folder"] = chosen
            page = "Forecast" if meta["family"] == "forecaster" else "Recommendations"
            st.success(f"Loaded {meta['model']}: open the {page} page.")
        except Exception as error:  # noqa: BLE001
            show_error(error)
