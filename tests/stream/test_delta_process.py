"""The Delta writer's child process (spark_streaming/delta_process.py): where it runs, and that
it never outlives the stream. Its writes are checked end to end by the crash tests
(tests/stream/test_crash.py: `kappa stream` on a local master, killed, restarted, both sinks
equal to `dbt build`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from spark_streaming.delta_process import child_process_master

# A stream stand-in: starts the Delta writer's child, prints its pid, then waits to be killed.
PARENT = """
import sys, time
from pathlib import Path
from spark_streaming.delta_process import DeltaWriterProcess
from spark_streaming.outbox import DeltaOutbox

writer = DeltaWriterProcess([], DeltaOutbox(Path(sys.argv[1])), 30.0, 1, "local[1]")
writer.start()
print(writer.pid, flush=True)
time.sleep(600)
"""


def test_child_process_only_on_a_local_master_outside_spark_submit(monkeypatch):
    monkeypatch.delenv("PYSPARK_GATEWAY_PORT", raising=False)
    assert child_process_master("local[2]") == "local[2]"
    assert child_process_master("local[*]") == "local[*]"
    assert child_process_master("spark://cluster:7077") is None
    monkeypatch.setenv("PYSPARK_GATEWAY_PORT", "40000")  # under spark-submit: a driver thread
    assert child_process_master("local[2]") is None


def _exited(pid: int) -> bool:
    """Gone, or a zombie nobody reaped yet (an orphan in a container without init)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def test_the_child_exits_when_the_stream_is_killed(tmp_path):
    stream = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(tmp_path / "outbox")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        child = int(stream.stdout.readline())
        time.sleep(1.0)
        assert not _exited(child)  # starting its JVM, waiting for batches
    finally:
        os.kill(stream.pid, signal.SIGKILL)
        stream.wait(timeout=30)
    deadline = time.monotonic() + 60
    while not _exited(child):
        assert time.monotonic() < deadline, f"delta writer {child} outlived its stream"
        time.sleep(0.2)


def test_a_stuck_child_is_killed_by_stop(tmp_path):
    """A child that does not answer the stop (here: stopped by SIGSTOP) is killed after the
    timeout, and the writer's error says so; the stop does not hang."""
    from spark_streaming.delta_process import DeltaWriterProcess
    from spark_streaming.outbox import DeltaOutbox

    writer = DeltaWriterProcess([], DeltaOutbox(tmp_path / "outbox"), 30.0, 1, "local[1]")
    writer.start()
    child = writer.pid
    os.kill(child, signal.SIGSTOP)
    started = time.monotonic()
    writer.stop(drain=False, timeout=1.0)
    assert time.monotonic() - started < 30
    assert _exited(child)
    assert writer.error is not None and "did not stop within 1 s" in str(writer.error)
