"""The README's Python tour runs as written, with small models in place of the slow ones: a renamed argument or
method, or an example that no longer works (as `fc.plot(id="S001")` on a model with known covariates did), fails
here. The Spark example needs a cluster's paths and is covered by tests/spark."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Each slow setting of the tour and the small one it runs with here; every one must still be in the README.
QUICK = {
    'ProfitForecaster(model="lightgbm",': 'ProfitForecaster(model="lightgbm", model_params={"n_estimators": 20},',
    'StatementForecaster(model="lightgbm",': 'StatementForecaster(model="lightgbm", model_params={"n_estimators": 10},',
    "SASRecRecommender(random_state=0)": "SASRecRecommender(random_state=0, architecture=SASRecArchitecture("
                                         "hidden=16, layers=1, max_length=20), training=SASRecTraining(epochs=1))",
}


def tour_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    source = "\n".join(block for block in blocks if "bizai.spark" not in block)
    for slow, quick in QUICK.items():
        assert slow in source, f"the README's tour no longer holds {slow!r}: update QUICK"
        source = source.replace(slow, quick)
    return "from bizai.recsys import SASRecArchitecture, SASRecTraining\n" + source


def test_the_readme_python_tour_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sample_data").symlink_to(ROOT / "sample_data")
    scope: dict = {}
    exec(compile(tour_source(), str(ROOT / "README.md"), "exec"), scope)  # noqa: S102 - the README's own code
    assert (tmp_path / "models" / "profit" / "meta.json").is_file()
    assert (tmp_path / "forecast_pnl.xlsx").is_file() and (tmp_path / "forecast_pnl.html").is_file()
    assert {"forecast", "p10", "p90"} <= set(scope["pred"].columns) and len(scope["statement"])
