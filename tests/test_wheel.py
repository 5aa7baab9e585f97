"""The wheel runs the demo: built from this checkout, installed into a fresh virtual environment, `bizai demo` works
from an empty folder with the sample data and the dashboard it carries (issue #9).

The fresh environment borrows the test environment's installed dependencies through a .pth file (no download),
but not its bizai: the package under test is the wheel's copy in the new site-packages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]


def test_the_package_list_names_every_bizai_package():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "bizai").rglob("__init__.py")}
    assert found <= listed, f"add {sorted(found - listed)} to [tool.setuptools] packages in pyproject.toml"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its bin folder."""
    folder = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(folder / "dist"), str(REPO)], check=True, timeout=300, cwd=folder)
    wheel = next((folder / "dist").glob("bizai-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", str(folder / "env")], check=True, timeout=120)
    site = next((folder / "env" / "lib").glob("python3*/site-packages"))
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(folder / "env" / "bin" / "python"), "-m", "pip", "install", "--no-deps", "-q", str(wheel)],
                   check=True, timeout=300)
    return folder / "env" / "bin"


def test_the_installed_wheel_carries_its_sample_data_and_dashboard(installed, tmp_path):
    probe = subprocess.run([str(installed / "python"), "-c",
                            "import bizai, bizai.samples as s; print(bizai.__file__); print(s.SAMPLE_DATA); "
                            "print(s.DASHBOARDS)"], capture_output=True, text=True, check=True, cwd=tmp_path)
    package, data, dashboards = (Path(line) for line in probe.stdout.split())
    assert installed.parent in package.parents  # the wheel's copy, not the checkout
    assert data == package.parent / "sample_data" and (data / "events.parquet").is_file()
    assert (dashboards / "app.py").is_file() and (dashboards / "views" / "monitor.py").is_file()


def test_bizai_demo_runs_from_the_installed_wheel_in_an_empty_folder(installed, tmp_path):
    env = {**os.environ, "BIZAI_QUIET": "1"}
    result = subprocess.run([str(installed / "bizai"), "demo", "--quiet"], capture_output=True, text=True,
                            cwd=tmp_path, env=env, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    outputs = tmp_path / "bizai-demo"
    assert len(pd.read_parquet(outputs / "forecasts.parquet")) > 0
    assert pd.read_parquet(outputs / "recommendations.parquet")["user_id"].nunique() == 3000
    assert (outputs / "forecast_pnl.xlsx").is_file() and (outputs / "models" / "recs" / "meta.json").is_file()
