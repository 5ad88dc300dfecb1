"""`kappa stream` killed (SIGKILL) in the middle of a batch, then restarted: the tables end
identical to what `dbt build` gives (an uninterrupted run gives the same, test_stream_spark),
with no duplicate keys (parity compares multisets of rows)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from kappa import loader
from kappa.settings import Settings
from spark_streaming import parity
from spark_streaming.plan import compile_models
from spark_streaming.session import FAST_JVM

from support.data import KAPPA_CLI, SAMPLE_FEEDS

KAPPA = KAPPA_CLI


def start_stream(
    tmp_path: Path, log: Path, *extra: str, max_captures: int = 2, sinks: str = "postgres"
) -> subprocess.Popen:
    env = {
        **os.environ,
        "KAPPA_SPARK_SCRATCH": str(tmp_path / "spark"),
        "KAPPA_HOME": str(tmp_path),
        "KAPPA_LAKE": str(tmp_path / "lake"),
        # a few batches on a cold JVM: the C1-only JIT starts and runs them sooner
        "KAPPA_SPARK_JVM_OPTIONS": FAST_JVM,
    }
    command = [
        KAPPA,
        "stream",
        "--sinks",
        sinks,
        "--master",
        "local[2]",
        "--max-captures-per-batch",
        str(max_captures),
        "--checkpoint",
        str(tmp_path / "checkpoint"),
        *extra,
    ]
    with log.open("w") as out:
        # own process group: the JVM it starts dies with it
        return subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def wait_for(log: Path, text: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text():
        assert process.poll() is None, f"stream exited early:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{text!r} not logged:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)


def test_sigkill_mid_batch_then_restart_gives_the_same_tables(conn, tmp_path):
    loader.load_paths(conn, sorted(SAMPLE_FEEDS.iterdir()), None)
    log = tmp_path / "first.log"
    process = start_stream(tmp_path, log, "--trigger", "200ms")
    try:
        wait_for(log, "batch 0:", process)
        time.sleep(1.0)  # batch 1 is being transformed/written
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert "batch 3:" not in log.read_text()

    second = tmp_path / "second.log"
    # the killed batch is replayed with its logged offsets (2 captures), the rest in one batch
    restarted = start_stream(tmp_path, second, "--available-now", max_captures=8)
    assert restarted.wait(timeout=600) == 0, second.read_text()[-3000:]
    settings = Settings.from_env()
    results = parity.check(compile_models(settings).tables, settings)
    assert [result.line() for result in results if not result.ok] == []


def test_sigkill_between_the_postgres_and_the_delta_commit(conn, spark, tmp_path):
    """Killed after Postgres committed a batch and before the Delta writer merged it from the
    outbox, then restarted: both sinks equal `dbt build`."""
    loader.load_paths(conn, sorted(SAMPLE_FEEDS.iterdir()), None)
    both = "postgres,delta"
    log = tmp_path / "first.log"
    triggers = ("--trigger", "200ms", "--delta-trigger", "200ms")
    process = start_stream(tmp_path, log, *triggers, sinks=both)
    try:
        wait_for(log, "postgres batch 0:", process)  # committed to Postgres
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert "delta writer: child process" in log.read_text()  # as on every local master
    assert "delta batch 0:" not in log.read_text()  # not (all) in the lake yet
    outbox = tmp_path / "checkpoint" / "postgres+delta.delta-outbox"
    assert [path.name for path in outbox.iterdir()][:1] == ["000000000000"]  # kept for Delta

    second = tmp_path / "second.log"
    restarted = start_stream(tmp_path, second, "--available-now", max_captures=8, sinks=both)
    assert restarted.wait(timeout=600) == 0, second.read_text()[-3000:]
    settings = Settings.from_env()
    lake = {"delta": tmp_path / "lake"}
    results = parity.check(compile_models(settings).tables, settings, delta_lakes=lake, spark=spark)
    assert [result.line() for result in results if not result.ok] == []
