"""Each page's main flow on the sample data, through streamlit.testing.v1.AppTest (no browser)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

DASHBOARDS = Path(__file__).resolve().parents[2] / "dashboards"
sys.path.insert(0, str(DASHBOARDS))
TIMEOUT = 240


def page(name: str) -> AppTest:
    return AppTest.from_file(str(DASHBOARDS / "views" / f"{name}.py"), default_timeout=TIMEOUT)


def test_data_page_previews_the_sample_data():
    app = page("data").run()
    assert not app.exception
    assert len(app.dataframe) == 2
    assert "sample P&L" in app.caption[0].value


def test_forecast_page_trains_and_draws_chart_drivers_and_downloads():
    app = page("forecast").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    charts = app.get("vega_lite_chart")
    assert len(charts) >= 2  # forecast chart + drivers
    assert any("'S040'" in w.value and "not forecast" in w.value for w in app.warning)  # on the page, not the console
    assert any(b.label.startswith("Download") for b in app.get("download_button"))
    assert selectbox(app, "Entity (type to search)").options[0] == "All entities (total)"
    headline = next(m.value for m in app.markdown if m.value.startswith("#### "))
    assert "profit forecast" in headline and "a year before" in headline  # total and change on last year
    selectbox(app, "Entity (type to search)").set_value("S001").run()
    assert not app.exception
    texts = " ".join(m.value for m in app.markdown)
    assert "starting from an average forecast" in texts  # drivers of S001's forecast for the first period
    assert "with promo_days +1" in texts and "Over the horizon" in texts  # a what-if on a planned input
    next(n for n in app.number_input if n.label.startswith("Add to")).set_value(5.0).run()
    assert not app.exception and "with promo_days +5" in " ".join(m.value for m in app.markdown)


def test_a_model_trained_on_the_forecast_page_can_be_saved_and_is_listed(tmp_path):
    app = page("forecast").run()
    selectbox(app, "Model").set_value("naive").run()
    app.button[0].click().run()
    next(t for t in app.text_input if t.label == "Save this model to").set_value(str(tmp_path / "mine")).run()
    next(b for b in app.button if b.label == "Save model").click().run()
    assert not app.exception and not app.error
    assert "Saved naive" in app.success[-1].value
    models = page("models").run()
    models.text_input[0].set_value(str(tmp_path)).run()
    assert str(tmp_path / "mine") in set(pd.DataFrame(models.dataframe[0].value)["folder"])


def test_forecast_page_backtest_leaderboard():
    app = page("forecast").run()
    app.button[0].click().run()
    backtest = next(b for b in app.button if b.label.startswith("Run backtest"))
    backtest.click().run()
    assert not app.exception
    board = pd.DataFrame(app.dataframe[0].value)
    assert {"naive", "seasonal_naive", "lightgbm"} <= set(board["model"])
    assert {"typical miss (MAE)", "WAPE", "P10–P90 range held actuals"} <= set(board.columns)
    assert any("range held" in m.value for m in [*app.success, *app.warning])  # a verdict on the range
    charted = selectbox(app, "Model in the chart")
    assert set(charted.options) == set(board["model"]) and charted.value == board["model"].iloc[0]  # best first
    charted.set_value("naive").run()
    assert not app.exception and len(app.get("vega_lite_chart")) >= 2
    assert len(app.get("vega_lite_chart")) >= 2  # forecast chart + backtest actual-vs-forecast


def test_recommendations_page_shows_history_recommendations_and_why():
    app = page("recommendations").run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert len(app.dataframe) >= 3  # history, top-k, similar items
    top = next(frame.value for frame in app.dataframe if "because you had" in frame.value.columns)
    assert len(top) == 10 and "name" in top.columns
    assert all(reason for reason in top["because you had"])  # every recommended item is explained
    assert "comes first because the customer had" in app.info[0].value
    assert selectbox(app, "Item").options[0] == "Smartphone Classic (P0000)"  # named, not a bare id


def test_ease_trains_with_the_recency_half_life_chosen_on_the_page():
    app = page("recommendations").run()
    selectbox(app, "Model").set_value("ease").run()
    half_life = next(box for box in app.number_input if box.label.startswith("Recency half-life"))
    assert half_life.value == 0  # off by default for EASE
    half_life.set_value(30).run()
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.session_state["rec_params"] == {"half_life_days": 30.0}
    assert any("because you had" in frame.value.columns for frame in app.dataframe)


def test_bad_upload_shows_a_message_not_a_traceback(tmp_path):
    app = page("data").run()
    app.session_state["series"] = {"frame": pd.DataFrame({"store": ["a", "a"], "month": ["2024-01-01", "oops"],
                                                          "profit": [1.0, 2.0]}),
                                   "future": None, "label": "bad upload",
                                   "columns": {"id_col": "store", "time_col": "month", "target_col": "profit",
                                               "static_cols": [], "known_cols": [], "past_cols": []}}
    forecast = page("forecast")
    forecast.session_state["series"] = app.session_state["series"]
    forecast.run()
    forecast.button[0].click().run()
    assert not forecast.exception
    assert "not dates" in forecast.error[0].value and "'oops'" in forecast.error[0].value


def test_models_page_lists_and_loads_a_saved_model(tmp_path):
    from bizai.finance import ProfitForecaster
    from tests.conftest import FIT_COLUMNS, make_panel

    ProfitForecaster(model="naive").fit(make_panel()[0], **FIT_COLUMNS).save(tmp_path / "profit")
    app = page("models").run()
    app.text_input[0].set_value(str(tmp_path)).run()
    assert not app.exception
    assert "forecaster" in set(pd.DataFrame(app.dataframe[0].value)["family"])
    card = " ".join(m.value for m in app.markdown)
    assert "**Frequency**: monthly" in card and "forecasts profit for each store, 6 periods ahead" in card
    app.button[0].click().run()
    assert "Loaded naive" in app.success[0].value
    assert "loaded_forecaster" in app.session_state


@pytest.mark.parametrize("view", ["data", "forecast", "recommendations", "models", "monitor"])
def test_every_page_renders_without_errors(view):
    app = page(view).run()
    assert not app.exception


def test_models_page_lists_a_damaged_folder_instead_of_crashing(tmp_path):
    from bizai.finance import ProfitForecaster
    from tests.conftest import FIT_COLUMNS, make_panel

    ProfitForecaster(model="naive").fit(make_panel()[0], **FIT_COLUMNS).save(tmp_path / "good")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "meta.json").write_text("{not json")
    app = page("models").run()
    app.text_input[0].set_value(str(tmp_path)).run()
    assert not app.exception
    table = pd.DataFrame(app.dataframe[0].value)
    assert set(table["family"]) == {"forecaster", "unreadable"}
    assert app.selectbox[0].options == [str(tmp_path / "good")]


def test_uploads_read_the_mapped_id_columns_as_text():
    from state import read_upload

    frame = read_upload("stores.csv", b"store,month,profit\n007,2024-01-01,1\n7,2024-01-01,2\n", ("store",))
    assert frame["store"].tolist() == ["007", "7"]


def test_a_compressed_csv_upload_reads_as_the_csv():
    import gzip

    from state import UPLOAD_TYPES, read_upload

    content = b"store,month,profit\n007,2024-01-01,1\n7,2024-01-01,2\n"
    assert "gz" in UPLOAD_TYPES  # the upload box takes it
    frame = read_upload("Stores.CSV.gz", gzip.compress(content), ("store",))
    assert frame["store"].tolist() == ["007", "7"] and frame["profit"].tolist() == [1, 2]


def test_statement_page_forecasts_drills_down_and_offers_the_workbook():
    app = page("statement").run()
    assert not app.exception
    app.selectbox[0].set_value("seasonal_naive")
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert len(app.get("vega_lite_chart")) == 1
    assert any(w.value.startswith("No forecast for store_id 'S040'") for w in app.warning)  # closed: on the page
    table = app.dataframe[0].value
    assert set(table["node"]) == {"Total"} and "margin" in set(table["line"])
    app.selectbox[-1].set_value("store_id").run()  # the leaf level: one parent filter appears
    app.selectbox[-1].set_value("North").run()
    stores = app.dataframe[0].value
    assert 0 < stores["node"].nunique() <= 10
    assert any(b.label == "Download the Excel workbook" for b in app.get("download_button"))
    accuracy = app.dataframe[-1].value  # in an analyst's words, with a verdict on the ranges
    assert {"typical miss (MAE)", "P10–P90 range held actuals"} <= set(accuracy.columns)
    assert "mae" not in accuracy.columns and "coverage_base" not in accuracy.columns
    verdict = next(e.value for e in [*app.success, *app.warning] if e.value.startswith("Least well calibrated"))
    assert "should hold 80%" in verdict
    assert selectbox(app, "How the levels are made to add up").options[:2] == ["MinT-shrink", "WLS"]


def test_the_statement_page_offers_a_sheets_capitalised_lines():
    # a wide P&L sheet read on the Data page names its lines as the sheet does: 'Revenue', 'Cost'
    from bizai.samples import SAMPLE_DATA

    history = pd.read_csv(SAMPLE_DATA / "pnl_monthly.csv", dtype={"store_id": str})
    frame = history.rename(columns={"revenue": "Revenue", "cost": "Cost"})[
        ["store_id", "region", "month", "Revenue", "Cost"]]
    app = page("statement")
    app.session_state["series"] = {"frame": frame, "future": None, "label": "P&L sheet", "freq": None,
                                   "columns": {"id_col": "store_id", "time_col": "month", "target_col": "Revenue",
                                               "static_cols": ["region"], "known_cols": [], "past_cols": []}}
    app.run()
    assert not app.exception
    assert app.multiselect[0].value == ["Revenue", "Cost"]
    assert app.text_input[0].value == "profit = Revenue - Cost"


def test_pages_are_thin_over_the_library_not_the_cli():
    sources = {path.name: path.read_text() for path in DASHBOARDS.rglob("*.py")}
    assert not [name for name, text in sources.items() if "bizai.cli" in text]


def test_monitor_page_backfills_a_ledger_and_shows_accuracy_drift_and_alerts(tmp_path):
    app = page("monitor").run()
    app.text_input[0].set_value(str(tmp_path / "ledger")).run()
    assert "No ledger" in app.info[0].value
    app.selectbox[0].set_value("seasonal_naive")
    app.button[0].click().run()
    assert not app.exception, app.exception
    assert not app.error or all("WAPE" in e.value or "range" in e.value or "drift" in e.value for e in app.error)
    assert len(app.get("vega_lite_chart")) == 1
    nights = pd.DataFrame(app.dataframe[0].value)
    from state import sample_pnl

    from bizai.monitor import ForecastLedger

    recorded = ForecastLedger(tmp_path / "ledger").read()
    actuals = sample_pnl()[0].dropna(subset=["profit"])
    matched = recorded.merge(actuals.assign(month=pd.to_datetime(actuals["month"])), on=["store_id", "month"])
    assert len(nights) == 3 and nights["forecasts judged"].sum() == len(matched) > 300  # 3 nights x 3 months x 40
    assert {"typical miss (MAE)", "bias (+ = too high)"} <= set(nights.columns) and "mae" not in nights.columns
    drift = app.dataframe[-1].value
    assert list(drift.columns[:2]) == ["input", "verdict"]
    assert set(drift["verdict"]) <= {"stable", "moving", "a real shift", "no new values"}
    assert {m.label for m in app.metric} >= {"Forecasts judged"}
    app.number_input[0].set_value(0).run()  # no increase allowed: the live WAPE must now alert
    assert any("against its backtest" in e.value for e in app.error)


def test_monitor_page_shows_recommendation_hit_rate_by_day(tmp_path):
    from state import sample_events

    events = sample_events()[0]
    days = ["2025-01-01", "2025-01-02"]
    for day in days:
        active = events[events["timestamp"].astype(str).str.startswith(day)]
        popular = active["item_id"].value_counts().index[:5]
        users = active["user_id"].unique()[:50]
        pd.DataFrame({"user_id": users.repeat(5), "item_id": list(popular) * len(users),
                      "rank": list(range(1, 6)) * len(users)}).to_parquet(tmp_path / f"{day}.parquet")
    app = page("monitor").run()
    app.radio[0].set_value("Recommendations").run()
    app.text_input[0].set_value(str(tmp_path)).run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    table = pd.DataFrame(app.dataframe[0].value)
    assert set(table["day"]) == set(days) and (table.loc[table["list"] == "recommendations", "hit_rate"] > 0).all()
    assert len(app.get("vega_lite_chart")) == 1


def selectbox(app: AppTest, label: str):
    return next(box for box in app.selectbox if box.label == label)


def captions(app: AppTest) -> str:
    return " | ".join(c.value for c in app.caption)


@pytest.fixture(scope="module")
def saved_sample_forecaster(tmp_path_factory):
    from bizai.finance import ProfitForecaster
    from bizai.samples import SAMPLE_DATA

    history = pd.read_csv(SAMPLE_DATA / "pnl_monthly.csv")
    folder = tmp_path_factory.mktemp("saved") / "profit"
    ProfitForecaster(model="seasonal_naive", horizon=6).fit(
        history, id_col="store_id", time_col="month", target_col="profit").save(folder)
    return folder


def test_training_after_loading_a_model_shows_the_model_trained(saved_sample_forecaster):
    from bizai.finance import ProfitForecaster

    app = page("forecast")
    app.session_state["loaded_forecaster"] = ProfitForecaster.load(saved_sample_forecaster)
    app.session_state["loaded_forecaster_folder"] = str(saved_sample_forecaster)
    app.run()
    assert "Showing **seasonal_naive** (loaded from" in captions(app)
    selectbox(app, "Model").set_value("naive").run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert "Showing **naive** (trained here on sample P&L" in captions(app)
    assert "loaded from" not in captions(app)


def test_changing_the_interval_neither_retrains_nor_keeps_the_old_backtest(monkeypatch):
    import state

    calls, train = [], state.train_forecaster
    monkeypatch.setattr(state, "train_forecaster", lambda *args: calls.append(args[3:]) or train(*args))
    app = page("forecast").run()
    selectbox(app, "Model").set_value("naive").run()
    app.button[0].click().run()
    next(b for b in app.button if b.label.startswith("Run backtest")).click().run()
    assert "range p10–p90" in captions(app) and any("WAPE" in frame.value.columns for frame in app.dataframe)
    selectbox(app, "Interval").set_value("P25–P75").run()
    assert not app.exception and not app.error
    assert "range p25–p75" in captions(app)
    assert not any("WAPE" in frame.value.columns for frame in app.dataframe)  # the P10-P90 backtest is not shown
    assert {"p25", "p75"} <= set(app.dataframe[-1].value.columns)
    assert len(set(calls)) == 1  # one training (model, horizon, levels) served both intervals


def test_switching_recommender_drops_the_previous_evaluation_and_download():
    app = page("recommendations").run()
    selectbox(app, "Model").set_value("popularity").run()
    app.button[0].click().run()
    next(b for b in app.button if b.label.startswith("Evaluate")).click().run()
    next(b for b in app.button if b.label.startswith("Prepare download")).click().run()
    assert any("NDCG" in frame.value.columns for frame in app.dataframe)
    assert "popularity" in (app.success or app.warning)[0].value  # a verdict against the baseline
    assert len(app.get("download_button")) == 3  # CSV, Parquet, Excel
    selectbox(app, "Model").set_value("itemknn").run()
    app.button[0].click().run()
    assert not app.exception and not app.error
    assert "Showing **itemknn** (trained here" in captions(app)
    assert not any("NDCG" in frame.value.columns for frame in app.dataframe)
    assert len(app.get("download_button")) == 0
    next(b for b in app.button if b.label.startswith("Evaluate")).click().run()
    table = next(frame.value for frame in app.dataframe if "NDCG" in frame.value.columns)
    assert "recall" not in table.columns  # one held-out item: recall repeats the hit rate
    assert set(table["model"]) == {"itemknn", "popularity"}


def test_a_horizon_longer_than_the_known_future_is_refused_before_training(monkeypatch):
    import state

    calls, train = [], state.train_forecaster
    monkeypatch.setattr(state, "train_forecaster", lambda *args: calls.append(args[3:]) or train(*args))
    app = page("forecast").run()
    selectbox(app, "Model").set_value("naive").run()  # what is checked is the order, not the model
    app.number_input[0].set_value(12).run()
    app.button[0].click().run()
    assert not app.exception
    assert "known future covers 6 period(s) of every entity, but the horizon is 12" in app.error[0].value
    assert not calls and not app.get("vega_lite_chart")  # nothing was trained, no old chart stays
    app.number_input[0].set_value(6).run()
    app.button[0].click().run()
    assert not app.error and len(calls) >= 1


def test_the_excel_download_holds_the_forecast_and_a_period_pivot_with_totals():
    import io

    import openpyxl

    from bizai.workbook import forecasts_by_period, tables_to_xlsx

    forecasts = pd.DataFrame({"store": ["007", "007", "B", "B"], "month": pd.to_datetime(["2025-01-01", "2025-02-01"] * 2),
                              "forecast": [1000.5, 2000.0, 10.0, 20.0], "p10": [900.0, 1800.0, 5.0, 15.0]})
    by_period = forecasts_by_period(forecasts, ["store"], "month")
    book = openpyxl.load_workbook(io.BytesIO(tables_to_xlsx({"forecasts": forecasts, "by period": by_period})))
    assert book.sheetnames == ["forecasts", "by period"]
    sheet = book["forecasts"]
    assert [c.value for c in sheet[1]] == ["store", "month", "forecast", "p10"] and sheet.freeze_panes == "A2"
    assert sheet["A2"].value == "007" and sheet["B2"].number_format == "yyyy-mm-dd"
    assert sheet["C2"].number_format == "#,##0"
    rows = {row[0]: row[1:] for row in book["by period"].iter_rows(min_row=2, values_only=True)}
    assert rows["007"] == (1000.5, 2000.0, 3000.5) and rows["Total"] == (1010.5, 2020.0, 3030.5)
    # forecasts typed like the caller's months (a pandas Period column) pivot the same
    periods = forecasts_by_period(forecasts.assign(month=forecasts["month"].dt.to_period("M")), ["store"], "month")
    pd.testing.assert_frame_equal(periods, by_period)


def test_the_forecast_page_says_the_expected_time_before_training_and_compares_models():
    app = page("forecast").run()
    assert "Expected training time" in captions(app) and "backtest windows" in captions(app)
    assert not app.get("vega_lite_chart")  # nothing trained yet
    app.button[0].click().run()
    assert not app.exception and not app.error
    status = next(block.label for block in app.main.children.values() if type(block).__name__ == "Status")
    assert status.startswith("Trained lightgbm") and "ranges learnt from 4 backtest windows" in status
    chart = str(app.get("vega_lite_chart")[0].proto.spec)
    assert "(of the total)" in chart and "sum of entity ranges" not in chart  # the total's own range
    next(m for m in app.multiselect if m.label == "Compare with other models").set_value(["naive"]).run()
    assert not app.exception and "forecast: naive" in str(app.get("vega_lite_chart")[0].proto.spec)


def test_a_cancelled_training_keeps_nothing():
    import json

    import state

    from bizai.progress import reporting_steps

    class Cancelled(BaseException):
        pass

    def cancel(description, done, total):
        raise Cancelled

    history, _ = state.sample_pnl()
    settings = ("cancel-test", json.dumps(state.PNL_COLUMNS, sort_keys=True), "naive", 6, (0.1, 0.5, 0.9), 2, None)
    with pytest.raises(Cancelled), reporting_steps(cancel):
        state.train_forecaster(settings[0], history, *settings[1:])
    assert settings not in state.TRAINED_FORECASTERS
    assert state.train_forecaster(settings[0], history, *settings[1:]) is state.TRAINED_FORECASTERS[settings]


def test_the_frequency_chosen_on_the_data_page_is_the_models():
    import state

    days = pd.bdate_range("2024-01-01", periods=60)  # weekdays only: inferred as business days
    frame = pd.DataFrame({"store": ["a"] * 60 + ["b"] * 60, "day": list(days) * 2,
                          "profit": [10.0 + i % 7 for i in range(120)]})
    roles = {"id_col": "store", "time_col": "day", "target_col": "profit", "static_cols": [], "known_cols": [],
             "past_cols": []}
    for freq, expected in ((None, "B"), ("D", "D")):
        app = page("forecast")
        app.session_state["series"] = {"frame": frame, "future": None, "columns": roles, "label": "weekdays",
                                       "freq": freq}
        app.run()
        selectbox(app, "Model").set_value("naive").run()
        app.button[0].click().run()
        assert not app.exception and not app.error, [e.value for e in app.error]
        assert next(reversed(state.TRAINED_FORECASTERS.values())).panel_.freq == expected


def store_department_sales() -> pd.DataFrame:
    """Weekly sales per store and department, both numbered (Walmart's shape): an entity is a (store, dept) pair."""
    import numpy as np

    weeks = pd.date_range("2022-01-07", periods=60, freq="W-FRI")
    rows = [(store, dept, week, 1000.0 * store + 100.0 * dept + 10.0 * (i % 4), "A" if store == 1 else "B")
            for store in (1, 2) for dept in (1, 2, 3) for i, week in enumerate(weeks)]
    frame = pd.DataFrame(rows, columns=["Store", "Dept", "Date", "Weekly_Sales", "Type"])
    return frame.assign(Weekly_Sales=frame["Weekly_Sales"] + np.random.default_rng(0).normal(0, 1, len(frame)))


def test_entities_named_by_two_id_columns_forecast_and_make_a_statement():
    # the dashboard took one id column: a store x department panel could only be forecast per store, mixed up
    roles = {"id_col": ["Store", "Dept"], "time_col": "Date", "target_col": "Weekly_Sales", "static_cols": [],
             "known_cols": [], "past_cols": []}
    series = {"frame": store_department_sales(), "future": None, "columns": roles, "label": "store x dept",
              "freq": None}
    app = page("forecast")
    app.session_state["series"] = series
    app.run()
    selectbox(app, "Model").set_value("seasonal_naive").run()
    app.button[0].click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert selectbox(app, "Entity (type to search)").options == ["All entities (total)", "1 / 1", "1 / 2", "1 / 3",
                                                                 "2 / 1", "2 / 2", "2 / 3"]
    selectbox(app, "Entity (type to search)").set_value("2 / 3").run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    statement = page("statement")
    statement.session_state["series"] = series
    statement.run()
    levels = next(m for m in statement.multiselect if m.label.startswith("Hierarchy above the id"))
    assert levels.value == ["Store"] and "Type" in levels.options
    lines = next(m for m in statement.multiselect if m.label.startswith("Lines"))
    assert lines.options == ["Weekly_Sales"]  # the numbered ids are not lines
    lines.set_value(["Weekly_Sales"]).run()
    statement.selectbox[0].set_value("seasonal_naive")
    statement.button[0].click().run()
    assert not statement.exception and not statement.error, [e.value for e in statement.error]
    statement.selectbox[-1].set_value("Store / Dept").run()
    assert set(statement.dataframe[0].value["node"]) == {"1 / 1", "1 / 2", "1 / 3", "2 / 1", "2 / 2", "2 / 3"}


def test_pages_show_bizais_warnings_about_the_data_and_leave_libraries_to_the_console():
    import warnings

    import state

    from bizai.schema import warn_at_caller
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warn_at_caller("store 'S9' has fewer than 12 periods")
        warn_at_caller("store 'S9' has fewer than 12 periods")
        warnings.warn("The dataloader does not have many workers", UserWarning, stacklevel=1)
    with pytest.warns(UserWarning, match="many workers") as console:  # shown as usual, outside the page
        assert state.page_messages(caught) == ["store 'S9' has fewer than 12 periods"]
    assert len(console) == 1


def test_a_statement_of_store_departments_with_a_plan_reads_the_plan_by_both_ids():
    # the page joined store and department into one leaf column in the history only: the plan had no such column
    frame = store_department_sales().assign(promo=lambda f: (f.index % 3 == 0).astype(int))
    weeks = pd.date_range(frame["Date"].max(), periods=7, freq="W-FRI")[1:]
    future = pd.DataFrame([(s, d, w, 1) for s in (1, 2) for d in (1, 2, 3) for w in weeks],
                          columns=["Store", "Dept", "Date", "promo"])
    roles = {"id_col": ["Store", "Dept"], "time_col": "Date", "target_col": "Weekly_Sales", "static_cols": [],
             "known_cols": ["promo"], "past_cols": []}
    statement = page("statement")
    statement.session_state["series"] = {"frame": frame, "future": future, "columns": roles, "label": "store x dept",
                                         "freq": None}
    statement.run()
    next(m for m in statement.multiselect if m.label.startswith("Lines")).set_value(["Weekly_Sales"]).run()
    statement.selectbox[0].set_value("seasonal_naive")
    statement.button[0].click().run()
    assert not statement.exception and not statement.error, [e.value for e in statement.error]
    statement.selectbox[-1].set_value("Store / Dept").run()
    assert len(set(statement.dataframe[0].value["node"])) == 6
