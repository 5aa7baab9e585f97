"""Forecast page: train (or show a loaded model), chart per entity and total, backtest leaderboard, drivers,
download. Every result on screen belongs to the current choices and says which model and data produced it."""

import warnings

import pandas as pd
import streamlit as st
from state import (
    as_key,
    download_buttons,
    entity_ids,
    frame_key,
    future_horizon,
    page_messages,
    series_data,
    show_error,
    train_forecaster,
)

from bizai.finance import ProfitForecaster
from bizai.finance.backtest import affordable_windows
from bizai.finance.base import quantile_label
from bizai.finance.cost import duration_in_words, expected_fit_seconds
from bizai.finance.features import describe_feature
from bizai.finance.headline import forecast_headline
from bizai.finance.metrics import coverage_levels, coverage_verdict, readable_metrics
from bizai.finance.panel import rows_with_ids
from bizai.finance.plots import backtest_chart, contributions_chart, importance_chart
from bizai.finance.scenarios import what_if
from bizai.model_card import frequency_in_words
from bizai.progress import reporting_steps
from bizai.schema import as_list
from bizai.workbook import forecasts_by_period

# Every band the page offers is learnt at once, so choosing another band never retrains.
BANDS = {"P10–P90": (0.1, 0.9), "P5–P95": (0.05, 0.95), "P25–P75": (0.25, 0.75)}
LEVELS = tuple(sorted({0.5, *(q for band in BANDS.values() for q in band)}))
# Ranges (every entity's and the total's own) are learnt from this many backtest windows' errors when the history
# affords them; the TFT is too slow on a CPU to be fitted four more times.
CALIBRATION_WINDOWS = 4
BASELINES = ("seasonal_naive", "naive")  # cheap enough to train for a comparison on the chart

st.title("Forecast")
data = series_data()
roles = data["columns"]
data_key = frame_key(data["frame"])  # fingerprinting hashes the whole frame: once per rerun
st.caption(f"Data: **{data['label']}** · forecasting **{roles['target_col']}** per **{' × '.join(as_list(roles['id_col']))}**")

left, middle, right = st.columns(3)
model = left.selectbox("Model", ["lightgbm", "auto", "seasonal_naive", "naive", "tft"],
                       help="auto backtests the affordable models and keeps the best; tft is slow without a GPU.")
horizon = middle.number_input("Horizon (periods)", min_value=1, max_value=36, value=6)
band = right.selectbox("Interval", list(BANDS), help="Changing the interval does not retrain.")


def calibration_windows_for(model_name: str, periods: int) -> int:
    """Backtest windows that calibrate the ranges: CALIBRATION_WINDOWS where the history affords them."""
    if model_name == "tft":
        return 0
    return affordable_windows(data["frame"][roles["time_col"]].nunique(), periods, CALIBRATION_WINDOWS)


windows_planned = calibration_windows_for(model, int(horizon))
expected = expected_fit_seconds(model, len(data["frame"]), int(horizon), len(LEVELS), windows_planned)
ranges_from = (f"ranges learnt from {windows_planned} backtest windows" if windows_planned
               else "ranges from the model itself")
st.caption(f"Expected training time: **{duration_in_words(expected)}** for {len(data['frame']):,} rows, horizon "
           f"{int(horizon)}, {ranges_from} (a rough estimate from the data's size; you can cancel).")


def horizon_problem(periods: int) -> str | None:
    """Why this horizon cannot be forecast with the data in use, found before any training (or None)."""
    future = data["future"]
    key = data_key + (frame_key(future) if future is not None else "")
    covered = future_horizon(key, data["frame"], future, as_key(roles), data.get("freq"))
    if covered is None or periods <= covered:
        return None
    if covered == 0:
        return (f"The model uses planned values ({', '.join(roles['known_cols'])}) but the known future covers none of "
                "the next periods: upload it on the Data page, or map those columns as known only up to now.")
    return (f"The known future covers {covered} period(s) of every entity, but the horizon is {periods}: choose a "
            f"horizon of at most {covered}, or upload plans for more periods on the Data page.")


if st.session_state.pop("training_cancelled", False):
    st.info("Training cancelled: nothing was kept. Change the settings or train again.", icon="⏹️")
if st.button("Train forecast", type="primary"):
    try:
        problem = horizon_problem(int(horizon))
    except Exception as error:  # noqa: BLE001 - the data itself is refused: shown in words
        problem = str(error)
    if problem:
        st.error(problem, icon="⚠️")
        st.session_state.pop("forecast_settings", None)  # the last forecast belongs to other settings
    else:
        st.session_state.pop("loaded_forecaster", None)  # a model trained here replaces a loaded one
        st.session_state["forecast_settings"] = (model, int(horizon))


def cancel_training() -> None:
    """The Cancel button's callback. It runs before the rerun the click starts; that rerun request stops the
    training at its next step (the progress bar's update), and nothing half-trained is kept."""
    st.session_state.pop("forecast_settings", None)
    st.session_state["training_cancelled"] = True


def trained_with_progress(model_name: str, periods: int, cancellable: bool = True):
    """A forecaster trained here on this data (or the one already trained with these settings), its steps shown
    in a progress bar with a Cancel button while it trains."""
    slot = st.empty()
    with slot.container():
        bar = st.progress(0.0, text=f"Training {model_name}…")
        if cancellable:
            st.button("Cancel training", on_click=cancel_training, key=f"cancel-{model_name}")
    steps: dict[str, tuple[int, int | None]] = {}

    def show_step(description: str, done: int, total: int | None) -> None:
        steps[description] = (done, total)
        longest = max(steps.values(), key=lambda step: step[1] or 0)
        text = " · ".join(f"{name}: {d} of {t}" for name, (d, t) in steps.items() if t)
        bar.progress(min(longest[0] / longest[1], 1.0) if longest[1] else 0.0, text=f"Training {model_name}: {text}")

    with reporting_steps(show_step):
        forecaster = train_forecaster(data_key, data["frame"], as_key(roles), model_name, periods, LEVELS,
                                      calibration_windows_for(model_name, periods), data.get("freq"))
    slot.empty()
    return forecaster


def current_forecaster():
    """The model on screen and where it came from: loaded on the Models page, or trained here on this data."""
    loaded = st.session_state.get("loaded_forecaster")
    if loaded is not None:
        folder = st.session_state.get("loaded_forecaster_folder", "a saved folder")
        return loaded, f"loaded from {folder}", True
    trained_model, trained_horizon = st.session_state["forecast_settings"]
    return trained_with_progress(trained_model, trained_horizon), f"trained here on {data['label']}", False


def band_levels(forecaster) -> tuple[float, float]:
    """The chosen band when the model has its levels, else its widest band (a loaded model keeps its own)."""
    levels = sorted(float(q) for q in forecaster.quantiles)
    low, high = BANDS[band]
    if low not in levels or high not in levels:
        low, high = levels[0], levels[-1]
        st.info(f"This model was saved with the levels {', '.join(map(quantile_label, levels))}: showing "
                f"{quantile_label(low)}–{quantile_label(high)}.")
    return low, high


def contributions_of(forecaster, future, ids: dict):
    """One entity's contributions (`ids`: {id column: value}), computed once per model, data and entity in this
    session (picking another period reruns the page). One entity only: each forecast's contributions take
    milliseconds, so every series of a Walmart-sized panel at once took six minutes."""
    key = (id(forecaster), data_key, tuple(ids.items()))
    stored = st.session_state.get("contributions")
    if stored is None or stored["key"] != key:
        stored = {"key": key, "frame": forecaster.contributions(known_future=future, ids=ids)}
        st.session_state["contributions"] = stored
    return stored["frame"]


def draw_forecast_drivers(forecaster, entity: str, series_id, shown, words: dict, predictions) -> None:
    """One entity's forecast (`entity`: its label; `series_id`: a value, or a tuple for several id columns)
    explained per period (contributions), and a what-if on its planned inputs."""
    time_col, id_cols = roles["time_col"], forecaster.panel_.columns.id_cols
    ids = dict(zip(id_cols, series_id if isinstance(series_id, tuple) else (series_id,), strict=True))
    future = data["future"] if roles["known_cols"] else None
    periods = sorted(shown.loc[rows_with_ids(shown, ids), time_col].unique())
    period = st.selectbox("Period to explain", periods, format_func=lambda t: f"{pd.Timestamp(t):%b %Y}")
    contributions = contributions_of(forecaster, future, ids)
    picked = contributions[rows_with_ids(contributions, ids) & (contributions[time_col] == period)]
    baseline = float(picked.loc[picked["feature"] == "baseline", "contribution"].sum())
    st.markdown(f"**{entity}, {pd.Timestamp(period):%b %Y}**: {picked['contribution'].sum():,.0f}, starting from "
                f"an average forecast of {baseline:,.0f}:")
    st.altair_chart(contributions_chart(picked, words), width="stretch")
    numeric = [c for c in roles["known_cols"] if future is not None and pd.api.types.is_numeric_dtype(future[c])]
    if not numeric:
        return
    st.markdown("**What if** the plan changed for this entity?")
    left_col, right_col = st.columns(2)
    column = left_col.selectbox("Planned input", numeric)
    amount = right_col.number_input(f"Add to {column} in every forecast period", value=1.0, step=1.0)
    scenario = what_if(forecaster, future, {column: amount}, ids=ids, plan=predictions)
    st.markdown(f"Over the horizon: {scenario['forecast_plan'].sum():,.0f} with the plan, "
                f"{scenario['forecast_what_if'].sum():,.0f} with {column} {amount:+g} "
                f"(**{scenario['change'].sum():+,.0f}**).")
    st.dataframe(scenario.style.format(precision=0, thousands=",", subset=["forecast_plan", "forecast_what_if",
                                                                          "change"]), hide_index=True)


if "forecast_settings" in st.session_state or "loaded_forecaster" in st.session_state:
    try:
        with st.status("Preparing the forecast…", expanded=True) as status:
            with warnings.catch_warnings(record=True) as caught:  # shown on the page, not only in the console
                warnings.simplefilter("always")
                forecaster, source, loaded = current_forecaster()
                predictions = forecaster.predict(known_future=data["future"] if roles["known_cols"] else None)
            label = (f"Loaded {forecaster.model_name_}" if loaded
                     else f"Trained {forecaster.model_name_} in {forecaster.fit_seconds_:.1f} s")
            if getattr(forecaster, "calibration_", None):
                label += f", ranges learnt from {int(forecaster.calibration_windows)} backtest windows"
            status.update(label=label, state="complete", expanded=False)
        for message in page_messages(caught):
            st.warning(message, icon="ℹ️")
        ids = forecaster.panel_.columns.id_cols
        filled = forecaster.panel_.filled
        if len(filled):
            st.info(f"{len(filled):,} missing period(s) in {filled[ids].drop_duplicates().shape[0]:,} "
                    "entities were left empty (not counted as zero) when training.")
        low_level, high_level = band_levels(forecaster)
        low, high = quantile_label(low_level), quantile_label(high_level)
        shown_band = f"{low}–{high}"
        st.caption(f"Showing **{forecaster.model_name_}** ({source}), horizon {forecaster.horizon}, range {shown_band}")
        shown = predictions[[*ids, forecaster.panel_.columns.time_col, "forecast", low, high]]
        by_label = entity_ids(predictions, ids)
        entities = ["All entities (total)", *by_label]
        headline = forecast_headline(forecaster.panel_, shown)
        change = ("" if headline.change is None else
                  f", {headline.change:+.1%} on the same {forecaster.horizon} periods a year before "
                  f"({headline.year_before:,.0f})")
        st.markdown(f"#### {roles['target_col']} forecast {headline.first:%b %Y}–{headline.last:%b %Y}: "
                    f"**{headline.total:,.0f}**{change}")
        chosen = st.selectbox("Entity (type to search)", entities)
        series_id = by_label.get(chosen)  # None for the total
        others = [name for name in ("lightgbm", *BASELINES) if name != forecaster.model_name_]
        compared = st.multiselect("Compare with other models", others,
                                  help=f"Their forecasts on the same chart, each trained once on {data['label']}.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the same data's warnings are already on the page
            compare = {name: trained_with_progress(name, int(forecaster.horizon), cancellable=False).predict(
                known_future=data["future"] if roles["known_cols"] else None) for name in compared}
        st.altair_chart(forecaster.plot(id=series_id, forecast=shown, compare=compare), width="stretch")

        tab_backtest, tab_drivers, tab_table = st.tabs(["Backtest", "Drivers", "Forecast table"])
        with tab_backtest:
            windows = st.slider("Backtest windows", 1, 4, 2)
            backtest_key = (data_key, int(forecaster.horizon), windows, shown_band)
            if st.button("Run backtest across models"):
                with st.spinner("Backtesting naive, seasonal naive and LightGBM…"):
                    result = ProfitForecaster(model="auto", horizon=int(forecaster.horizon), freq=data.get("freq"),
                                              quantiles=(low_level, 0.5, high_level),
                                              random_state=0, show_progress=False).backtest(
                        data["frame"], n_windows=windows, **roles)
                st.session_state["backtest"] = {"key": backtest_key, "result": result}
            stored = st.session_state.get("backtest")
            if stored is not None and stored["key"] == backtest_key:  # never a backtest of other settings
                result = stored["result"]
                st.caption(f"Backtest of {data['label']}: {windows} window(s) of {forecaster.horizon} periods, "
                           f"range {shown_band}")
                ranked = result.metrics.sort_values("mae")
                best = ranked.iloc[0]
                st.markdown(f"**{best['model']}** misses by {best['mae']:,.0f} per entity and period on average "
                            f"(WAPE {best['wape']:.1%}).")
                coverage_col = next((c for c in ranked.columns if c.startswith("coverage_")), None)
                if coverage_col:
                    sentence = coverage_verdict(*coverage_levels(coverage_col), float(best[coverage_col]))
                    (st.success if sentence.good else st.warning)(sentence)
                table = readable_metrics(ranked)
                percent = [c for c in table.columns if c == "WAPE" or c.endswith("held actuals")]
                st.dataframe(table.style.format(precision=2, thousands=",").format("{:.1%}", subset=percent),
                             hide_index=True)
                charted = st.selectbox("Model in the chart", list(ranked["model"]),
                                       help="Every backtested model; the most accurate first.")
                st.altair_chart(backtest_chart(result.forecasts[result.forecasts["model"] == charted],
                                               forecaster.panel_.columns), width="stretch")
        with tab_drivers:
            if forecaster.fitted_model_.feature_importance() is None:
                st.info("Baselines have no drivers: choose lightgbm or tft.")
            else:
                importance = forecaster.feature_importance()
                words = {name: describe_feature(name, roles["target_col"], forecaster.panel_.season_length)
                         for name in importance["feature"]}
                st.altair_chart(importance_chart(importance, labels=words), width="stretch")
                if series_id is None or not hasattr(forecaster.fitted_model_, "contributions"):
                    st.caption("Pick an entity above to see why its forecast is what it is, and to try a what-if.")
                else:
                    draw_forecast_drivers(forecaster, chosen, series_id, shown, words, predictions)
        with tab_table:
            monthly = frequency_in_words(forecaster.panel_.freq) == "monthly"
            period = st.column_config.DatetimeColumn(format="MMM YYYY" if monthly else "YYYY-MM-DD")
            st.dataframe(shown.style.format(precision=0, thousands=",", subset=shown.columns[-3:]), hide_index=True,
                         column_config={forecaster.panel_.columns.time_col: period})
        by_period = forecasts_by_period(shown, ids, forecaster.panel_.columns.time_col)
        download_buttons(shown, f"forecasts-{forecaster.model_name_}", {"by period": by_period})
        if not loaded:
            save_to = st.text_input("Save this model to", value=f"bizai-demo/models/{forecaster.model_name_}",
                                    help="A model folder: the Models page lists it and loads it back.")
            if st.button("Save model"):
                folder = forecaster.save(save_to)
                st.success(f"Saved {forecaster.model_name_} to {folder}: it is listed on the Models page.")
    except Exception as error:  # noqa: BLE001 - shown in words on the page
        show_error(error)
