"""End to end in a real browser: Debian's chromium driven by Playwright, against `streamlit run` on a local port.
Screenshots go to tests/artifacts/ (ignored by git)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian chromium: run scripts/install-browser.sh"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def dashboard_url():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboards" / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, "BIZAI_QUIET": "1"})
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        process.kill()
        pytest.fail("the dashboard did not start within 90 s")
    yield url
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def saved_naive_forecaster(tmp_path_factory):
    """A naive forecaster saved from the sample P&L, for the load-then-train steps."""
    import pandas as pd

    from bizai.finance import ProfitForecaster
    from bizai.samples import SAMPLE_DATA

    folder = tmp_path_factory.mktemp("models")
    history = pd.read_csv(SAMPLE_DATA / "pnl_monthly.csv")
    ProfitForecaster(model="naive", horizon=6).fit(
        history, id_col="store_id", time_col="month", target_col="profit").save(folder / "naive")
    return folder


def launch(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--no-first-run"])


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` (typing opens the list even when the click only focused it)."""
    box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label).first
    idle(page)
    box.click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()


def load_saved_model(page, dashboard_url: str, folder: Path) -> None:
    """On the Models page, list `folder` and load the model in it (the sample's naive forecaster)."""
    from playwright.sync_api import expect

    page.goto(f"{dashboard_url}/models")
    folder_box = page.get_by_label("Folder to look in")
    folder_box.fill(str(folder))
    folder_box.press("Enter")
    page.get_by_role("button", name="Load this model").click()
    expect(page.get_by_text("Loaded naive")).to_be_visible(timeout=60_000)


def idle(page) -> None:
    """Wait until the script run is over (Streamlit's Stop button is gone): a click during a rerun is lost."""
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="Stop")).to_have_count(0, timeout=120_000)


def test_train_forecast_then_recommend_in_a_browser(dashboard_url, saved_naive_forecaster):
    import openpyxl
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        started = time.perf_counter()
        page.goto(dashboard_url)
        expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=60_000)
        first_render = time.perf_counter() - started
        page.screenshot(path=str(ARTIFACTS / "1-data.png"), full_page=True)

        page.goto(f"{dashboard_url}/forecast")
        expect(page.get_by_text("Expected training time")).to_be_visible(timeout=60_000)  # said before training
        page.get_by_role("button", name="Train forecast").click()
        page.get_by_role("button", name="Cancel training").click(timeout=60_000)  # stops at the next step
        expect(page.get_by_text("Training cancelled")).to_be_visible(timeout=60_000)
        idle(page)
        page.get_by_role("button", name="Train forecast").click()
        chart = page.locator(".vega-embed").first
        expect(chart).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Trained lightgbm")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Deploy")).to_have_count(0)  # client.toolbarMode = viewer
        idle(page)
        page.screenshot(path=str(ARTIFACTS / "2-forecast.png"), full_page=True)
        with page.expect_download(timeout=60_000) as download:
            page.get_by_role("button", name="Download Excel").click()
        saved = ARTIFACTS / download.value.suggested_filename
        download.value.save_as(saved)
        workbook = openpyxl.load_workbook(saved)
        assert workbook.sheetnames == ["forecasts-lightgbm", "by period"]
        assert workbook["by period"]["A2"].value == "S001"

        # Load a saved model, then train another on the Forecast page: the one trained is the one shown.
        load_saved_model(page, dashboard_url, saved_naive_forecaster)
        page.get_by_role("link", name="Forecast").click()  # the sidebar keeps the session; goto would not
        expect(page.get_by_text("Showing naive (loaded from")).to_be_visible(timeout=60_000)
        model_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Model").first
        idle(page)
        model_box.click()
        page.keyboard.type("seasonal_naive")
        page.get_by_role("option", name="seasonal_naive").click()
        page.get_by_role("button", name="Train forecast").click()
        expect(page.get_by_text("Showing seasonal_naive (trained here")).to_be_visible(timeout=120_000)

        page.goto(f"{dashboard_url}/recommendations")
        page.get_by_role("button", name="Train recommender").click()
        expect(page.get_by_text("because the customer had")).to_be_visible(timeout=120_000)
        customer = page.locator('[data-testid="stSelectbox"]').filter(has_text="Customer (type to search)")
        customer.click()
        page.keyboard.type("U00042")
        page.get_by_role("option", name="U00042").click()
        expect(customer.locator("input")).to_have_value("U00042", timeout=30_000)
        expect(page.get_by_text("because the customer had")).to_be_visible(timeout=60_000)
        # the screenshot shows the chosen customer, not the rerun in progress: the status is complete again
        expect(page.get_by_text(re.compile(r"customers, [\d,]+ items \(fitted"))).to_be_visible(timeout=60_000)
        idle(page)
        page.wait_for_timeout(2000)  # the tables' canvas paints after the run ends (a picture only, no assertion)
        page.screenshot(path=str(ARTIFACTS / "3-recommendations.png"), full_page=True)
        # Switch recommender: the evaluation on screen is always of the model on screen.
        page.get_by_role("button", name="Evaluate against popularity (leave-last-out)").click()
        expect(page.get_by_text(re.compile(r"^als (is|beats)"))).to_be_visible(timeout=120_000)
        rec_box = page.locator('[data-testid="stSelectbox"]').filter(has_text="Model").first
        idle(page)
        rec_box.click()
        page.keyboard.type("itemknn")  # typing opens the list even when the click only focused the box
        page.get_by_role("option", name="itemknn").click()
        page.get_by_role("button", name="Train recommender").click()
        expect(page.get_by_text("Showing itemknn (trained here")).to_be_visible(timeout=120_000)
        expect(page.get_by_text(re.compile(r"^als (is|beats)"))).to_have_count(0)
        page.get_by_role("button", name="Evaluate against popularity (leave-last-out)").click()
        expect(page.get_by_text(re.compile(r"^itemknn (is|beats)"))).to_be_visible(timeout=120_000)
        browser.close()
    (ARTIFACTS / "timings.txt").write_text(f"first render s: {first_render:.2f}\n")
    assert first_render < 60


def test_statement_monitor_and_models_pages_in_a_browser(dashboard_url, saved_naive_forecaster, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{dashboard_url}/statement")
        expect(page.get_by_role("button", name="Forecast the statement")).to_be_visible(timeout=60_000)
        choose(page, "Model", "seasonal_naive")
        page.get_by_role("button", name="Forecast the statement").click()
        expect(page.get_by_text(re.compile(r"^Statement ready in"))).to_be_visible(timeout=120_000)
        expect(page.get_by_text("Least well calibrated")).to_be_visible(timeout=60_000)
        expect(page.get_by_role("button", name="Download the Excel workbook")).to_be_visible()
        idle(page)
        page.screenshot(path=str(ARTIFACTS / "4-statement.png"), full_page=True)

        page.goto(f"{dashboard_url}/monitor")
        ledger = page.get_by_role("textbox", name="Ledger folder")
        ledger.fill(str(tmp_path / "ledger"))
        ledger.press("Enter")
        expect(page.get_by_text("No ledger at")).to_be_visible(timeout=60_000)
        choose(page, "Model for the backfill", "seasonal_naive")
        page.get_by_role("button", name="Backfill the ledger from the data in use").click()
        expect(page.get_by_role("heading", name="Accuracy by night and horizon")).to_be_visible(timeout=120_000)
        # exact: the ledger table has a "forecasts judged" column that a loose match also finds
        expect(page.get_by_text("Forecasts judged", exact=True)).to_be_visible()
        idle(page)
        page.screenshot(path=str(ARTIFACTS / "5-monitor.png"), full_page=True)

        load_saved_model(page, dashboard_url, saved_naive_forecaster)
        expect(page.get_by_text("Frequency", exact=True)).to_be_visible()
        idle(page)
        page.screenshot(path=str(ARTIFACTS / "6-models.png"), full_page=True)
        browser.close()


def test_a_wide_sheet_uploaded_on_the_data_page_is_read_one_row_per_store_and_month(dashboard_url, tmp_path):
    # a finance sheet: a row per store and line (revenue, cost, promo_days), a column per month
    import pandas as pd
    from playwright.sync_api import expect, sync_playwright

    from bizai.samples import SAMPLE_DATA

    history = pd.read_csv(SAMPLE_DATA / "pnl_monthly.csv", dtype={"store_id": str}, parse_dates=["month"])
    lines = history.melt(id_vars=["region", "store_id", "month"], value_vars=["revenue", "cost", "promo_days"],
                         var_name="line")
    sheet = lines.assign(month=lines["month"].dt.strftime("%b-%y")).pivot(
        index=["region", "store_id", "line"], columns="month", values="value")
    months = sorted(sheet.columns, key=lambda m: pd.to_datetime(m, format="%b-%y"))
    sheet[months].reset_index().to_csv(tmp_path / "pnl_sheet.csv", index=False)
    with sync_playwright() as playwright:
        browser = launch(playwright)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(dashboard_url)
        expect(page.get_by_role("heading", name="Data")).to_be_visible(timeout=60_000)
        page.locator('[data-testid="stFileUploader"]').first.locator("input[type=file]").set_input_files(
            str(tmp_path / "pnl_sheet.csv"))
        expect(page.get_by_text(f"one column per period ({len(months)}, from Jan-20")).to_be_visible(timeout=60_000)
        idle(page)
        choose(page, "Value to forecast", "revenue")
        page.get_by_role("button", name="Use this data").first.click()
        expect(page.get_by_text(re.compile(r"^40 series at frequency MS"))).to_be_visible(timeout=60_000)
        idle(page)
        # the transposed sheet: a row per month, a column per store
        history.pivot(index="month", columns="store_id", values="profit").reset_index().to_csv(
            tmp_path / "stores_across.csv", index=False)
        page.locator('[data-testid="stFileUploader"]').first.locator("input[type=file]").set_input_files(
            str(tmp_path / "stores_across.csv"))
        page.get_by_text("Each column but 'month' is one entity's figures").click(timeout=60_000)
        idle(page)
        page.get_by_role("button", name="Use this data").first.click()
        expect(page.get_by_text(re.compile(r"^40 series at frequency MS"))).to_be_visible(timeout=60_000)
        browser.close()
