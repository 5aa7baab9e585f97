"""Data page: pick the sample or upload CSV/Excel/Parquet, preview it, map columns, validate."""

import streamlit as st
from state import UPLOAD_TYPES, events_data, read_upload, series_data, show_error

from bizai.errors import DataContractError
from bizai.finance.forecaster import covered_horizon
from bizai.finance.panel import columns_from_arguments, prepare_panel
from bizai.mapping import guess_event_columns, guess_event_weights, guess_line_column, guess_series_columns
from bizai.model_card import frequency_in_words
from bizai.recsys.dataset import EventColumns, build_interactions
from bizai.wide import dates_down, long_from_entity_columns, long_from_wide, long_with_measures, period_columns

st.title("Data")
INFER = "infer from the dates"
FREQUENCIES = [INFER, "D", "B", "W-MON", "W-TUE", "W-WED", "W-THU", "W-FRI", "W-SAT", "W-SUN", "MS", "ME", "QS", "QE",
               "YS", "h"]
series_tab, events_tab = st.tabs(["Series to forecast", "Customer interactions"])


def pick(label: str, options: list[str], guess, key: str, optional: bool = False):
    choices = (["(none)"] if optional else []) + options
    index = choices.index(guess) if guess in choices else 0
    value = st.selectbox(label, choices, index=index, key=key)
    return None if value == "(none)" else value


ONE_MEASURE = "(none: every cell holds the one measure)"


def reshaped(frame, layout: dict):
    """`frame` reshaped as `layout` (wide_layout's choice) says."""
    if "id_col" in layout:
        return long_from_entity_columns(frame, **layout)
    return long_from_wide(frame, **layout)


def wide_layout(frame) -> dict | None:
    """How to read a table with one column per period (a finance sheet), or one per entity, as one row per entity
    and period, chosen on the page; None for a table that is long already."""
    periods = period_columns(frame)
    dates = None if periods else dates_down(frame)
    if dates is not None and st.checkbox(f"Each column but {dates!r} is one entity's figures (month | Store A | "
                                         "Store B): read one row per entity and period", key="entity_columns"):
        c1, c2 = st.columns(2)
        return {"time_col": dates, "id_col": c1.text_input("Name for the entity column", "entity", key="wide_id"),
                "value_col": c2.text_input("Name of the measure", "sales", key="wide_measure")}
    if not periods:
        return None
    labels = [str(c) for c in frame.columns if c not in periods]
    st.info(f"This table has one column per period ({len(periods)}, from {periods[0]} to {periods[-1]}): it is read "
            "as one row per entity and period.")
    c1, c2, c3 = st.columns(3)
    time_col = c1.text_input("Name for the period column", "period", key="wide_time")
    choices = [ONE_MEASURE, *labels]
    guess = guess_line_column(labels)
    line_col = c2.selectbox("Column naming the measure on each row (revenue, cost)", choices,
                            index=choices.index(guess) if guess else 0, key="wide_line")
    if line_col != ONE_MEASURE:
        return {"time_col": time_col, "line_col": line_col}
    return {"time_col": time_col, "value_col": c3.text_input("Name of the measure", "sales", key="wide_value")}


with series_tab:
    current = series_data()
    st.caption(f"In use: **{current['label']}** — {len(current['frame']):,} rows")
    upload = st.file_uploader("Upload a long table: one row per entity and period (CSV, Excel or Parquet)",
                              type=UPLOAD_TYPES, key="series_upload")
    future_upload = st.file_uploader("Optional: known future values (promotions, holidays) for the forecast horizon",
                                     type=UPLOAD_TYPES, key="future_upload")
    if upload is not None:
        try:
            frame = read_upload(upload.name, upload.getvalue())
            future = read_upload(future_upload.name, future_upload.getvalue()) if future_upload else None
            layout = wide_layout(frame)
            if layout:
                frame = reshaped(frame, layout)
            st.dataframe(frame.head(200), height=220)
            guess = guess_series_columns(frame)
            columns = [str(c) for c in frame.columns]
            # Widgets keyed by the columns on offer: another upload (or reshape) starts from fresh guesses, not
            # from choices made for columns that are gone.
            table = abs(hash(tuple(columns)))
            c1, c2, c3 = st.columns(3)
            id_cols = st.multiselect("Entity id (one column, or several that together name an entity: store and "
                                     "department)", columns, [guess["id_col"]] if guess["id_col"] else [],
                                     key=f"map_id_{table}")
            time_col = pick("Date", columns, guess["time_col"], f"map_time_{table}")
            target_col = pick("Value to forecast", columns, guess["target_col"], f"map_target_{table}")
            others = [c for c in columns if c not in {*id_cols, time_col, target_col}]
            static_cols = c1.multiselect("Per-entity attributes", others, [c for c in guess["static_cols"] if c in others])
            known_cols = c2.multiselect("Known in advance", others, [c for c in guess["known_cols"] if c in others]
                                        if future is not None else [])
            past_cols = c3.multiselect("Known only up to now", others, [])
            chosen = st.selectbox("Frequency", FREQUENCIES, key=f"map_freq_{table}",
                                  format_func=lambda f: f if f == INFER else f"{frequency_in_words(f)} ({f})",
                                  help="Inferred from the dates (also through gaps); choose it when the dates are "
                                       "ambiguous or the inference says they look like another frequency.")
            freq = None if chosen == INFER else chosen
            if st.button("Use this data", type="primary", key="use_series"):
                if not id_cols:
                    raise DataContractError("Choose the entity id column(s): what names one series (a store, a product).")
                roles = dict(id_col=id_cols[0] if len(id_cols) == 1 else id_cols, time_col=time_col,
                             target_col=target_col, static_cols=static_cols, known_cols=known_cols, past_cols=past_cols)
                # Read again with the chosen id columns as text: "007" must stay "007".
                frame = read_upload(upload.name, upload.getvalue(), tuple(id_cols))
                if layout:
                    frame = reshaped(frame, layout)
                if future_upload:
                    future = read_upload(future_upload.name, future_upload.getvalue(), tuple(id_cols))
                    if layout and period_columns(future):  # planned values laid out like the history
                        future = long_with_measures(future, time_col, known_cols)
                panel = prepare_panel(frame, columns_from_arguments(**roles), freq)
                if known_cols and future is None:
                    raise DataContractError(f"{', '.join(known_cols)} are known in advance: upload their planned values "
                                            "for the forecast periods too, or map them as known only up to now.")
                covered = covered_horizon(future, panel) if known_cols else None
                st.session_state["series"] = {"frame": frame, "future": future, "columns": roles, "label": upload.name,
                                              "freq": freq}
                st.success(f"{len(panel.series_ids):,} series at frequency {panel.freq}; "
                           f"{len(panel.filled)} missing period(s) will be filled."
                           + (f" The known future covers {covered} period(s): the longest horizon you can forecast."
                              if covered is not None else ""))
        except Exception as error:  # noqa: BLE001 - shown in words on the page
            show_error(error)
    else:
        st.dataframe(current["frame"].head(200), height=260)

with events_tab:
    current = events_data()
    st.caption(f"In use: **{current['label']}** — {len(current['frame']):,} interactions")
    upload = st.file_uploader("Upload an interaction log: one row per view, click or purchase (CSV, Excel or Parquet)",
                              type=UPLOAD_TYPES, key="events_upload")
    if upload is not None:
        try:
            frame = read_upload(upload.name, upload.getvalue())
            st.dataframe(frame.head(200), height=220)
            guess = guess_event_columns(frame)
            columns = [str(c) for c in frame.columns]
            table = abs(hash(tuple(columns)))  # fresh guesses for another upload (see the series tab)
            user_col = pick("Customer id", columns, guess["user_col"], f"map_user_{table}")
            item_col = pick("Item id", columns, guess["item_col"], f"map_item_{table}")
            time_col = pick("Timestamp", columns, guess["time_col"], f"map_ts_{table}", optional=True)
            event_col = pick("Event type", columns, guess["event_col"], f"map_event_{table}", optional=True)
            quantity_col = pick("Quantity (order lines: returns negative, netted against purchases)", columns,
                                guess["quantity_col"], f"map_quantity_{table}", optional=True)
            weights = guess_event_weights(frame[event_col]) if event_col else {}
            if event_col:
                st.caption("Event weights: " + ", ".join(f"{k} = {v:g}" for k, v in weights.items()))
            if st.button("Use this data", type="primary", key="use_events"):
                columns_used = {"user_col": user_col, "item_col": item_col, "time_col": time_col, "event_col": event_col,
                                **({"quantity_col": quantity_col} if quantity_col else {})}
                frame = read_upload(upload.name, upload.getvalue(), (user_col, item_col))  # ids as text
                data = build_interactions(frame, EventColumns(**columns_used), weights or None)
                st.session_state["events"] = {"frame": frame, "items": None, "columns": columns_used,
                                              "weights": weights, "label": upload.name}
                st.success(f"{data.n_users:,} customers, {data.n_items:,} items, {len(frame):,} interactions.")
        except Exception as error:  # noqa: BLE001
            show_error(error)
    else:
        st.dataframe(current["frame"].head(200), height=260)
