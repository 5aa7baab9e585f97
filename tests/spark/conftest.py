"""One local[2] SparkSession for every Spark test. The set-up (make setup / .ci/run) installs pyspark and Java:
a machine without them fails here with the line saying what to install, rather than skipping."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    from bizai.spark import get_session

    session = get_session("local[2]", app_name="bizai-tests", show_progress=False)
    yield session
    session.stop()
