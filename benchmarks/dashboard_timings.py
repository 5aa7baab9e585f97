"""Dashboard timings on the sample data: first render of each page and training the default models, measured
through streamlit.testing.v1.AppTest (the server-side work; the browser test records first paint separately).

    python benchmarks/dashboard_timings.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd
from report import write_report
from streamlit.testing.v1 import AppTest

VIEWS = Path(__file__).resolve().parents[1] / "dashboards" / "views"
sys.path.insert(0, str(VIEWS.parent))
RESULTS = Path(__file__).parent / "results" / "dashboard.md"


def timed(action) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    rows = []
    data = AppTest.from_file(str(VIEWS / "data.py"), default_timeout=600)
    rows.append({"step": "Data page, first render (loads both sample data sets)", "seconds": timed(data.run)})
    forecast = AppTest.from_file(str(VIEWS / "forecast.py"), default_timeout=600)
    rows.append({"step": "Forecast page, first render", "seconds": timed(forecast.run)})
    rows.append({"step": "Train default forecast (lightgbm, 40 stores, 6 months) and draw",
                 "seconds": timed(lambda: forecast.button[0].click().run())})
    recs = AppTest.from_file(str(VIEWS / "recommendations.py"), default_timeout=600)
    recs.run()
    rows.append({"step": "Train default recommender (ALS, 3,000 customers) and show one customer",
                 "seconds": timed(lambda: recs.button[0].click().run())})
    for app in (data, forecast, recs):
        assert not app.exception, app.exception
    write_report(RESULTS, "Dashboard timings on the sample data",
                 "Server-side time through Streamlit's AppTest, CPU only; a cold start (no cache).", pd.DataFrame(rows))


if __name__ == "__main__":
    main()
