"""The light core works without PyTorch, Streamlit, Altair and MLflow, and asking for an optional part names the
extra that brings it, in one line (issue #9). The extras are hidden from a subprocess by an import blocker."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BLOCKER = textwrap.dedent('''
    import sys
    sys.path.insert(0, {root!r})  # this checkout's tests package, not one a dependency installed
    HIDDEN = ("torch", "lightning", "pytorch_forecasting", "streamlit", "altair", "vl_convert", "mlflow")
    class Hide:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in HIDDEN:
                raise ImportError(f"No module named {{name!r}}")
    sys.meta_path.insert(0, Hide())
''')


def run_without_extras(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    root = str(Path(__file__).resolve().parents[1])
    script.write_text(BLOCKER.format(root=root) + textwrap.dedent(code))
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "BIZAI_QUIET": "1"}, cwd=Path(__file__).resolve().parents[1])


def test_the_core_forecasts_recommends_and_writes_statements_without_the_extras(tmp_path):
    result = run_without_extras(f'''
        from bizai.finance import ProfitForecaster, StatementForecaster
        from bizai.recsys import ALSRecommender
        from tests.conftest import make_panel, FIT_COLUMNS
        from tests.recsys.conftest import make_events
        history, future = make_panel()
        forecast = ProfitForecaster(model="lightgbm", horizon=3, model_params={{"n_estimators": 10}}).fit(
            history, **FIT_COLUMNS).predict(known_future=future)
        recs = ALSRecommender(factors=8, iterations=2).fit(make_events(), user_col="user_id", item_col="item_id")
        print(len(forecast), len(recs.recommend(k=3)))
        statement = StatementForecaster(model="naive", horizon=2).fit(history, id_col="store", time_col="month",
                                                                       lines=["profit"], hierarchy=["region"])
        statement.to_excel(r"{tmp_path / 'pnl.xlsx'}")
        for name in ("torch", "streamlit", "altair"):
            assert name not in sys.modules, name
        print("ok")
    ''', tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["15", "180", "ok"]


@pytest.mark.parametrize("call,extra", [
    ("ProfitForecaster(model='tft').fit(history, **FIT_COLUMNS)", "deep"),
    ("build_recommender('sasrec')", "deep"),
    ("ProfitForecaster(model='naive').fit(history, **FIT_COLUMNS).plot()", "report"),
])
def test_asking_for_an_optional_part_names_its_extra(call, extra, tmp_path):
    result = run_without_extras(f'''
        from bizai.errors import MissingExtraError
        from bizai.finance import ProfitForecaster
        from bizai.recsys.registry import build_recommender
        from tests.conftest import make_panel, FIT_COLUMNS
        history, future = make_panel()
        try:
            {call}
        except MissingExtraError as error:
            print(error)
    ''', tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"pip install 'bizai[{extra}]'.") and len(result.stdout.strip().splitlines()) == 1


def test_the_cli_names_the_extra_and_exits_2(tmp_path):
    result = run_without_extras('''
        import sys
        sys.argv = ["bizai", "dashboard"]
        from bizai.cli.main import run
        run()
    ''', tmp_path)
    assert result.returncode == 2 and "pip install 'bizai[dashboard]'" in result.stderr
