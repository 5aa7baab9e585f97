"""Getting a SparkSession bizai can use, and turning executor failures back into bizai's own errors.

Spark needs Java 17 or newer; a missing or old Java is reported in one line saying what to install, instead
of py4j's "Java gateway process exited". Executors run the project's own interpreter (PYSPARK_PYTHON), so
they unpickle bizai models with the same library versions as the driver.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

from bizai import errors
from bizai.errors import BizaiError, MissingExtraError
from bizai.extras import require

MIN_JAVA = 17
LOG_SETTINGS = Path(__file__).with_name("log4j2.properties")
JAVA_HINT = ("install Java 17 or newer (Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless) or point "
             "JAVA_HOME at one")
# Settings for a session bizai starts itself; a session the caller already has is used as it is.
LOCAL_SETTINGS = {
    "spark.ui.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.shuffle.partitions": "8",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "4g",
}


def java_version(java: str) -> int | None:
    """The major version `java -version` reports (8 for "1.8.0_x"), or None when it cannot be read."""
    try:
        shown = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', shown)
    if not match:
        return None
    first = int(match[1])
    return int(match[2] or 0) if first == 1 else first


def check_java() -> None:
    """Refuse to start Spark without a usable Java, in one line saying what to install."""
    home = os.environ.get("JAVA_HOME")
    java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        where = f"JAVA_HOME={home} has no bin/java" if home else "no java on PATH"
        raise MissingExtraError(f"Spark needs Java {MIN_JAVA}+ ({where}): {JAVA_HINT}.")
    version = java_version(java)
    if version is not None and version < MIN_JAVA:
        raise MissingExtraError(f"Spark needs Java {MIN_JAVA}+, found Java {version} at {java}: {JAVA_HINT}.")


def get_session(master: str | None = None, app_name: str = "bizai", show_progress: bool = True):
    """The active SparkSession, or a new one on `master` (default local[*]) with bizai's local settings
    (show_progress=False hides Spark's console progress bar). Sessions bizai starts log JVM errors only
    (log4j2.properties beside this module): failures reach the caller as exceptions (see executor_errors)."""
    require("pyspark", "the Spark engine")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None and master is None:
        return active
    check_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = SparkSession.builder.master(master or "local[*]").appName(app_name)
    settings = {**LOCAL_SETTINGS, "spark.ui.showConsoleProgress": str(bool(show_progress)).lower(),
                # a larger thread stack: Spark serialises a task's lineage recursively (see mllib_als)
                "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={LOG_SETTINGS.as_uri()} -Xss8m"}
    for key, value in settings.items():
        builder = builder.config(key, value)
    with warnings.catch_warnings():  # pyspark 4.x warns about pandas 3 on every import; bizai's tests cover it
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
        return builder.getOrCreate()


# "bizai.errors.DataContractError: message" as it appears in an executor's traceback.
EXECUTOR_ERROR = re.compile(r"bizai\.errors\.(\w+): (.*?)(?:\n\n|\n\s*at |\n\t|\Z)", re.S)


@contextlib.contextmanager
def executor_errors() -> Iterator[None]:
    """Raise a bizai error that happened on an executor as the same bizai error on the driver, with its own
    message rather than pages of JVM trace; anything else passes through unchanged."""
    from pyspark.errors import PySparkException

    try:
        with warnings.catch_warnings():  # toPandas repeats the executor's traceback as a warning first
            warnings.filterwarnings("ignore", message="toPandas attempted Arrow optimization")
            yield
    except PySparkException as exc:
        match = EXECUTOR_ERROR.search(str(exc))
        cls = getattr(errors, match[1], None) if match else None
        if cls is None or not (isinstance(cls, type) and issubclass(cls, BizaiError)):
            raise
        raise cls(f"{match[2].strip()} (raised on a Spark executor)") from None
