"""Forecast page: train, chart per entity and total, backtest leaderboard, drivers, download."""

import streamlit as st
from state import as_key, download_buttons, frame_key, series_data, show_error, train_forecaster

from bizai.finance import ProfitForecaster
from bizai.finance.plots import backtest_chart, importance_chart

st.title("Forecast")
data = series_data()
roles = data["columns"]
st.caption(f"Data: **{data['label']}** · forecasting **{roles['target_col']}** per **{roles['id_col']}**")

left, middle, right = st.columns(3)
model = left.selectbox("Model", ["lightgbm", "auto", "seasonal_naive", "naive", "tft"],
                       help="auto backtests the affordable models and keeps the best; tft is slow without a GPU.")
horizon = middle.number_input("Horizon (periods)", min_value=1, max_value=36, value=6)
band = right.selectbox("Interval", ["P10–P90", "P5–P95", "P25–P75"])
quantiles = {"P10–P90": (0.1, 0.5, 0.9), "P5–P95": (0.05, 0.5, 0.95), "P25–P75": (0.25, 0.5, 0.75)}[band]

if st.button("Train forecast", type="primary"):
    st.session_state["forecast_settings"] = (model, int(horizon), quantiles)

if "forecast_settings" in st.session_state:
    model, horizon, quantiles = st.session_state["forecast_settings"]
    try:
        with st.status(f"Training {model} on {data['label']}…", expanded=False) as status:
            forecaster = st.session_state.get("loaded_forecaster") or train_forecaster(
                frame_key(data["frame"]), data["frame"], as_key(roles), model, horizon, quantiles)
            predictions = forecaster.predict(known_future=data["future"] if roles["known_cols"] else None)
            status.update(label=f"Trained {forecaster.model_name_} in {forecaster.fit_seconds_:.1f} s", state="complete")
        id_col = forecaster.panel_.columns.id_cols[0]
        entities = ["All entities (total)"] + sorted(predictions[id_col].astype(str).unique())
        chosen = st.selectbox("Entity (type to search)", entities)
        series_id = None if chosen == entities[0] else chosen
        st.altair_chart(forecaster.plot(id=series_id, forecast=predictions), width="stretch")

        tab_backtest, tab_drivers, tab_table = st.tabs(["Backtest", "Drivers", "Forecast table"])
        with tab_backtest:
            windows = st.slider("Backtest windows", 1, 4, 2)
            if st.button("Run backtest across models"):
                with st.spinner("Backtesting naive, seasonal naive and LightGBM…"):
                    result = ProfitForecaster(model="auto", horizon=horizon, quantiles=quantiles, random_state=0,
                                              show_progress=False).backtest(data["frame"], n_windows=windows, **roles)
                st.session_state["backtest"] = result
            if "backtest" in st.session_state:
                result = st.session_state["backtest"]
                st.dataframe(result.metrics.sort_values("mae").style.format(precision=3, thousands=","), hide_index=True)
                best = result.metrics.sort_values("mae").iloc[0]["model"]
                st.altair_chart(backtest_chart(result.forecasts[result.forecasts["model"] == best],
                                               forecaster.panel_.columns), width="stretch")
        with tab_drivers:
            if forecaster.fitted_model_.feature_importance() is None:
                st.info("Baselines have no drivers: choose lightgbm or tft.")
            else:
                st.altair_chart(importance_chart(forecaster.feature_importance()), width="stretch")
        with tab_table:
            st.dataframe(predictions.style.format(precision=0, thousands=",", subset=predictions.columns[-4:]),
                         hide_index=True)
        download_buttons(predictions, "forecasts")
    except Exception as error:  # noqa: BLE001 - shown in words on the page
        show_error(error)
