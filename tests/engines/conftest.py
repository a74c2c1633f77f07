"""One Spark session for every Spark test (local mode, small shuffles, no UI); skipped only without Java/PySpark."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    from kefu.engines.spark import spark_unavailable_reason

    reason = spark_unavailable_reason()
    if reason:
        pytest.skip(f"Spark 引擎测试跳过 / Spark tests skipped: {reason}")
    from kefu.engines.spark import spark_session

    # One session serves every Spark test: each test's cached models are released, but the JVM's managed
    # memory is reclaimed lazily, and with the default 2g the later parity cases ran out of it.
    session = spark_session("local[2]", shuffle_partitions=2, driver_memory="4g")
    yield session
    session.stop()
