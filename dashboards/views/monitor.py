"""Monitor page: how the recorded forecasts did against the actuals, drift of the newest data, and the alerts
the command line would raise (`bizai monitor forecast`)."""

from pathlib import Path

import altair as alt
import pandas as pd
import streamlit as st
from state import events_data, read_upload, series_data, show_error

from bizai.finance import ProfitForecaster
from bizai.finance.metrics import READABLE_METRICS
from bizai.monitor import ForecastLedger
from bizai.monitor.accuracy import NothingToJudgeYet
from bizai.monitor.backfill import backfill_ledger
from bizai.monitor.drift import readable_drift
from bizai.monitor.forecasts import check_forecasts
from bizai.monitor.recommendations import outcomes_by_day

st.title("Monitor")
if st.radio("Monitor", ["Forecasts", "Recommendations"], horizontal=True, label_visibility="collapsed") == \
        "Recommendations":
    events = events_data()
    cols = events["columns"]
    st.caption(f"Events: **{events['label']}** (the data set in use) · lists: one file per day below")
    lists_folder = Path(st.text_input("Folder of daily recommendation files", value="bizai-monitor/recommendations",
                                      help="Files named by day, e.g. 2026-11-22.parquet, as `bizai recommend score` "
                                           "writes them each night."))
    files = sorted(lists_folder.glob("*.parquet")) + sorted(lists_folder.glob("*.csv"))
    if not files:
        st.info(f"No daily lists in {lists_folder}. The nightly example writes them: `bizai recommend score ... "
                f"--out {lists_folder}/$(date +%F).parquet`.")
        st.stop()
    window = st.number_input("Days after each list to look for purchases", 1, 60, 1)
    try:
        lists = {path.stem: read_upload(path.name, path.read_bytes(), (cols["user_col"], cols["item_col"]))
                 for path in files}
        table = outcomes_by_day(lists, events["frame"], cols["user_col"], cols["item_col"], cols["time_col"],
                                window_days=float(window))
    except Exception as error:  # noqa: BLE001
        show_error(error)
        st.stop()
    chart = alt.Chart(table).mark_line(point=True).encode(
        x=alt.X("day:T", title="Day of the lists"), y=alt.Y("hit_rate:Q", title="Hit rate", axis=alt.Axis(format="%")),
        color=alt.Color("list:N", title="List"), tooltip=["day", "list", alt.Tooltip("hit_rate:Q", format=".1%"),
                                                          "active_users"])
    st.altair_chart(chart, width="stretch")
    st.dataframe(table.style.format({"reach": "{:.0%}", "hit_rate": "{:.1%}", "precision_at_k": "{:.2%}",
                                     "revenue_share": "{:.1%}", "catalogue_coverage": "{:.1%}",
                                     "popular_share": "{:.0%}"}, na_rep="–"), hide_index=True)
    st.stop()

data = series_data()
roles = data["columns"]
st.caption(f"Actuals: **{data['label']}** (the data set in use) · forecasts: the ledger below")

folder = Path(st.text_input("Ledger folder", value="bizai-monitor/ledger",
                            help="Written by `bizai forecast predict --ledger`, one part per night."))
book = ForecastLedger(folder)
if not book.exists():
    st.info(f"No ledger at {folder} yet. A nightly job writes one with `bizai forecast predict ... --ledger "
            f"{folder}`; or record what a forecaster would have forecast at three past cutoffs of the data in use:")
    model = st.selectbox("Model for the backfill", ["lightgbm", "seasonal_naive", "naive"])
    if st.button("Backfill the ledger from the data in use", type="primary"):
        try:
            with st.status(f"Fitting {model} at three past cutoffs…") as status:
                backfill_ledger(ProfitForecaster(model=model, horizon=3, freq=data.get("freq"), random_state=0),
                                data["frame"], folder, folder.parent / "models", nights=3, **roles)
                status.update(label="Ledger written", state="complete")
            st.rerun()
        except Exception as error:  # noqa: BLE001 - shown in words on the page
            show_error(error)
    st.stop()

left, middle, right = st.columns(3)
max_wape_increase = left.number_input("Alert when WAPE exceeds the backtest's by more than (%)", 0, 1000, 20) / 100
min_coverage = middle.number_input("Alert when the range holds fewer actuals than (%)", 0, 100, 70) / 100
max_psi = right.number_input("Alert when a feature's drift (PSI) exceeds", 0.0, 10.0, 0.25, step=0.05)
try:
    check = check_forecasts(book, data["frame"], max_wape_increase=max_wape_increase, min_coverage=min_coverage,
                            max_psi=max_psi)
except NothingToJudgeYet as note:
    st.info(str(note))
    st.stop()
except Exception as error:  # noqa: BLE001
    show_error(error)
    st.stop()

for alert in check.alerts:
    st.error(alert, icon="🚨")
if not check.alerts:
    st.success("Every figure is within its thresholds.")

overall = check.accuracy[check.accuracy["step"] == 0]
latest = overall[overall["model_version"] == check.model_version].iloc[0]
a, b, c = st.columns(3)
a.metric("Typical error (WAPE), latest model", f"{latest['wape']:.1%}",
         None if pd.isna(latest["wape_change"]) else f"{latest['wape_change']:+.0%} vs its backtest",
         delta_color="inverse")
band = f"{latest['interval'].upper().replace('-', '–')} range" if latest["interval"] else "range"
b.metric(f"Actuals inside the {band}", "n/a" if pd.isna(latest["coverage"])
         else f"{latest['coverage']:.0%}")
c.metric("Forecasts judged", f"{int(overall['n'].sum()):,}")

st.subheader("Accuracy by night and horizon")
by_step = check.accuracy[check.accuracy["step"] > 0].assign(night=lambda f: f["first_night"])
chart = alt.Chart(by_step).mark_line(point=True).encode(
    x=alt.X("step:O", title="Periods ahead"), y=alt.Y("wape:Q", title="WAPE", axis=alt.Axis(format="%")),
    color=alt.Color("night:N", title="Forecast made on"),
    tooltip=["night", "model", "step", alt.Tooltip("wape:Q", format=".1%"), "n"])
st.altair_chart(chart, width="stretch")
held = f"{band} held actuals"
shown = overall[["first_night", "model", "model_version", "n", "mae", "wape", "bias", "coverage", "backtest_wape",
                 "wape_change"]].rename(columns={
                     "first_night": "forecast made on", "model_version": "model version", "n": "forecasts judged",
                     "mae": READABLE_METRICS["mae"], "wape": READABLE_METRICS["wape"], "bias": "bias (+ = too high)",
                     "coverage": held,
                     "backtest_wape": "backtest WAPE", "wape_change": "change vs backtest"})
st.dataframe(shown.style.format({READABLE_METRICS["mae"]: "{:,.0f}", READABLE_METRICS["wape"]: "{:.1%}",
                                 "bias (+ = too high)": "{:+.1%}",
                                 held: "{:.0%}", "forecasts judged": "{:,}", "backtest WAPE": "{:.1%}",
                                 "change vs backtest": "{:+.0%}"}, na_rep="–"), hide_index=True)

if check.drift is not None:
    st.subheader("Drift of the newest data against the training data")
    st.caption("Population stability index: below 0.1 stable, 0.1–0.25 moving, above 0.25 a real shift.")
    st.dataframe(readable_drift(check.drift).style.format({
        "drift (PSI)": "{:.3f}", "missing when trained": "{:.0%}", "missing now": "{:.0%}", "new rows": "{:,}"},
        na_rep="–"), hide_index=True)
