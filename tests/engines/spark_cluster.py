"""A Spark standalone cluster (a master and two workers) and a Spark Connect server on 127.0.0.1, for tests.

Both run the Spark that PySpark ships, each daemon in a process group of its own so that stopping it
also ends the executors its workers started; ports are free ones chosen at start.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT_S = 120.0
"""How long a daemon may take to be ready (two cores shared with other work can make a JVM start slow)."""

# Each daemon's and each application's memory is bounded: a master, two workers, two applications' executors
# and a Connect server's driver together stay under 4 GiB.
DAEMON_MEMORY = "256m"
WORKER_MEMORY = "1g"
EXECUTOR_MEMORY = "512m"
CONNECT_DRIVER_MEMORY = "1g"


def spark_home() -> Path:
    """The Spark distribution inside the installed pyspark package."""
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Daemon:
    """A started Spark process, the head of its own process group, writing to its log file."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        """The last lines of the daemon's log."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""
        return f"--- {self.name} ({self.log}) ---\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """End the daemon and every process it started (executors, the JVM under a launcher script)."""
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait()
        # The launcher may have ended before the processes of its group (a worker's executors).
        _signal_group(self.process.pid, signal.SIGKILL)


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def daemon_env(conf_dir: Path) -> dict[str, str]:
    """The environment of every Spark process here: loopback only, bounded memory, this Python, its own config."""
    # Without the options an engine started in this process may have set (its driver's quiet logging).
    env = {k: v for k, v in os.environ.items() if k != "SPARK_SUBMIT_OPTS"}
    return {**env, "SPARK_HOME": str(spark_home()), "SPARK_CONF_DIR": str(conf_dir),
            "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_DAEMON_MEMORY": DAEMON_MEMORY,
            "PYSPARK_PYTHON": sys.executable, "PYSPARK_DRIVER_PYTHON": sys.executable}


def start_daemon(name: str, argv: list[str], logs: Path, env: dict[str, str]) -> Daemon:
    """Start a Spark process in a new process group, its output into logs/<name>.log."""
    log = logs / f"{name}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                                   start_new_session=True)
    return Daemon(name, process, log)


def wait_until(ready: Callable[[], bool], what: str, daemons: list[Daemon], timeout: float = START_TIMEOUT_S) -> None:
    """Poll `ready` until it holds; fail with the daemons' log tails when one of them ends or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        ended = [d for d in daemons if d.process.poll() is not None]
        if ended or time.monotonic() > deadline:
            why = f"{ended[0].name} exited with {ended[0].process.returncode}" if ended else f"not in {timeout:.0f} s"
            raise RuntimeError(f"{what}: {why}\n" + "\n".join(d.tail() for d in daemons))
        time.sleep(0.2)


@dataclass
class Cluster:
    """A running standalone cluster: its master URL, the web UI's JSON, and the environment a driver needs."""

    root: Path
    """The folder of its config, logs and the workers' work folders (each executor's log)."""
    master_url: str
    web_url: str
    env: dict[str, str]
    daemons: list[Daemon] = field(default_factory=list)

    def state(self) -> dict[str, Any]:
        """The master's view of the cluster (workers, running and completed applications)."""
        with urllib.request.urlopen(f"{self.web_url}/json/", timeout=5) as response:
            state: dict[str, Any] = json.load(response)
        return state

    def alive_workers(self) -> int:
        """How many workers the master sees ALIVE (0 while the master is not up yet)."""
        try:
            return sum(w["state"] == "ALIVE" for w in self.state()["workers"])
        except OSError:
            return 0

    def logs(self) -> str:
        """The tails of every daemon's log, for a failure message."""
        return "\n".join(d.tail() for d in self.daemons)


def write_conf(conf_dir: Path, executor_memory: str = EXECUTOR_MEMORY, small: bool = True) -> Path:
    """A Spark config folder for the drivers and daemons here: bounded executor memory, small shuffles (small)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    # Spark's default of 200 shuffle partitions makes thousands of tasks of the tests' few rows, each a round
    # trip between driver and executor: two, one for each executor's core.
    shuffles = "spark.sql.shuffle.partitions 2\n" if small else ""
    (conf_dir / "spark-defaults.conf").write_text(f"spark.executor.memory {executor_memory}\n{shuffles}",
                                                  encoding="utf-8")
    return conf_dir


@contextmanager
def standalone_cluster(root: Path, workers: int = 2, worker_memory: str = WORKER_MEMORY,
                       executor_memory: str = EXECUTOR_MEMORY, small: bool = True) -> Iterator[Cluster]:
    """A master and `workers` one-core workers on 127.0.0.1, stopped (with their executors) on leaving.

    The tests' defaults bound memory and shuffles for their few rows; a benchmark gives more of both.
    """
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = daemon_env(write_conf(root / "conf", executor_memory, small))
    spark_class = str(spark_home() / "bin" / "spark-class")
    port, web_port = free_port(), free_port()
    cluster = Cluster(root, f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{web_port}", env)
    with ExitStack() as stack:
        def start(name: str, argv: list[str]) -> None:
            daemon = start_daemon(name, argv, logs, env)
            cluster.daemons.append(daemon)
            stack.callback(daemon.stop)

        start("master", [spark_class, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
                         "--port", str(port), "--webui-port", str(web_port)])
        for i in range(1, workers + 1):
            work_dir = root / f"worker{i}"
            work_dir.mkdir(exist_ok=True)
            start(f"worker{i}", [spark_class, "org.apache.spark.deploy.worker.Worker", cluster.master_url,
                                 "--host", "127.0.0.1", "--webui-port", "0", "--cores", "1",
                                 "--memory", worker_memory, "--work-dir", str(work_dir)])
        wait_until(lambda: cluster.alive_workers() == workers, f"Spark standalone cluster ({workers} workers ALIVE)",
                   cluster.daemons)
        yield cluster


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def connect_server(root: Path, cluster: Cluster) -> Iterator[str]:
    """A Spark Connect server whose applications run on `cluster`; yields its sc:// URL, stopped on leaving."""
    logs = root / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [str(spark_home() / "bin" / "spark-submit"), "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer", "--name", "kefu-connect",
            "--master", cluster.master_url,
            # One of the two cores, so that a report run on the cluster beside it still gets an executor.
            "--conf", "spark.cores.max=1", "--conf", f"spark.connect.grpc.binding.port={port}",
            "--conf", "spark.connect.grpc.binding.address=127.0.0.1", "--conf", "spark.ui.enabled=false"]
    # The launcher sizes a Connect server's JVM as a daemon's.
    server = start_daemon("connect", argv, logs, {**cluster.env, "SPARK_DAEMON_MEMORY": CONNECT_DRIVER_MEMORY})
    try:
        wait_until(lambda: _listening(port), "Spark Connect server", [server])
        yield f"sc://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session", name="spark_cluster")
def cluster_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One standalone cluster for the session; skipped only without Java or PySpark."""
    from kefu.engines.spark import spark_unavailable_reason

    reason = spark_unavailable_reason()
    if reason:
        pytest.skip(f"Spark 集群测试跳过 / Spark cluster tests skipped: {reason}")
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster")) as cluster:
        yield cluster


@pytest.fixture(scope="session", name="spark_connect")
def connect_fixture(spark_cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sc:// URL of one Spark Connect server on the session's cluster."""
    from kefu.engines.spark import spark_unavailable_reason

    reason = spark_unavailable_reason(connect=True)
    if not reason and not list((spark_home() / "jars").glob("spark-connect_*.jar")):
        reason = "PySpark 不含 Spark Connect 服务 / this PySpark ships no Spark Connect server"
    if reason:
        pytest.skip(f"Spark Connect 测试跳过 / Spark Connect tests skipped: {reason}")
    with connect_server(tmp_path_factory.mktemp("spark-connect"), spark_cluster) as url:
        yield url
