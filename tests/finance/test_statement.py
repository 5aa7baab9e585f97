"""StatementForecaster: statements that add up at every node, period and line, calibrated bands, bad input."""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest

from bizai.errors import BizaiWarning, DataContractError, UnsafeOutputError
from bizai.finance import StatementForecaster
from bizai.finance.conformal import ConformalBands
from bizai.finance.statement.reconcile import reconcile
from bizai.finance.statement.structure import StatementLines, build_hierarchy, build_series_index

REGION_OF = {"A": "North", "B": "North", "C": "South", "D": "South", "E": "East"}  # East: a region with one store


def make_pnl(periods: int = 30, seed: int = 0, late: str | None = "D", closed: str | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    months = pd.date_range("2021-01-01", periods=periods, freq="MS")
    rows = []
    for number, (store, region) in enumerate(REGION_OF.items()):
        t = np.arange(periods)
        revenue = 1000 * (number + 1) * (1 + 0.15 * np.sin(2 * np.pi * t / 12)) + rng.normal(0, 30, periods)
        cost = 0.7 * revenue + rng.normal(0, 20, periods)
        frame = pd.DataFrame({"store": store, "region": region, "month": months, "revenue": revenue, "cost": cost,
                              "promo": rng.integers(0, 3, periods), "format": "mall" if number % 2 else "street"})
        if store == late:
            frame = frame.iloc[periods // 2:]
        if store == closed:
            frame = frame.iloc[: periods - 8]
        rows.append(frame)
    return pd.concat(rows, ignore_index=True)


FIT = dict(id_col="store", time_col="month", lines=["revenue", "cost"], identities={"profit": "revenue - cost"},
           hierarchy=["region", "store"])


def check_coherent(statement: pd.DataFrame, column: str) -> None:
    wide = statement.pivot_table(index=["level", "node", "month"], columns="line", values=column)
    assert np.allclose(wide["revenue"] - wide["cost"], wide["profit"], rtol=1e-9, atol=1e-6)
    stores = statement[statement["level"] == "store"].assign(region=lambda f: f["node"].map(REGION_OF))
    by_region = stores.groupby(["region", "month", "line"])[column].sum()
    regions = statement[statement["level"] == "region"].set_index(["node", "month", "line"])[column]
    assert np.allclose(by_region.sort_index().to_numpy(), regions.sort_index().to_numpy(), rtol=1e-9)
    total = statement[statement["level"] == "total"].set_index(["month", "line"])[column].sort_index()
    assert np.allclose(regions.groupby(level=["month", "line"]).sum().sort_index().to_numpy(), total.to_numpy(), rtol=1e-9)


@pytest.fixture(scope="module")
def fitted():
    return {method: StatementForecaster(model="seasonal_naive", horizon=4, freq="MS", reconcile=method, random_state=0,
                                        calibration_windows=3).fit(make_pnl(), **FIT)
            for method in ("bottom_up", "ols", "wls_struct", "mint_shrink")}


@pytest.mark.parametrize("method", ["bottom_up", "ols", "wls_struct", "mint_shrink"])
def test_every_method_adds_up_at_every_node_period_and_line(fitted, method):
    statement = fitted[method].predict()
    assert set(statement["level"]) == {"total", "region", "store"}
    assert len(statement) == (1 + 3 + 5) * 3 * 4
    for column in ("forecast", "p50"):
        check_coherent(statement, column)
    assert (statement["p10"] <= statement["p50"]).all() and (statement["p50"] <= statement["p90"]).all()
    backtest = fitted[method].backtest()
    check_coherent(backtest.forecasts[backtest.forecasts["cutoff"] == backtest.forecasts["cutoff"].max()], "forecast")


def test_the_three_store_example_by_hand():
    leaves = pd.DataFrame({"region": ["N", "N", "S"], "store": ["a", "b", "c"], "month": "2024-01-01"})
    hierarchy = build_hierarchy(leaves, ["region", "store"], "month")
    index = build_series_index(hierarchy, StatementLines.from_arguments(["revenue", "cost"], {"profit": "revenue - cost"}))
    keys = index.series["key"].tolist()
    base = pd.Series(0.0, index=keys)
    base[["store|a|revenue", "store|a|cost", "store|b|revenue", "store|b|cost", "store|c|revenue", "store|c|cost"]] = [
        100, 60, 50, 20, 80, 70]
    coherent = pd.Series(reconcile(index.summing, base.to_numpy()[:, None], "bottom_up")[:, 0], index=keys)
    assert coherent["region|N|revenue"] == 150 and coherent["region|N|profit"] == 70  # (100-60) + (50-20)
    assert coherent["region|S|profit"] == 10 and coherent["total|Total|profit"] == 80
    # OLS on the textbook example: a total of 10 over children 4 and 5 gives 9.67 = 4.33 + 5.33.
    summing = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert np.allclose(reconcile(summing, np.array([[10.0], [4.0], [5.0]]), "ols")[:, 0], [29 / 3, 13 / 3, 16 / 3])


def test_conformal_bands_cover_their_nominal_share_on_known_noise():
    rng = np.random.default_rng(0)
    calibration = pd.DataFrame({"level": "store", "line": "revenue", "step": rng.integers(1, 4, 3000),
                                "score": rng.standard_t(5, 3000)})
    bands = ConformalBands.fit(calibration, (0.1, 0.9))
    fresh = pd.DataFrame({"level": "store", "line": "revenue", "step": rng.integers(1, 4, 20000), "forecast": 0.0})
    scale = rng.uniform(1, 50, len(fresh))
    banded = bands.apply(fresh, scale, {0.1: "p10", 0.9: "p90"})
    actual = rng.standard_t(5, len(fresh)) * scale
    covered = ((actual >= banded["p10"]) & (actual <= banded["p90"])).mean()
    assert abs(covered - 0.8) < 0.05


def test_a_small_level_keeps_its_own_scores_down_to_the_fewest_a_quantile_needs():
    rng = np.random.default_rng(1)
    leaves = pd.DataFrame({"level": "store", "line": "revenue", "step": rng.integers(1, 7, 600),
                           "score": rng.normal(0, 1.0, 600)})
    total = pd.DataFrame({"level": "total", "line": "revenue", "step": np.arange(1, 13) % 6 + 1,
                          "score": rng.normal(0, 0.1, 12)})
    bands = ConformalBands.fit(pd.concat([leaves, total]), (0.1, 0.9))
    own = bands.offsets("total", "revenue", 1)
    assert own[0.1] == total["score"].min() and own[0.9] == total["score"].max()  # 12 scores: the extremes
    too_few = ConformalBands.fit(pd.concat([leaves, total.head(8)]), (0.1, 0.9)).offsets("total", "revenue", 1)
    assert too_few[0.9] - too_few[0.1] > 1.0  # 8 scores cannot give a P90: the pool of every level is used



def test_a_band_widens_by_how_much_whole_windows_shift():
    rng = np.random.default_rng(2)
    shifts = {"2024-01": -1.0, "2024-07": 0.0, "2025-01": 1.0}  # every score of a window moves together
    scores = pd.concat([pd.DataFrame({"level": "total", "line": "profit", "step": rng.integers(1, 7, 40), "cutoff": when,
                                      "score": shift + rng.normal(0, 0.1, 40)}) for when, shift in shifts.items()])
    aware = ConformalBands.fit(scores, (0.1, 0.9)).offsets("total", "profit", 1)
    pooled = ConformalBands.fit(scores.drop(columns="cutoff"), (0.1, 0.9)).offsets("total", "profit", 1)
    # a fourth window may shift as far again: the band reaches beyond every score seen, the pooled one does not
    assert aware[0.9] > scores["score"].max() + 0.1 and aware[0.1] < scores["score"].min() - 0.1
    assert pooled[0.9] <= scores["score"].max() and pooled[0.1] >= scores["score"].min()


def test_windows_that_agree_leave_the_band_as_it_was():
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"level": "store", "line": "revenue", "step": 1, "score": rng.normal(0, 1.0, 3000),
                           "cutoff": np.repeat(["a", "b", "c"], 1000)})
    aware = ConformalBands.fit(scores, (0.1, 0.9)).offsets("store", "revenue", 1)
    pooled = ConformalBands.fit(scores.drop(columns="cutoff"), (0.1, 0.9)).offsets("store", "revenue", 1)
    assert aware[0.9] == pytest.approx(pooled[0.9], abs=0.1) and aware[0.1] == pytest.approx(pooled[0.1], abs=0.1)


@pytest.mark.parametrize(("periods", "windows"), [(30, 3), (48, 4)])
def test_default_calibration_takes_four_windows_where_the_history_affords_them(periods, windows):
    model = StatementForecaster(model="seasonal_naive", horizon=6, freq="MS").fit(make_pnl(periods, late=None), **FIT)
    assert model.calibration_windows_ == windows
    assert model.backtest().forecasts["cutoff"].nunique() == windows

def test_calibrated_backtest_reports_accuracy_per_level_and_line(fitted):
    metrics = fitted["mint_shrink"].backtest().metrics
    assert set(metrics["level"]) == {"total", "region", "store"} and set(metrics["line"]) == {"revenue", "cost", "profit"}
    assert {"mae", "wape", "mase", "coverage", "coverage_base", "mae_base"} <= set(metrics.columns)
    assert metrics["coverage"].between(0, 1).all() and (metrics["mae"] > 0).all()


def test_late_and_closed_stores_and_a_single_profit_line():
    data = make_pnl(late="D", closed="B").assign(profit=lambda f: f["revenue"] - f["cost"])
    with pytest.warns(UserWarning, match="No forecast for store 'B'"):
        model = StatementForecaster(model="naive", horizon=3, freq="MS").fit(data, id_col="store", time_col="month",
                                                                              lines=["profit"], hierarchy=["region"])
    statement = model.predict()
    assert set(statement["line"]) == {"profit"}
    assert "B" not in set(statement["node"]) and "D" in set(statement["node"])  # closed: not forecast; late: forecast
    stores = statement[statement["level"] == "store"].groupby("month")["forecast"].sum()
    assert np.allclose(stores.to_numpy(), statement[statement["level"] == "total"]["forecast"].to_numpy())


def test_polars_in_polars_out_and_known_covariates():
    data = make_pnl()
    future = pd.DataFrame([(s, m, 1) for s in REGION_OF for m in pd.date_range("2023-07-01", periods=2, freq="MS")],
                          columns=["store", "month", "promo"])
    model = StatementForecaster(model="lightgbm", horizon=2, freq="MS", random_state=0,
                                model_params={"n_estimators": 20}).fit(pl.from_pandas(data), **FIT, known_cols=["promo"],
                                                                       static_cols=["format"])
    statement = model.predict(known_future=pl.from_pandas(future))
    assert isinstance(statement, pl.DataFrame) and statement.height == 9 * 3 * 2
    check_coherent(statement.to_pandas(), "forecast")
    with pytest.raises(DataContractError, match="known covariates .*promo"):
        model.predict()


@pytest.mark.parametrize("change,message", [
    (lambda d: d.assign(region=np.where((d["store"] == "A") & (d.index % 2 == 0), "South", d["region"])), None),
    (lambda d: d.assign(cost=d["cost"].astype(object).where(d.index != 3, "n/a")), r"'cost'.*numeric.*rows 3"),
    (lambda d: d.assign(region=d["region"].where(d.index != 5, None)), r"Hierarchy column 'region' is empty in rows 5"),
])
def test_bad_statement_input(change, message, caplog):
    data = change(make_pnl())
    if message is None:  # a store that moves between regions is placed under its latest region, with a warning
        with caplog.at_level(logging.WARNING):
            model = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
        assert "appear under more than one region" in caplog.text and "'A'" in caplog.text
        latest = data.sort_values("month").groupby("store")["region"].last()["A"]
        assert model.hierarchy_.leaves.set_index("store").loc["A", "region"] == latest
        return
    with pytest.raises(DataContractError, match=message):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)


def test_a_node_with_two_parents_is_named():
    data = make_pnl().assign(area=lambda f: f["region"].map({"North": "X", "South": "X", "East": "Y"}))
    data.loc[data["store"] == "E", "area"] = "X"
    data.loc[(data["store"] == "C"), "area"] = "Y"  # South sits under X (store D) and Y (store C)
    with pytest.raises(DataContractError, match=r"region value\(s\) 'South' sit under more than one area.*"
                                                r"give such nodes distinct names"):
        StatementForecaster(model="naive", horizon=2).fit(data, **{**FIT, "hierarchy": ["area", "region", "store"]})


def test_levels_given_bottom_first_are_named_with_the_order_that_fits():
    data = make_pnl().assign(country="UK")
    with pytest.raises(DataContractError, match=r"country value\(s\) 'UK' sit under more than one region .* is "
                                                r"'country' above 'region' \(hierarchy=\['country', 'region', 'store'\]\)"):
        StatementForecaster(model="naive", horizon=2).fit(data, **{**FIT, "hierarchy": ["region", "country", "store"]})


def test_stores_on_different_phases_of_a_multiple_frequency_are_named():
    data = make_pnl(periods=36, late=None)
    bimonthly = data[data["month"].dt.month % 2 == 1]  # every other month, from January
    model = StatementForecaster(model="naive", horizon=2, freq="2MS").fit(bimonthly, **FIT)
    check_coherent(model.predict(), "forecast")
    shifted = pd.concat([bimonthly[bimonthly["store"] != "C"],
                         data[(data["store"] == "C") & (data["month"].dt.month % 2 == 0)]])  # C from February
    for freq in ("2MS", None):  # given, or inferred from the stores' dates
        with pytest.raises(DataContractError, match=r"phases of the '2MS' periods: 'A', 'B', 'D', 'E' from 2021-01-01; "
                                                    r"'C' from 2021-02-01.*freq='MS'"):
            StatementForecaster(model="naive", horizon=2, freq=freq).fit(shifted, **FIT)


@pytest.mark.parametrize("identities,message", [({"profit": "revenue - costs"}, r"names 'costs'.*not one of the lines"),
                                                ({"profit": "revenue * cost"}, "not a sum or difference"),
                                                ({"revenue": "cost"}, "also lines"),
                                                ({"a": "revenue - b", "b": "cost + a"}, r"in a circle \(a -> b -> a\)"),
                                                ({"nothing": "revenue - revenue"}, "always 0")])
def test_identities_are_checked(identities, message):
    with pytest.raises(DataContractError, match=message):
        StatementForecaster(model="naive", horizon=2).fit(make_pnl(), **{**FIT, "identities": identities})


def test_an_identity_may_build_on_another_in_any_order():
    data = make_pnl().assign(overheads=lambda f: 0.1 * f["revenue"])
    identities = {"operating_profit": "gross_profit - overheads", "gross_profit": "revenue - cost"}
    statement = StatementForecaster(model="naive", horizon=2, freq="MS", random_state=0).fit(
        data, **{**FIT, "lines": ["revenue", "cost", "overheads"], "identities": identities}).predict()
    wide = statement.pivot_table(index=["level", "node", "month"], columns="line", values="forecast")
    assert np.allclose(wide["gross_profit"], wide["revenue"] - wide["cost"], rtol=1e-9)
    assert np.allclose(wide["operating_profit"], wide["revenue"] - wide["cost"] - wide["overheads"], rtol=1e-9)
    assert len(wide) == (1 + 3 + 5) * 2 and wide.notna().all().all()  # every node (total, 3 regions, 5 stores), 2 months


def test_stores_whose_ids_differ_only_in_spaces_or_case_are_warned_about(caplog):
    data = make_pnl()
    data.loc[(data["store"] == "B") & (data.index % 2 == 0), "store"] = "B "
    with caplog.at_level(logging.WARNING):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
    assert re.search(r"statement frame has series whose ids differ only in spaces or letter case: "
                     r"('B' and 'B '|'B ' and 'B')\.", caplog.text)


def test_line_names_with_a_sign_in_them_are_read_whole_in_identities():
    # 'marketing-spend' was split at its hyphen: "names 'marketing', 'spend', which is not one of the lines"
    lines = StatementLines.from_arguments(["revenue", "cost of sales", "marketing-spend"],
                                          {"pre-tax": "operating profit-marketing-spend",
                                           "operating profit": "revenue - cost of sales"})
    assert lines.identities == {"operating profit": {"revenue": 1.0, "cost of sales": -1.0},
                                "pre-tax": {"revenue": 1.0, "cost of sales": -1.0, "marketing-spend": -1.0}}
    with pytest.raises(DataContractError, match=r"names 'marketing'"):  # a name that is no line is still named
        StatementLines.from_arguments(["revenue", "marketing-spend"], {"p": "revenue - marketing"})


def test_negative_costs_and_single_node_levels_are_warned(caplog):
    data = make_pnl()
    data.loc[[4, 9], "cost"] = -5.0
    data["country"] = "UK"
    with caplog.at_level(logging.WARNING):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **{**FIT, "hierarchy": ["country", "region",
                                                                                                      "store"]})
    assert "'cost'" in caplog.text and "negative in 2 row(s)" in caplog.text
    assert "Level 'country' has a single node" in caplog.text


def test_a_line_that_is_two_others_difference_is_pointed_to_identities():
    # profit passed as a third line beside revenue and cost: forecast on its own, it would drift from their difference
    data = make_pnl().assign(profit=lambda f: (f["revenue"] - f["cost"]).round(2), other=lambda f: f["cost"] * 0.3)
    with pytest.warns(UserWarning, match=r"Line 'profit' equals revenue - cost in every row or nearly.*identities="
                                         r"\{'profit': 'revenue - cost'\}; CLI --identity 'profit=revenue-cost'"):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **{**FIT, "lines": ["profit", "revenue", "cost"],
                                                                             "identities": None})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **{**FIT, "lines": ["revenue", "cost", "other"]})
    assert not [w for w in caught if "equals" in str(w.message)]


def test_a_cost_booked_negative_and_subtracted_is_warned_as_a_sign_slip(caplog):
    data = make_pnl().assign(cost=lambda f: -f["cost"])
    with caplog.at_level(logging.WARNING):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
    assert f"negative in {len(data)} of {len(data)} rows, and identity 'profit' subtracts it" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(
            data, **{**FIT, "identities": {"profit": "revenue + cost"}})
    assert "subtracts it" not in caplog.text


def test_the_workbook_has_its_sheets_formats_and_chart(fitted, tmp_path):
    import openpyxl

    path = fitted["mint_shrink"].to_excel(tmp_path / "pnl.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["total", "region", "store", "Ranges", "Accuracy", "Drivers", "Company chart"]
    stores = book["store"]
    assert stores.freeze_panes == "C3"
    assert stores["A1"].value is None and stores.cell(1, 3).value == "Actual"
    header = [c.value for c in stores[2]]
    assert header[:3] == ["store", "line", "Jul 2022"] and header[-1] == "Oct 2023" and "Jul 2023" in header
    first_forecast = header.index("Jul 2023") + 1
    assert stores.cell(1, first_forecast).value == "Forecast"
    profit = next(r for r in stores.iter_rows(min_row=3) if r[1].value == "profit")
    assert isinstance(profit[2].value, float) and profit[2].number_format == "#,##0;[Red]-#,##0"
    margin = next(r for r in stores.iter_rows(min_row=3) if r[1].value == "margin")
    assert margin[2].number_format.startswith("0.0%") and 0 < margin[2].value < 1
    assert [r[0].value for r in stores.iter_rows(min_row=3)][-3:] == ["Total"] * 3
    assert len(book["Company chart"]._charts) == 1
    accuracy = [c.value for c in book["Accuracy"][1]]
    assert {"level", "line", "wape", "coverage"} <= set(accuracy)


def test_levels_named_unlike_excel_sheets_get_a_workbook(tmp_path):
    # a level 'Store / Dept' (ids joined) failed to_excel with InvalidWorksheetName; 'drivers' would clash
    data = make_pnl().rename(columns={"region": "drivers", "store": "Store / Dept"})
    fit = {**FIT, "id_col": "Store / Dept", "hierarchy": ["drivers", "Store / Dept"]}
    import openpyxl

    path = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **fit).to_excel(tmp_path / "pnl.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["total", "drivers (2)", "Store _ Dept"] and "Drivers" in book.sheetnames
    assert book["Store _ Dept"]["A2"].value == "Store / Dept"  # the level's own name heads its sheet


def test_the_html_report_is_one_offline_file(fitted, tmp_path):
    path = fitted["ols"].to_html(tmp_path / "pnl.html")
    text = path.read_text()
    assert "cdn.jsdelivr" not in text and "vega-lite" in text.lower()
    assert "<h2>region</h2>" in text and "margin" in text and "Backtest accuracy" in text


@pytest.mark.parametrize(("write", "name", "expected"), [("to_excel", "pnl.csv", ".xlsx"), ("to_html", "pnl.xlsx", ".htm")])
def test_a_report_named_as_another_format_is_refused_and_not_written(fitted, tmp_path, write, name, expected):
    # an .xlsx workbook saved as pnl.csv opened in a CSV reader as binary nonsense
    with pytest.raises(UnsafeOutputError, match=rf"must end in .*{re.escape(expected)}.*got '\.{name.split('.')[1]}'"):
        getattr(fitted["ols"], write)(tmp_path / name)
    assert not list(tmp_path.iterdir())


def test_save_and_load_round_trip(fitted, tmp_path):
    from bizai.persistence import read_meta

    model = fitted["wls_struct"]
    folder = model.save(tmp_path / "statement")
    meta = read_meta(folder)
    assert meta["family"] == "statement" and meta["columns"]["identities"] == {"profit": {"revenue": 1.0, "cost": -1.0}}
    loaded = StatementForecaster.load(folder)
    pd.testing.assert_frame_equal(loaded.predict(), model.predict())


def test_a_polars_statement_keeps_its_dates_as_dates():
    data = pl.from_pandas(make_pnl()).with_columns(pl.col("month").cast(pl.Date))
    statement = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
    assert statement.predict().schema["month"] == pl.Date
    assert statement.history().schema["month"] == pl.Date
    assert statement.backtest().forecasts.schema["cutoff"] == pl.Date


def test_a_statement_of_monthly_periods_gives_periods_back():
    data = make_pnl().assign(month=lambda f: f["month"].dt.to_period("M"))
    statement = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
    assert statement.predict()["month"].dtype == pd.PeriodDtype("M")
    assert statement.history()["month"].dtype == pd.PeriodDtype("M")
    assert statement.backtest().forecasts["cutoff"].dtype == pd.PeriodDtype("M")


def test_a_plan_missing_a_store_or_a_value_is_named_in_the_callers_terms():
    data = make_pnl(late=None)
    months = pd.date_range("2023-07-01", periods=2, freq="MS")
    plan = pd.DataFrame([(s, m, 1.0) for s in REGION_OF for m in months], columns=["store", "month", "promo"])
    model = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT, known_cols=["promo"])
    with pytest.raises(DataContractError, match=r"no row for store 'B' \(2023-07-01, 2023-08-01\)\.$"):
        model.predict(known_future=plan[plan["store"] != "B"])
    with pytest.raises(DataContractError, match=r"'promo' empty for store 'C' \(2023-08-01\)\.$"):
        model.predict(known_future=plan.assign(promo=plan["promo"].where(
            (plan["store"] != "C") | (plan["month"] != months[1]))))
    with pytest.raises(DataContractError, match="repeat"):
        model.predict(known_future=pd.concat([plan, plan.iloc[:1]]))
    with pytest.warns(UserWarning, match="rows for store 'ZZ'") as caught:
        statement = model.predict(known_future=pd.concat([plan, plan.iloc[:2].assign(store="ZZ")]))
    assert Path(caught[0].filename).name == Path(__file__).name
    pd.testing.assert_frame_equal(statement, model.predict(known_future=plan))
    respelled = plan.assign(store=plan["store"].where(plan["store"] != "B", " b"))  # an Excel cell ' b'
    with pytest.warns(UserWarning), pytest.raises(
            DataContractError, match=r"no row for store 'B' .*\(ids given as ' b' for 'B' differ from the history's "
                                     r"only in spaces or letter case"):
        model.predict(known_future=respelled)


def test_closed_and_newly_opened_stores_are_named_in_the_callers_terms():
    data = make_pnl(late=None)
    data = data[~((data["store"] == "B") & (data["month"] < data["month"].max() - pd.DateOffset(months=1)))]
    data = data[~((data["store"] == "C") & (data["month"] > "2022-12-01"))]
    with pytest.warns(UserWarning) as caught:
        statement = StatementForecaster(model="seasonal_naive", horizon=2, freq="MS").fit(data, **FIT).predict()
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("No forecast for store 'C' (data to 2022-12-01)") for m in messages)
    assert any(m.startswith("store 'B' has fewer than the 12 periods of history seasonal_naive needs") for m in messages)
    assert not any("|" in m for m in messages)  # no internal series keys
    assert {Path(w.filename).name for w in caught} == {Path(__file__).name}  # shown at the caller's line
    assert all(w.category is BizaiWarning for w in caught)  # filterwarnings(category=BizaiWarning) reaches them
    assert set(statement.loc[statement["level"] == "store", "node"]) == set(REGION_OF) - {"C"}


@pytest.mark.parametrize("renamed,roles,message", [
    ({"month": "step"}, dict(time_col="step"), r"time column 'step' shares its name .*'step': a backtest's periods ahead"),
    ({"month": "p90"}, dict(time_col="p90"), r"time column 'p90' shares its name .*a forecast quantile"),
    ({"format": "line"}, dict(static_cols=["line"]), r"static column 'line' shares its name .*the statement line"),
    ({"promo": "value"}, dict(known_cols=["value"]), r"known column 'value' shares its name"),
])
def test_columns_named_like_the_statements_own_are_refused_naming_them(renamed, roles, message):
    # a product 'line' static once failed with KeyError: 'line'; a 'step' time column gave two 'step' columns
    data = make_pnl().assign(format="mall", promo=1.0).rename(columns=renamed)
    with pytest.raises(DataContractError, match=message):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **{**FIT, **roles})


def test_hierarchy_levels_may_be_named_like_the_statements_columns():
    data = make_pnl().rename(columns={"region": "line"})
    statement = StatementForecaster(model="naive", horizon=2, freq="MS").fit(
        data, **{**FIT, "hierarchy": ["line", "store"]}).predict()
    assert set(statement["level"]) == {"total", "line", "store"} and list(statement.columns).count("line") == 1


def departments(data: pd.DataFrame) -> pd.DataFrame:
    """Each store split into departments '1' and '2' (60% and 40%): department numbers repeat in every store."""
    return pd.concat([data.assign(dept=dept, revenue=data["revenue"] * share, cost=data["cost"] * share)
                      for dept, share in (("1", 0.6), ("2", 0.4))], ignore_index=True)


@pytest.mark.parametrize("hierarchy", [["region", "store"], ["region", "store", "dept"]])
def test_leaves_named_by_several_id_columns_add_up_to_their_parents(hierarchy):
    data = departments(make_pnl())
    future = pd.DataFrame([(s, d, m, 1) for s in REGION_OF for d in ("1", "2")
                           for m in pd.date_range("2023-07-01", periods=2, freq="MS")],
                          columns=["store", "dept", "month", "promo"])
    model = StatementForecaster(model="lightgbm", horizon=2, freq="MS", random_state=0,
                                model_params={"n_estimators": 20}).fit(
        data, **{**FIT, "id_col": ["store", "dept"], "hierarchy": hierarchy}, known_cols=["promo"])
    statement = model.predict(known_future=future)
    assert model.hierarchy_.level_names == ["total", "region", "store", "store / dept"]
    leaves = statement[statement["level"] == "store / dept"]
    assert set(leaves["node"]) == {f"{s} / {d}" for s in REGION_OF for d in ("1", "2")}
    by_store = leaves.assign(store=leaves["node"].str.split(" / ").str[0]).groupby(["store", "month", "line"])["forecast"].sum()
    stores = statement[statement["level"] == "store"].set_index(["node", "month", "line"])["forecast"]
    assert np.allclose(by_store.sort_index().to_numpy(), stores.sort_index().to_numpy(), rtol=1e-9)
    check_coherent(statement[statement["level"] != "store / dept"], "forecast")
    with pytest.raises(DataContractError, match=r"known_future frame is missing column\(s\) 'dept'"):
        model.predict(known_future=future.drop(columns="dept"))


def test_a_leaf_id_repeated_under_each_parent_says_to_name_leaves_by_both():
    data = departments(make_pnl())
    with pytest.raises(DataContractError, match=r"dept values repeat under different store values in the same period "
                                                r"\('1' under 'A', 'B', .*id_col=\['store', 'dept'\] \(CLI --id-col "
                                                r"store,dept\), which makes leaves such as 'A / 1'"):
        StatementForecaster(model="naive", horizon=2).fit(data, **{**FIT, "id_col": "dept",
                                                                   "hierarchy": ["region", "store", "dept"]})
    with pytest.raises(DataContractError, match=r"Id column 'dept' of the statement frame is empty in rows 3"):
        StatementForecaster(model="naive", horizon=2).fit(data.assign(dept=data["dept"].where(data.index != 3)),
                                                          **{**FIT, "id_col": ["store", "dept"]})


def test_the_drivers_table_averages_a_seeded_sample_of_each_lines_forecasts(monkeypatch):
    # every forecast's SHAP values took minutes on Walmart's 3,377 series; a sample of each line's series is enough
    from bizai.finance.statement import tables

    model = StatementForecaster(model="lightgbm", horizon=2, freq="MS", random_state=0,
                                model_params={"n_estimators": 20}).fit(make_pnl(), **FIT)
    whole = model.report_tables().drivers
    monkeypatch.setattr(tables, "DRIVER_FORECASTS", 4)  # two series of each line at a horizon of 2
    asked = []
    contributions = model.base_.contributions
    monkeypatch.setattr(model.base_, "contributions", lambda **kw: asked.append(kw["ids"]) or contributions(**kw))
    sampled = model.report_tables().drivers
    keys = next(iter(asked[0].values()))
    assert len(keys) == 2 * 3 and {key.rsplit("|", 1)[1] for key in keys} == {"revenue", "cost", "profit"}
    assert set(sampled["line"]) == set(whole["line"]) and not sampled.equals(whole)
    pd.testing.assert_frame_equal(model.report_tables().drivers, sampled)  # the same sample each time


def test_gaps_are_named_once_per_store_and_in_the_statements_terms(caplog):
    # Walmart's statement listed 27,667 missing weeks one by one, then repeated its base model's note on series
    # missing their last weeks twice, in its internal keys ('Store / Dept|1 / 47|Weekly_Sales')
    data = make_pnl(late=None)
    months = sorted(data["month"].unique())
    data = data[~((data["store"] == "A") & data["month"].isin(months[10:13] + months[-1:]))]
    model = StatementForecaster(model="lightgbm", horizon=2, freq="MS", random_state=0,
                                model_params={"n_estimators": 20})
    with caplog.at_level(logging.WARNING):
        model.fit(data, **FIT)
    # the last month too: A is forecast across it, and its region's total for that month lacks it
    assert (f"4 missing period(s) in 1 store(s), counted as 0 in their parents' totals: 'A' (4 between "
            f"{pd.Timestamp(months[10]).date()} and {pd.Timestamp(months[-1]).date()})") in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        model.report_tables()
    assert "|" not in caplog.text and "within their usual gaps" not in caplog.text


def test_mint_shrinkage_sums_over_observations_without_holding_every_product():
    # the by-definition estimate (Schäfer-Strimmer over the pairs observed together), written with the
    # observations x series x series products that took 11 GB on Walmart's statement
    from bizai.finance.statement.reconcile import shrunk_covariance

    rng = np.random.default_rng(0)
    residuals = rng.normal(size=(12, 6)) @ rng.normal(size=(6, 6)) * rng.uniform(1, 50, 6)
    residuals[rng.random(residuals.shape) < 0.2] = np.nan
    residuals[:-1, 5] = np.nan  # a store that opened lately: one error
    observed = ~np.isnan(residuals)
    counts = observed.T.astype(float) @ observed.astype(float)
    centred = np.where(observed, residuals - np.nanmean(residuals, axis=0), 0.0)
    covariance = np.where(counts >= 2, centred.T @ centred / np.maximum(counts - 1, 1), 0.0)
    scales = np.abs(np.nanmean(residuals, axis=0)) + 1
    variance = np.diag(covariance).copy()
    variance[5] = np.median(variance[:5] / scales[:5] ** 2) * scales[5] ** 2
    standardised = centred / np.sqrt(variance)
    products = standardised[:, :, None] * standardised[:, None, :]
    safe = np.maximum(counts, 2)
    mean = products.sum(axis=0) / np.maximum(counts, 1)
    both = observed[:, :, None] & observed[:, None, :]
    spread = (np.where(both, products - mean, 0.0) ** 2).sum(axis=0)
    off = ~np.eye(6, dtype=bool) & (counts >= 2)
    correlation = np.where(counts >= 2, safe / (safe - 1) * mean, 0.0)
    shrinkage = np.clip((safe / (safe - 1) ** 3 * spread)[off].sum() / (correlation[off] ** 2).sum(), 0, 1)
    expected = correlation * (1 - shrinkage)
    np.fill_diagonal(expected, 1.0)
    expected = expected * np.sqrt(np.outer(variance, variance)) + np.eye(6) * 1e-8 * variance.mean()
    assert 0 < shrinkage < 1
    np.testing.assert_allclose(shrunk_covariance(residuals, scales), expected, rtol=1e-9, atol=1e-9)


def test_a_statement_too_large_to_project_is_refused_before_fitting(monkeypatch):
    # 10,000 products x 2 lines made ~30,000 series: MinT's matrices would need ~70 GB and hours, after the fit
    from bizai.finance.statement import reconcile as methods

    monkeypatch.setattr(methods, "MAX_PROJECTED_SERIES", 20)  # this statement: (1 + 3 + 5) nodes x 3 lines = 27
    fitted = []
    monkeypatch.setattr(StatementForecaster, "_base_forecaster", lambda self: fitted.append(1))
    with pytest.raises(DataContractError, match=r"27 series \(5 leaves and their parents, 3 lines each\): too many "
                                                r"for reconcile='mint_shrink'.*Use reconcile='bottom_up'"):
        StatementForecaster(model="naive", horizon=2, freq="MS").fit(make_pnl(), **FIT)
    assert not fitted
    monkeypatch.undo()
    monkeypatch.setattr(methods, "MAX_PROJECTED_SERIES", 20)
    statement = StatementForecaster(model="naive", horizon=2, freq="MS", reconcile="bottom_up").fit(
        make_pnl(), **FIT).predict()
    check_coherent(statement, "forecast")


def test_numbered_nodes_come_in_number_order():
    # Walmart's stores as text ran 1, 10, 11, ..., 2 down the statement and its sheets
    numbers = {"A": "2", "B": "10", "C": "1", "D": "Store 9", "E": "Store 11"}
    data = make_pnl().assign(store=lambda f: f["store"].map(numbers))
    model = StatementForecaster(model="naive", horizon=2, freq="MS").fit(data, **FIT)
    expected = ["1", "2", "10", "Store 9", "Store 11"]
    statement = model.predict()
    assert list(dict.fromkeys(statement.loc[statement["level"] == "store", "node"])) == expected
    assert list(dict.fromkeys(model.report_tables().levels["store"]["node"])) == expected


def test_whole_number_ids_held_as_floats_name_the_same_nodes():
    # a plan read from a sheet with a blank cell holds department 1 as 1.0: its rows matched no 'A / 1' leaf
    data = departments(make_pnl()).assign(dept=lambda f: f["dept"].astype(int))
    future = pd.DataFrame([(s, float(d), m, 1) for s in REGION_OF for d in (1, 2)
                           for m in pd.date_range("2023-07-01", periods=2, freq="MS")],
                          columns=["store", "dept", "month", "promo"])
    model = StatementForecaster(model="naive", horizon=2, freq="MS").fit(
        data, **{**FIT, "id_col": ["store", "dept"]}, known_cols=["promo"])
    assert "A / 1" in set(model.predict(known_future=future)["node"])
    numbered = make_pnl().assign(store=lambda f: f["store"].map({s: float(i) for i, s in enumerate(REGION_OF, 1)}),
                                 region=lambda f: f["region"].map({"North": 1.0, "South": 2.0, "East": 3.0}))
    statement = StatementForecaster(model="naive", horizon=2, freq="MS").fit(numbered, **FIT).predict()
    assert list(dict.fromkeys(statement.loc[statement["level"] == "store", "node"])) == ["1", "2", "3", "4", "5"]
    assert list(dict.fromkeys(statement.loc[statement["level"] == "region", "node"])) == ["1", "2", "3"]
