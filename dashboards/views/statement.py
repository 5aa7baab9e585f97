"""Statement page: a forecast P&L whose lines and levels add up, drill-down from company to region to store, the
company chart with its range, and the Excel workbook."""

import pandas as pd
import streamlit as st
from state import as_key, frame_key, series_data, show_error, train_statement, workbook_bytes

from bizai.finance.base import quantile_label
from bizai.finance.metrics import coverage_verdict
from bizai.finance.statement.chart import company_chart
from bizai.finance.statement.reconcile import METHODS_IN_WORDS
from bizai.finance.statement.structure import natural_key
from bizai.finance.statement.tables import period_label, readable_accuracy
from bizai.schema import ID_JOIN, as_list

st.title("Forecast statement")
data = series_data()
frame, roles = data["frame"], data["columns"]
id_cols = as_list(roles["id_col"])
leaf = ID_JOIN.join(id_cols)  # several id columns name a leaf together (store 1 / department 5); those above are levels
numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
           and c not in {*roles.get("known_cols", []), *id_cols}]
texts = [c for c in frame.columns if c not in numeric and c not in (id_cols[-1], roles["time_col"])]
st.caption(f"Data: **{data['label']}** · one row per **{leaf}** and **{roles['time_col']}**")

left, middle, right = st.columns(3)
# a P&L's revenue and cost, however the sheet capitalised them (a wide sheet's 'Revenue' row)
usual = {str(c).strip().lower(): c for c in numeric if str(c).strip().lower() in ("revenue", "cost")}
lines = left.multiselect("Lines (add up over stores)", numeric, list(usual.values()))
identity = middle.text_input("Identity", f"profit = {usual['revenue']} - {usual['cost']}"
                             if len(usual) == 2 and set(usual.values()) <= set(lines) else "",
                             help="name = line - line + line; leave empty for none.")
levels = right.multiselect("Hierarchy above the id (top first)", texts,
                           [c for c in ("region", *id_cols[:-1]) if c in texts])
c1, c2, c3 = st.columns(3)
model = c1.selectbox("Model", ["lightgbm", "seasonal_naive", "naive"], help="lightgbm learns from every store, "
                     "region and line at once; the naive models are instant baselines.")
horizon = c2.number_input("Horizon (periods)", min_value=1, max_value=24, value=6)
reconcile = c3.selectbox("How the levels are made to add up", list(METHODS_IN_WORDS),
                         format_func=lambda method: METHODS_IN_WORDS[method][0],
                         help="\n\n".join(f"**{name}**: {words}" for name, words in METHODS_IN_WORDS.values())
                         + "\n\nMinT-shrink was the most robust in bizai's benchmarks: within 5% of the best method on both the "
                           "sample P&L and Australian tourism.")

if st.button("Forecast the statement", type="primary", disabled=not lines):
    name, _, expression = identity.partition("=")
    st.session_state["statement_settings"] = {
        "model": model, "horizon": int(horizon), "reconcile": reconcile, "freq": data.get("freq"),
        "roles": {"id_col": id_cols, "time_col": roles["time_col"], "lines": lines,
                  "identities": {name.strip(): expression.strip()} if expression.strip() else {},
                  "hierarchy": levels, "known_cols": roles.get("known_cols") or [],
                  "static_cols": [c for c in roles.get("static_cols") or [] if c not in levels]}}

if "statement_settings" in st.session_state:
    settings = st.session_state["statement_settings"]
    try:
        with st.status("Forecasting every store, region and the company…", expanded=False) as status:
            forecaster, notes = train_statement(frame_key(frame), frame, as_key(settings))
            future = data["future"] if settings["roles"]["known_cols"] else None
            tables = forecaster.report_tables(known_future=future)
            method = METHODS_IN_WORDS[settings["reconcile"]][0]
            status.update(label=f"Statement ready in {forecaster.fit_seconds_:.0f} s (levels made to add up: {method})",
                          state="complete")
        for note in notes:
            st.warning(note, icon="ℹ️")
        st.altair_chart(company_chart(tables.company, tables.headline), width="stretch")
        freq = forecaster.base_.panel_.freq
        level_names = forecaster.hierarchy_.level_names
        path = [st.selectbox("Level", level_names, index=0)]
        level = path[0]
        wide = tables.levels[level]
        depth = level_names.index(level)
        if depth >= 2:  # drill down: pick the parent at each level above
            leaves = forecaster.hierarchy_.leaves.astype(str)
            for upper in level_names[1:depth]:
                nodes = sorted(leaves[upper].unique(), key=natural_key)
                choice = st.selectbox(f"Within {upper}", ["(all)", *nodes], key=f"in-{upper}")
                if choice != "(all)":
                    leaves = leaves[leaves[upper] == choice]
            wide = wide[wide["node"].isin(leaves[level].unique())]
        shown = wide.rename(columns={p: ("▸ " if p in tables.forecast_periods else "") + period_label(p, freq)
                                     for p in [*tables.actual_periods, *tables.forecast_periods]})
        ratio = shown["line"].isin(tables.ratio_lines)
        styled = shown.style.format(lambda v: f"{v:,.0f}" if isinstance(v, float) else v, subset=shown.columns[2:]).format(
            lambda v: f"{v:.1%}" if isinstance(v, float) else v, subset=pd.IndexSlice[ratio[ratio].index, shown.columns[2:]])
        st.caption("Columns marked ▸ are forecasts; the rest are actuals.")
        st.dataframe(styled, hide_index=True, height=420)
        st.subheader("Backtest accuracy per level and line")
        low, _, high = (quantile_label(q) for q in forecaster.quantiles)
        accuracy = tables.accuracy
        worst = accuracy.loc[(accuracy["coverage"] - (forecaster.quantiles[2] - forecaster.quantiles[0])).abs().idxmax()]
        sentence = coverage_verdict(low, high, float(worst["coverage"]))
        (st.success if sentence.good else st.warning)(
            f"Least well calibrated, {worst['line']} per {worst['level']}: {sentence}")
        readable = readable_accuracy(accuracy, low, high)
        percent = [c for c in readable.columns if c.startswith("WAPE") or "range held" in c]
        st.dataframe(readable.style.format(precision=2, thousands=",").format("{:,.0f}", subset=[
            c for c in readable.columns if c.startswith("typical miss")]).format("{:.1%}", subset=percent),
            hide_index=True)
        st.download_button("Download the Excel workbook", workbook_bytes(forecaster, tables), "forecast_statement.xlsx",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", type="primary")
    except Exception as error:  # noqa: BLE001 - shown in words on the page
        show_error(error)
