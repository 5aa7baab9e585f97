"""The reliability promises through the real `bizai` command: nothing is lost, no silent wrong answer, and every
refusal exits 2 naming the file, column, rows or key at fault (issue #14, one test per case found)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
import typer.main

from bizai.errors import DataContractError
from bizai.io import read_table
from tests.cli.test_cli import FORECAST_COLUMNS, bizai
from tests.conftest import make_panel
from tests.recsys.conftest import make_events


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(*args, names: str, folder: Path) -> str:
    """Run bizai expecting exit 2, a message matching `names`, and no file under `folder` changed or added."""
    before = snapshot(folder)
    result = bizai(*args, check_code=2)
    assert re.search(names, result.stderr), result.stderr
    assert snapshot(folder) == before
    return result.stderr


@pytest.fixture()
def work(tmp_path) -> Path:
    history, future = make_panel(n_series=3, periods=30)
    history.to_csv(tmp_path / "pnl.csv", index=False)
    future.to_csv(tmp_path / "future.csv", index=False)
    make_events(n_users=20, n_items=24).to_csv(tmp_path / "events.csv", index=False)
    return tmp_path


def fit_forecaster(work: Path, out: Path, *extra: str):
    return bizai("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive", "--out", out, *extra)


# ----------------------------------------------------------------------------------------------- data loss
def test_fit_out_refuses_a_users_folder_and_keeps_every_file(work):
    users_folder = work / "models"
    users_folder.mkdir()
    (users_folder / "notes.txt").write_text("my notes")
    refused("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive", "--out", users_folder,
            names=r"not a bizai model folder.*notes\.txt", folder=work)


def test_fit_out_is_refused_before_any_data_is_read_or_fitted(work):
    users_folder = work / "models"
    users_folder.mkdir()
    (users_folder / "notes.txt").write_text("my notes")
    pd.read_csv(work / "pnl.csv").drop(columns="profit").to_csv(work / "no_target.csv", index=False)
    # A fit that would fail on the data (no profit column) fails on the folder first: the check comes before the fit.
    refused("forecast", "fit", "--data", work / "no_target.csv", *FORECAST_COLUMNS, "--model", "naive",
            "--out", users_folder, names=r"not a bizai model folder.*notes\.txt", folder=work)
    refused("recommend", "fit", "--data", work / "pnl.csv", "--model", "popularity", "--out", users_folder,
            names=r"not a bizai model folder.*notes\.txt", folder=work)


def test_fit_out_refuses_the_current_folder(work):
    project = work / "project"
    project.mkdir()
    (project / "budget.xlsx").write_text("precious")
    before = snapshot(work)
    result = bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", ".", cwd=project,
                   check_code=2)
    assert "'.' exists and is not a bizai model folder (no meta.json; it holds 1 entry (budget.xlsx)" in result.stderr
    assert snapshot(work) == before


def test_fit_out_equal_to_the_input_file_is_refused(work):
    refused("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--out", work / "pnl.csv",
            names=r"would overwrite the input .*pnl\.csv", folder=work)


def test_fit_replaces_only_a_model_folder_of_its_own_family(work):
    recs = work / "recs"
    bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", recs)
    refused("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive", "--out", recs,
            names="holds a 'recommender' model, not a 'forecaster' model", folder=work)
    replaced = bizai("recommend", "fit", "--data", work / "events.csv", "--model", "als", "--out", recs)
    assert "replacing the previous model there" in replaced.stdout  # same family: replaced, and said so
    assert json.loads((recs / "meta.json").read_text())["model"] == "ALSRecommender"
    (recs / "my-report.xlsx").write_text("precious")
    refused("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", recs,
            names="also holds files bizai did not write: my-report.xlsx", folder=work)


@pytest.mark.parametrize("command", ["predict", "backtest"])
def test_predict_and_backtest_refuse_to_write_over_their_input(work, command):
    model = work / "model"
    fit_forecaster(work, model)
    if command == "predict":
        args = ["forecast", "predict", "--model", model, "--known-future", work / "future.csv", "--out", work / "future.csv"]
    else:
        args = ["forecast", "backtest", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive",
                "--out", work / "pnl.csv"]
    refused(*args, names=r"would overwrite the input", folder=work)


def test_outputs_refuse_to_write_over_the_data_a_model_was_trained_on(work):
    """`predict --out pnl.csv` with a model fitted on pnl.csv replaced the history with forecasts: the model's
    meta.json now names its training files (an update's too) and outputs may not be one of them."""
    model = work / "model"
    fit_forecaster(work, model)
    assert json.loads((model / "meta.json").read_text())["training_files"] == [str((work / "pnl.csv").resolve())]
    refused("forecast", "predict", "--model", model, "--known-future", work / "future.csv", "--out", work / "pnl.csv",
            names=r"Output .*pnl\.csv' is the data model .*model' was trained on", folder=work)
    events = pd.read_csv(work / "events.csv", dtype={"user_id": str, "item_id": str})
    events.iloc[:-10].to_csv(work / "old.csv", index=False)
    events.iloc[-10:].to_csv(work / "new.csv", index=False)
    bizai("recommend", "fit", "--data", work / "old.csv", "--model", "popularity", "--out", work / "recs")
    bizai("recommend", "update", "--model", work / "recs", "--data", work / "new.csv", "--out", work / "recs2")
    assert json.loads((work / "recs2" / "meta.json").read_text())["training_files"] == [
        str((work / "old.csv").resolve()), str((work / "new.csv").resolve())]
    for data in ("old.csv", "new.csv"):
        refused("recommend", "score", "--model", work / "recs2", "--out", work / data,
                names=rf"Output .*{data}' is the data model .*recs2' was trained on", folder=work)
    bizai("recommend", "score", "--model", work / "recs2", "--out", work / "recs.csv")  # any other path is written
    assert (work / "recs.csv").is_file()


@pytest.mark.parametrize("out", ["folder", "dot", "no-suffix", "tsv"])  # .tsv is read, never written
def test_file_outputs_refuse_folders_and_unknown_suffixes(work, out):
    model = work / "model"
    fit_forecaster(work, model)
    (work / "reports").mkdir()
    target = {"folder": str(work / "reports"), "dot": ".", "no-suffix": str(work / "forecasts"),
              "tsv": str(work / "forecasts.tsv")}[out]
    before = snapshot(work)
    result = bizai("forecast", "predict", "--model", model, "--known-future", work / "future.csv", "--out", target,
                   cwd=work, check_code=2)
    expected = r"is a folder; expected a file path|must end in \.csv, \.xlsx or \.parquet \(got"
    assert re.search(expected, result.stderr), result.stderr
    assert snapshot(work) == before


@pytest.mark.parametrize("option,value", [("--batch-size", "-1"), ("--batch-size", "0"), ("--k", "0")])
def test_numeric_options_out_of_range_exit_2_and_keep_yesterdays_output(work, option, value):
    model = work / "pop"
    bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", model)
    out = work / "recs.parquet"
    bizai("recommend", "score", "--model", model, "--k", "3", "--out", out)
    refused("recommend", "score", "--model", model, option, value, "--out", out, names=rf"{option}.*{value}|{option}",
            folder=work)


@pytest.mark.parametrize("option,value", [("--horizon", "0"), ("--backtest-windows", "-1"), ("--random-state", "-5")])
def test_forecast_numeric_options_are_range_checked(work, option, value):
    refused("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, option, value, "--out", work / "m",
            names=option, folder=work)


def test_temporary_files_of_a_killed_run_are_removed_by_the_next_run(work):
    model = work / "pop"
    bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", model)
    dead = work / ".recs.parquet.tmp-999999999-deadbeef"  # no process has that pid
    dead.write_bytes(b"half a file")
    live = work / f".recs.parquet.tmp-{os.getpid()}-cafef00d"  # a writer that is still running
    live.write_bytes(b"in progress")
    stale_model = work / ".pop.tmp-999999999-0123abcd"
    stale_model.mkdir()
    (stale_model / "meta.json").write_text("{}")
    listing = bizai("models", "list", work)
    assert ".pop.tmp" not in listing.stdout  # an unfinished model folder is never listed
    bizai("recommend", "score", "--model", model, "--k", "2", "--out", work / "recs.parquet")
    bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", model)
    assert not dead.exists() and live.exists() and not stale_model.exists()
    refused("recommend", "score", "--model", model, "--users", live, "--out", work / "x.parquet",
            names="temporary file of an unfinished bizai write", folder=work)


# -------------------------------------------------------------------------------------- ids are labels
def test_csv_ids_keep_leading_zeros_and_stay_distinct(work):
    events = pd.DataFrame({"user_id": ["007", "7", "007", "7", "0007"], "item_id": ["01", "1", "02", "2", "01"]})
    events.to_csv(work / "ids.csv", index=False)
    model = work / "pop"
    bizai("recommend", "fit", "--data", work / "ids.csv", "--model", "popularity", "--out", model)
    bizai("recommend", "score", "--model", model, "--k", "4", "--keep-seen", "--out", work / "recs.parquet")
    recs = pd.read_parquet(work / "recs.parquet")
    assert set(recs["user_id"]) == {"007", "7", "0007"}
    assert set(recs["item_id"]) == {"01", "1", "02", "2"}

    history, future = make_panel(n_series=2, periods=24)
    history["store"] = history["store"].map({"S0": "007", "S1": "7"})
    future["store"] = future["store"].map({"S0": "007", "S1": "7"})
    history.to_csv(work / "zeros.csv", index=False)
    future.to_csv(work / "zeros_future.csv", index=False)
    bizai("forecast", "fit", "--data", work / "zeros.csv", *FORECAST_COLUMNS, "--model", "naive", "--out", work / "fc")
    bizai("forecast", "predict", "--model", work / "fc", "--known-future", work / "zeros_future.csv",
          "--out", work / "fc.parquet")
    assert set(pd.read_parquet(work / "fc.parquet")["store"]) == {"007", "7"}


def test_users_file_ids_are_compared_as_the_labels_the_model_knows(work):
    events = pd.DataFrame({"user_id": ["02238", "2238", "02238", "2238"], "item_id": ["a", "b", "c", "d"]})
    events.to_csv(work / "text_ids.csv", index=False)
    bizai("recommend", "fit", "--data", work / "text_ids.csv", "--model", "itemknn", "--out", work / "text_model")
    (work / "users.csv").write_text("user_id\n02238\n")
    bizai("recommend", "score", "--model", work / "text_model", "--users", work / "users.csv", "--k", "2",
          "--out", work / "recs.parquet")
    recs = pd.read_parquet(work / "recs.parquet")
    assert recs["user_id"].tolist() == ["02238", "02238"]
    assert set(recs["item_id"]) <= {"b", "d"}  # 02238's own items (a, c) are filtered as seen: not 2238's history

    # A model fit on integer ids (Parquet keeps them): "2238" is that id, "02238" is not.
    pd.DataFrame({"user_id": [2238, 2238, 5, 5], "item_id": ["a", "b", "c", "d"]}).to_parquet(work / "int_ids.parquet")
    bizai("recommend", "fit", "--data", work / "int_ids.parquet", "--model", "popularity", "--out", work / "int_model")
    (work / "exact.csv").write_text("user_id\n2238\n")
    bizai("recommend", "score", "--model", work / "int_model", "--users", work / "exact.csv", "--out", work / "r.parquet")
    assert pd.read_parquet(work / "r.parquet")["user_id"].unique().tolist() == [2238]
    refused("recommend", "score", "--model", work / "int_model", "--users", work / "users.csv", "--out", work / "r.parquet",
            names="'02238'", folder=work)
    (work / "mixed.csv").write_text("user_id\n2238\nghost\n")
    bizai("recommend", "score", "--model", work / "int_model", "--users", work / "mixed.csv", "--allow-unknown",
          "--k", "2", "--out", work / "r.parquet")
    assert set(pd.read_parquet(work / "r.parquet")["user_id"]) == {"2238", "ghost"}


def test_a_users_file_without_a_header_scores_its_first_user_too(work, caplog):
    # a list of ids saved without a header lost its first user: read as the column's name
    pd.DataFrame({"user_id": [2238, 2238, 5, 5], "item_id": ["a", "b", "c", "d"]}).to_parquet(work / "int_ids.parquet")
    bizai("recommend", "fit", "--data", work / "int_ids.parquet", "--model", "popularity", "--out", work / "m")
    (work / "listed.csv").write_text("2238\n5\n")
    result = bizai("recommend", "score", "--model", work / "m", "--users", work / "listed.csv", "--k", "1",
                   "--keep-seen", "--out", work / "r.parquet")
    assert "listed.csv has no header: its first line '2238' is a user the model knows" in result.stderr
    assert sorted(pd.read_parquet(work / "r.parquet")["user_id"]) == [5, 2238]
    (work / "headed.csv").write_text("customer\n2238\n")  # a header that is no user: the first column as before
    bizai("recommend", "score", "--model", work / "m", "--users", work / "headed.csv", "--k", "1", "--keep-seen",
          "--out", work / "r.parquet")
    assert pd.read_parquet(work / "r.parquet")["user_id"].tolist() == [2238]


def test_an_id_column_that_turns_from_numbers_to_text_after_10000_rows_is_read(work):
    users = [str(n) for n in range(10_050)] + ["vip-1", "vip-2"]
    events = pd.DataFrame({"user_id": users, "item_id": [f"i{n % 7}" for n in range(len(users))],
                           "amount": [1] * 10_040 + ["n/a"] * 12})
    events.to_csv(work / "late_text.csv", index=False)
    bizai("recommend", "fit", "--data", work / "late_text.csv", "--model", "popularity", "--out", work / "m")
    assert json.loads((work / "m" / "meta.json").read_text())["users"] == 10_052


def test_a_semicolon_csv_with_decimal_commas_forecasts_as_the_same_data_with_commas(work):
    history = pd.read_csv(work / "pnl.csv", dtype={"store": str})
    european = history.assign(**{col: history[col].map(lambda v: f"{v:,.4f}".replace(",", " ").replace(".", ",")
                                                        .replace(" ", "."))
                                 for col in history.select_dtypes("float").columns})
    european["store"] = "0" + european["store"]  # an id with a leading zero stays text
    european.to_csv(work / "pnl_eu.csv", sep=";", index=False)
    assert "," in (work / "pnl_eu.csv").read_text().splitlines()[1]  # the file really has decimal commas

    frame = read_table(work / "pnl_eu.csv", text_columns=["store"])
    assert frame["store"].str.startswith("0").all()
    for col in history.select_dtypes("float").columns:
        np.testing.assert_allclose(frame[col].to_numpy(float), history[col].round(4).to_numpy(), rtol=0, atol=1e-9)

    (work / "notes.csv").write_text("id;note;amount\n1;Smith, J;2,5\n2;late;1.250,75\n")
    notes = read_table(work / "notes.csv", text_columns=["id"])
    assert notes["note"].tolist() == ["Smith, J", "late"] and notes["amount"].tolist() == [2.5, 1250.75]

    future = pd.read_csv(work / "future.csv", dtype={"store": str})
    future.assign(store="0" + future["store"]).to_csv(work / "future_eu.csv", sep=";", index=False)
    forecasts = {}
    for name, plan in (("pnl", "future.csv"), ("pnl_eu", "future_eu.csv")):
        fit_forecaster(work, work / f"model_{name}", "--data", work / f"{name}.csv")
        bizai("forecast", "predict", "--model", work / f"model_{name}", "--known-future", work / plan,
              "--out", work / f"{name}.parquet")
        forecasts[name] = pd.read_parquet(work / f"{name}.parquet")
    assert forecasts["pnl_eu"]["store"].tolist() == ("0" + forecasts["pnl"]["store"]).tolist()
    np.testing.assert_allclose(forecasts["pnl_eu"]["forecast"], forecasts["pnl"]["forecast"], atol=1e-3)


def test_a_csv_with_commas_between_thousands_reads_its_figures_as_numbers(work, caplog):
    """Excel's CSV of cells formatted with a thousands separator quotes "122,608.46": a number, not text."""
    history = pd.read_csv(work / "pnl.csv", dtype={"store": str})
    floats = history.select_dtypes("float").columns
    grouped = history.assign(**{col: history[col].map(lambda v: f"{v * 1000:,.2f}") for col in floats})
    grouped.to_csv(work / "pnl_grouped.csv", index=False)
    assert re.search(r'"\d{1,3}(,\d{3})+\.\d\d"', (work / "pnl_grouped.csv").read_text())  # quoted, with commas

    with caplog.at_level(logging.INFO, logger="bizai.io"):
        frame = read_table(work / "pnl_grouped.csv", text_columns=["store"])
    assert "commas between thousands" in caplog.text
    for col in floats:
        np.testing.assert_allclose(frame[col].to_numpy(float), (history[col] * 1000).round(2), rtol=0, atol=1e-6)

    (work / "notes.csv").write_text('id,note,amount,code,units\n1,"Smith, J","1,250.75","1,2","1,250"\n'
                                    '2,late,3,"3,4",7\n')
    notes = read_table(work / "notes.csv", text_columns=["id"])
    assert notes["amount"].tolist() == [1250.75, 3.0]
    assert notes["note"].tolist() == ["Smith, J", "late"] and notes["code"].tolist() == ["1,2", "3,4"]  # not numbers
    assert notes["units"].tolist() == ["1,250", "7"]  # 1250, or 1.25 written with a decimal comma: not guessed


def test_a_csv_of_accounting_formatted_amounts_forecasts_as_the_plain_figures(work, caplog):
    """Excel's CSV of cells in the Accounting format: "$122,608.46", negatives in parentheses, zero as "$ -"."""
    history = pd.read_csv(work / "pnl.csv", dtype={"store": str})
    history.loc[::7, "profit"] = -history.loc[::7, "profit"]  # some loss-making months
    history.loc[3, "profit"] = 0.0
    history.to_csv(work / "pnl_plain.csv", index=False)

    def accounting(value: float) -> str:
        return "$ -" if value == 0 else f"(${-value:,.2f})" if value < 0 else f"${value:,.2f}"

    history.assign(profit=history["profit"].round(2).map(accounting)).to_csv(work / "pnl_dollars.csv", index=False)
    assert "($" in (work / "pnl_dollars.csv").read_text()
    with caplog.at_level(logging.INFO, logger="bizai.io"):
        frame = read_table(work / "pnl_dollars.csv", text_columns=["store"])
    assert "amounts in column(s) 'profit'" in caplog.text
    np.testing.assert_allclose(frame["profit"].to_numpy(float), history["profit"].round(2), rtol=0, atol=1e-9)
    forecasts = {}
    for name in ("pnl_plain", "pnl_dollars"):
        fit_forecaster(work, work / f"model_{name}", "--data", work / f"{name}.csv")
        bizai("forecast", "predict", "--model", work / f"model_{name}", "--known-future", work / "future.csv",
              "--out", work / f"{name}.parquet")
        forecasts[name] = pd.read_parquet(work / f"{name}.parquet")
    np.testing.assert_allclose(forecasts["pnl_dollars"]["forecast"], forecasts["pnl_plain"]["forecast"], atol=1e-2)


def test_forecasts_backtests_and_recommendations_write_to_an_excel_workbook(work):
    # --out forecasts.xlsx was refused ("must end in .csv or .parquet"), though a finance team reads workbooks
    fit_forecaster(work, work / "fc")
    for suffix in (".parquet", ".xlsx"):
        bizai("forecast", "predict", "--model", work / "fc", "--known-future", work / "future.csv",
              "--out", work / f"forecasts{suffix}")
    parquet = pd.read_parquet(work / "forecasts.parquet")
    excel = pd.read_excel(work / "forecasts.xlsx", sheet_name="forecasts", dtype={"store": str})
    pd.testing.assert_frame_equal(excel, parquet, check_dtype=False)
    # beside it, stores down and periods across with totals, as the dashboard's download has it
    by_period = pd.read_excel(work / "forecasts.xlsx", sheet_name="by period", dtype={"store": str}).set_index("store")
    expected = parquet.pivot_table(index="store", columns="month", values="forecast", aggfunc="sum")
    np.testing.assert_allclose(by_period.drop(index="Total", columns="Total").to_numpy(), expected.to_numpy())
    assert by_period.loc["Total", "Total"] == pytest.approx(parquet["forecast"].sum())
    bizai("forecast", "backtest", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "naive",
          "--out", work / "backtest.xlsx")
    assert {"cutoff", "actual", "forecast"} <= set(pd.read_excel(work / "backtest.xlsx").columns)
    bizai("recommend", "fit", "--data", work / "events.csv", "--model", "popularity", "--out", work / "pop")
    bizai("recommend", "score", "--model", work / "pop", "--k", "3", "--out", work / "recs.xlsx")
    assert len(pd.read_excel(work / "recs.xlsx")) == 20 * 3


def test_an_excel_workbook_forecasts_as_its_csv_with_ids_kept_as_typed(work, caplog):
    """A finance team's figures live in .xlsx: the first sheet is read, cells typed as text ids stay text ("007"),
    date cells are dates, and formatted but empty rows and columns around the table are left out."""
    from openpyxl import Workbook

    history = pd.read_csv(work / "pnl.csv", dtype={"store": str}, parse_dates=["month"])
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    sheet.append([*history.columns, None])
    for row in history.itertuples(index=False):
        sheet.append(["0" + row.store, *(v.to_pydatetime() if isinstance(v, pd.Timestamp) else v for v in row[1:])])
    sheet.append([None] * (len(history.columns) + 1))  # a formatted, empty row below the table
    book.create_sheet("notes").append(["prepared by", "finance"])
    book.save(work / "pnl.xlsx")

    with caplog.at_level(logging.INFO, logger="bizai.io"):
        frame = read_table(work / "pnl.xlsx", text_columns=["store"])
    assert "Read sheet 'figures'" in caplog.text
    assert list(frame.columns) == list(history.columns) and len(frame) == len(history)
    assert set(frame["store"]) == {"0S0", "0S1", "0S2"} and pd.api.types.is_datetime64_any_dtype(frame["month"])
    np.testing.assert_allclose(frame["profit"], history["profit"])

    future = pd.read_csv(work / "future.csv", dtype={"store": str})
    future.assign(store="0" + future["store"]).to_csv(work / "future_excel.csv", index=False)
    for name, data, plan in (("excel", "pnl.xlsx", "future_excel.csv"), ("csv", "pnl.csv", "future.csv")):
        fit_forecaster(work, work / f"from_{name}", "--data", work / data)
        bizai("forecast", "predict", "--model", work / f"from_{name}", "--known-future", work / plan,
              "--out", work / f"{name}.parquet")
    excel, csv = (pd.read_parquet(work / f"{name}.parquet") for name in ("excel", "csv"))
    assert excel["store"].tolist() == ("0" + csv["store"]).tolist()
    np.testing.assert_allclose(excel["forecast"], csv["forecast"])

    ids = Workbook()
    for row in (["customer", "spend"], ["007", 10.5], [7, 3]):  # a cell typed as text, one typed as a number
        ids.active.append(row)
    ids.save(work / "ids.xlsx")
    assert read_table(work / "ids.xlsx", text_columns=[0])["customer"].tolist() == ["007", "7"]
    report = Workbook()
    for row in (["Spend by customer, 2024"], [], ["customer", "spend", None, "region"], ["007", 10.5, None, "north"],
                [7, 3, None, None]):  # a title and a blank row above the table, an empty spacer column in it
        report.active.append(row)
    report.save(work / "report.xlsx")
    table = read_table(work / "report.xlsx", text_columns=["customer"])
    assert list(table.columns) == ["customer", "spend", "region"] and table["customer"].tolist() == ["007", "7"]
    assert table["spend"].tolist() == [10.5, 3.0]

    (work / "broken.xlsx").write_bytes(b"not a workbook")
    refused("forecast", "fit", "--data", work / "broken.xlsx", *FORECAST_COLUMNS, "--out", work / "m",
            names=r"Could not read .*broken\.xlsx", folder=work)


def test_windows_and_utf16_csvs_and_tab_separated_files_read_with_their_accents(work, caplog):
    table = pd.DataFrame({"store": ["Café 01", "Zürich 02", "007"], "amount": [1.5, 2.0, 3.25]})
    table.to_csv(work / "windows.csv", index=False, encoding="cp1252")
    table.to_csv(work / "unicode.csv", index=False, encoding="utf-16")
    table.to_csv(work / "tabs.tsv", index=False, sep="\t")
    for name, encoding in (("windows.csv", "Windows-1252"), ("unicode.csv", "UTF-16"), ("tabs.tsv", None)):
        caplog.clear()
        frame = read_table(work / name, text_columns=["store"])
        assert frame["store"].tolist() == ["Café 01", "Zürich 02", "007"], name
        assert frame["amount"].tolist() == [1.5, 2.0, 3.25], name
        assert (f"is not UTF-8: read it as {encoding}" in caplog.text) == (encoding is not None), name


# ---------------------------------------------------------------------------------------------- dates
def test_mixed_date_formats_are_refused_naming_the_rows(work):
    history = pd.read_csv(work / "pnl.csv")
    history.loc[[3, 4, 5], "month"] = pd.to_datetime(history.loc[[3, 4, 5], "month"]).dt.strftime("%d/%m/%Y")
    history.to_csv(work / "mixed.csv", index=False)
    refused("forecast", "fit", "--data", work / "mixed.csv", *FORECAST_COLUMNS, "--freq", "D", "--out", work / "m",
            names=r"'month'.*mixes date formats: rows 3, 4, 5", folder=work)


@pytest.mark.parametrize("order", ["%d/%m/%Y", "%m/%d/%Y"])
def test_monthly_dates_on_the_first_read_in_the_order_that_puts_them_on_a_calendar(work, order):
    """Every monthly date on the 1st reads both ways ('01/02/2021'); only one order gives a monthly calendar (the
    other gives the 1st-12th of January): that one is taken, with a warning, for the history and the plan alike."""
    for name in ("pnl", "future"):
        table = pd.read_csv(work / f"{name}.csv")
        table["month"] = pd.to_datetime(table["month"]).dt.strftime(order)
        table.to_csv(work / f"{name}_text.csv", index=False)
    forecasts = {}
    for name, suffix in (("iso", ""), ("text", "_text")):
        fit = fit_forecaster(work, work / f"model_{name}", "--data", work / f"pnl{suffix}.csv")
        predicted = bizai("forecast", "predict", "--model", work / f"model_{name}", "--known-future",
                          work / f"future{suffix}.csv", "--out", work / f"{name}.parquet")
        assert (f"read as {order}, the only order that puts them on the data's calendar" in fit.stderr
                + predicted.stderr) == (name == "text")
        forecasts[name] = pd.read_parquet(work / f"{name}.parquet")
    pd.testing.assert_frame_equal(forecasts["text"], forecasts["iso"])


def test_dates_on_a_calendar_either_way_round_are_refused(work):
    """The 1st-12th of January daily, or the 1st of each month of a year: both orders are calendars."""
    days = pd.date_range("2024-01-01", periods=12, freq="D")
    table = pd.DataFrame({"store": "S0", "month": days.strftime("%d/%m/%Y"), "profit": np.arange(12.0),
                          "promo": 1, "region": "north"})
    table.to_csv(work / "ambiguous.csv", index=False)
    refused("forecast", "fit", "--data", work / "ambiguous.csv", *FORECAST_COLUMNS, "--out", work / "m",
            names=r"ambiguous.*%m/%d/%Y.*%d/%m/%Y.*both orders", folder=work)


def test_a_mistyped_year_is_refused_naming_the_rows(work):
    history = pd.read_csv(work / "pnl.csv")
    history.loc[7, "month"] = history.loc[7, "month"].replace("2021", "2204")
    history.to_csv(work / "typo.csv", index=False)
    refused("forecast", "fit", "--data", work / "typo.csv", *FORECAST_COLUMNS, "--out", work / "m",
            names=r"far from the rest of the data in rows 7 \('2204-", folder=work)


def test_local_timestamps_across_a_daylight_saving_change(work):
    days = pd.date_range("2024-03-20", "2024-04-10", freq="D", tz="Europe/Berlin")
    rows = [{"store": s, "day": d.isoformat(), "sales": 10.0 + i + n} for n, s in enumerate(["a", "b"])
            for i, d in enumerate(days)]
    pd.DataFrame(rows).to_csv(work / "dst.csv", index=False)
    assert "+01:00" in (work / "dst.csv").read_text() and "+02:00" in (work / "dst.csv").read_text()
    bizai("forecast", "fit", "--data", work / "dst.csv", "--id-col", "store", "--time-col", "day", "--target-col", "sales",
          "--model", "naive", "--horizon", "3", "--out", work / "fc")
    bizai("forecast", "predict", "--model", work / "fc", "--out", work / "fc.parquet")
    assert pd.read_parquet(work / "fc.parquet")["day"].min() == pd.Timestamp("2024-04-11")
    events = pd.read_csv(work / "events.csv")
    stamps = pd.date_range("2024-03-30 12:00", periods=len(events), freq="min", tz="Europe/Berlin")
    events["timestamp"] = [t.isoformat() for t in stamps[::-1].append(stamps[:0])][: len(events)]
    events.to_csv(work / "events_dst.csv", index=False)
    bizai("recommend", "fit", "--data", work / "events_dst.csv", "--time-col", "timestamp", "--model", "popularity",
          "--out", work / "rec")


def test_a_horizon_past_the_representable_dates_is_refused_at_fit(work):
    refused("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--horizon", "3000", "--out", work / "m",
            names=r"horizon 3000 .* runs past 2262", folder=work)


# --------------------------------------------------------------------------------------------- config
@pytest.mark.parametrize("body,names", [
    ('horizn = 12', r"unknown option 'horizn' in \[forecast.fit\] \(did you mean 'horizon'\?\)"),
    ('horizon = "six"', r"'horizon' in \[forecast.fit\] = 'six' is not valid"),
    ('horizon = 0', r"'horizon' in \[forecast.fit\] = 0 is not valid"),
])
def test_config_keys_and_types_are_checked(work, body, names):
    config = work / "job.toml"
    config.write_text(f'[forecast.fit]\ndata = "{work / "pnl.csv"}"\nid_col = "store"\ntime_col = "month"\n'
                      f'target_col = "profit"\nout = "{work / "m"}"\n{body}\n')
    refused("--config", config, "forecast", "fit", names=names, folder=work)


def test_the_example_config_is_valid_for_every_command_it_names():
    from bizai.cli.config import read_config
    from bizai.cli.main import app

    root = typer.main.get_command(app)
    defaults = read_config(Path(__file__).resolve().parents[2] / "examples" / "job.toml", typer.Context(root))
    assert defaults["forecast"]["fit"]["horizon"] == 6 and defaults["recommend"]["fit"]["model"] == "als"


def test_config_sections_are_checked_and_lists_are_lists(work):
    config = work / "job.toml"
    config.write_text("[forecast.fitt]\nhorizon = 3\n")
    refused("--config", config, "forecast", "fit", names=r"unknown section 'fitt' in \[forecast\] \(did you mean 'fit'\?\)",
            folder=work)
    config.write_text(f'[forecast.fit]\ndata = "{work / "pnl.csv"}"\nid_col = ["store"]\ntime_col = "month"\n'
                      f'target_col = "profit"\nknown_cols = ["promo"]\nstatic_cols = ["region"]\nmodel = "naive"\n'
                      f'quantiles = [0.2, 0.5, 0.8]\nout = "{work / "m"}"\n')
    bizai("--config", config, "forecast", "fit")
    meta = json.loads((work / "m" / "meta.json").read_text())
    assert meta["columns"]["known_cols"] == ["promo"] and meta["params"]["quantiles"] == [0.2, 0.5, 0.8]


# ------------------------------------------------------------------------------------------ crashes
def test_all_event_weights_zero_is_a_clear_error(work):
    events = pd.read_csv(work / "events.csv").assign(weight=0.0)
    events.to_csv(work / "zero.csv", index=False)
    refused("recommend", "fit", "--data", work / "zero.csv", "--model", "als", "--weight-col", "weight",
            "--out", work / "m", names="Every event has weight 0", folder=work)


def test_a_shops_order_lines_with_returns_fit_and_evaluate_from_the_command_line(work):
    """Order lines as a shop exports them: US month-first times, returns as negative quantities."""
    times = pd.date_range("2011-01-03 09:00", periods=12, freq="5D")
    lines = pd.DataFrame({"customer": ["007", "007", "007", "12", "12", "12", "31", "31", "31", "007", "12", "31"],
                          "product": ["tea", "mug", "mug", "tea", "jam", "tea", "jam", "mug", "tea", "tea", "tea", "jam"],
                          "qty": [2, 1, -1, 3, 1, 2, 4, 1, 1, 1, 2, 1],
                          "at": [f"{t.month}/{t.day}/{t.year} {t.hour}:{t.minute:02d}" for t in times]})
    lines.to_csv(work / "lines.csv", index=False)
    common = ["--data", work / "lines.csv", "--user-col", "customer", "--item-col", "product", "--time-col", "at"]
    refused("recommend", "fit", *common, "--weight-col", "qty", "--out", work / "m",
            names=r"negative weights in rows 2.*--quantity-col", folder=work)
    bizai("recommend", "fit", *common, "--quantity-col", "qty", "--model", "popularity", "--out", work / "m")
    bizai("recommend", "score", "--model", work / "m", "--k", "3", "--keep-seen", "--out", work / "recs.parquet")
    assert set(pd.read_parquet(work / "recs.parquet")["customer"]) == {"007", "12", "31"}
    result = bizai("recommend", "evaluate", *common, "--quantity-col", "qty", "--model", "buy_again", "--split",
                   "time", "--keep-seen", "--k", "1")
    scores = {line.split()[0]: float(line.split()[2]) for line in result.stdout.splitlines()[1:]}
    assert scores["buy_again"] == 1.0  # the last two lines buy again what those customers bought before


def test_models_list_on_a_missing_folder_exits_2(work):
    refused("models", "list", work / "nowhere", names="'.*nowhere' is not a folder", folder=work)


@pytest.mark.parametrize("args,names", [(["forecast", "statment"], r"No such command 'statment'"),
                                        (["forecast", "fit", "--nope"], r"No such option: --nope")])
def test_usage_errors_exit_2_with_clicks_hint(args, names, tmp_path):
    result = bizai(*args, check_code=2)
    assert re.search(names, result.stderr) and "Try 'bizai forecast" in result.stderr.replace("python -m bizai.cli.main",
                                                                                                "bizai")
    assert "unexpected" not in result.stderr


@pytest.mark.parametrize("family", ["forecaster", "recommender"])
def test_a_state_file_damaged_in_the_middle_is_refused_before_unpickling(work, family):
    model = work / "m"
    if family == "forecaster":
        bizai("forecast", "fit", "--data", work / "pnl.csv", *FORECAST_COLUMNS, "--model", "lightgbm", "--out", model)
        state, args = model / "forecaster.pkl", ["forecast", "predict", "--model", model, "--known-future",
                                                 work / "future.csv", "--out", work / "o.parquet"]
    else:
        bizai("recommend", "fit", "--data", work / "events.csv", "--model", "als", "--out", model)
        state, args = model / "recommender.pkl", ["recommend", "score", "--model", model, "--out", work / "o.parquet"]
    payload = bytearray(state.read_bytes())
    middle = len(payload) // 2
    payload[middle:middle + 64] = np.random.default_rng(0).integers(0, 256, 64, dtype=np.uint8).tobytes()
    state.write_bytes(bytes(payload))
    refused(*args, names=rf"is damaged: {state.name} \(content differs", folder=work)


def test_a_glob_of_parquet_partitions_aligns_their_columns_or_names_the_file_that_differs(tmp_path):
    night = pd.DataFrame({"store": ["A", "B"], "month": pd.to_datetime(["2024-01-01"] * 2), "profit": [1.0, 2.0]})
    for folder in ("ordered", "columns", "zones"):
        (tmp_path / folder).mkdir()
        night.to_parquet(tmp_path / folder / "a.parquet")
    night[["profit", "store", "month"]].to_parquet(tmp_path / "ordered" / "b.parquet")
    assert read_table(tmp_path / "ordered" / "*.parquet").columns.tolist() == ["store", "month", "profit"]
    night.rename(columns={"profit": "Profit"}).to_parquet(tmp_path / "columns" / "b.parquet")
    with pytest.raises(DataContractError, match=r"b.parquet lacks 'profit' and adds 'Profit' against a.parquet"):
        read_table(tmp_path / "columns" / "*.parquet")
    night.assign(month=night["month"].dt.tz_localize("UTC")).to_parquet(tmp_path / "zones" / "b.parquet")
    with pytest.raises(DataContractError, match=r"disagree on column 'month': .* in a.parquet, .*UTC.* in b.parquet"):
        read_table(tmp_path / "zones" / "*.parquet")


def test_library_warnings_print_as_one_log_line_without_python_source_locations(work):
    history = pd.read_csv(work / "pnl.csv")
    newcomer = history[history["store"] == history["store"].iloc[0]].tail(5).assign(store="NEW")
    pd.concat([history, newcomer]).to_csv(work / "with_new.csv", index=False)
    result = bizai("forecast", "fit", "--data", work / "with_new.csv", *FORECAST_COLUMNS, "--model", "seasonal_naive",
                   "--out", work / "m", "--quiet")
    warning = [line for line in result.stderr.splitlines() if "fewer than" in line]
    assert len(warning) == 1 and " WARNING bizai: 1 series have fewer than 12" in warning[0] and "'NEW'" in warning[0]
    assert "UserWarning" not in result.stderr and ".py:" not in result.stderr


def test_a_model_saved_with_another_minor_version_warns_once_and_predicts(work):
    fit_forecaster(work, work / "m")
    meta = json.loads((work / "m" / "meta.json").read_text())
    major, minor, *_ = meta["library_versions"]["pandas"].split(".")
    meta["library_versions"]["pandas"] = f"{major}.{int(minor) + 1}.0"
    (work / "m" / "meta.json").write_text(json.dumps(meta))
    result = bizai("forecast", "predict", "--model", work / "m", "--known-future", work / "future.csv",
                   "--out", work / "f.csv")
    mentions = [line for line in result.stderr.splitlines() if "saved with other versions" in line]
    assert len(mentions) == 1 and f"pandas {major}.{int(minor) + 1}.0 (saved)" in mentions[0], result.stderr
    assert len(pd.read_csv(work / "f.csv")) > 0
