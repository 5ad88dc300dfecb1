"""The Delta writer in a child process at a lower CPU priority: what a live stream on a local
Spark master uses (`kappa stream`).

On a laptop the stream's Postgres batches and the Delta writer share the same cores. In one
JVM they compete as equals: the Delta writes (17 per group, mostly fixed cost on the driver,
where Spark's scheduler pools do not reach) stretched every Postgres batch, and the Postgres
p95 was 5.4 s with both sinks against 1.7 s with Postgres alone (docs/performance.md). In its
own process, niced, the writer gets the cores whenever the stream does not need them, and the
operating system hands them back to the stream the moment a batch starts.

Nothing else changes: the writer (spark_streaming/delta_writer.py) is the same code in its
own SparkSession, and it reads the same durable outbox, which the stream fills. So crash safety
is the outbox's. The parent:
- starts the child with the Delta writes rendered by dbt (a JSON file, no second compile);
- tells it over stdin when a batch was put (`wake`) and how to end (`stop`, `drain`);
- reads each group's report from a pipe.

The child exits at once when the stream is gone (SIGKILL, crash: the child is re-parented),
whatever it is doing, so it never outlives the stream; its JVM follows (PySpark's gateway
exits when its parent's pipe closes). A lock on the outbox keeps a second writer out until the
first is gone.

On a cluster (a master that is not local, or under spark-submit) the writer stays a driver
thread: the executors do the work there, not the driver's cores.
"""

from __future__ import annotations

import argparse
import dataclasses
import fcntl
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from kappa import logs
from kappa.errors import SinkError
from kappa.settings import Settings
from spark_streaming.batch import BatchReport
from spark_streaming.delta_writer import DeltaWriter, wait_for_room
from spark_streaming.outbox import DeltaOutbox
from spark_streaming.plan import SinkMerge, sink_merge

logger = logging.getLogger(__name__)

NICENESS = 10  # the child's CPU priority: below the stream's (0), above idle work (19)
MERGES_FILE = ".writer-merges.json"  # in the outbox directory (hidden: not a batch)
LOCK_FILE = ".writer.lock"
COMMANDS = ("wake", "stop", "drain")
PARENT_POLL_SECONDS = 0.5
# a stop lets the child finish its group (80-130 s beside a live stream on 2 cores,
# docs/performance.md); a child still running after this is stuck and is killed
STOP_TIMEOUT_SECONDS = 600


def child_process_master(master: str) -> str | None:
    """The Spark master for a Delta writer in a child process, or None for a driver thread:
    a child on a local master outside spark-submit."""
    from spark_streaming.session import submitted

    if submitted() or not master.startswith("local"):
        return None
    return master


class DeltaWriterProcess:
    """The parent's side: the same interface as DeltaWriter (outbox, notify, wait_for_room,
    start, stop, error, reports)."""

    def __init__(
        self,
        merges: Sequence[tuple[str, SinkMerge]],
        outbox: DeltaOutbox,
        interval: float,
        threads: int,
        master: str,
    ) -> None:
        self.merges = list(merges)
        self.outbox = outbox
        self.interval = interval
        self.threads = threads
        self.master = master
        self.reports: list[BatchReport] = []
        self._process: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._stop_requested = False
        self._killed_after: float | None = None  # seconds waited before the stop killed it

    def start(self, spark: object = None) -> None:
        """Start the child, once (`spark`, the stream's session, is not shared with it)."""
        if self._process is not None:
            return
        merges_file = self.outbox.directory / MERGES_FILE
        merges_file.write_text(
            json.dumps([[name, dataclasses.asdict(merge)] for name, merge in self.merges])
        )
        read_end, write_end = os.pipe()
        command = [
            sys.executable,
            "-m",
            __name__,
            "--outbox",
            str(self.outbox.directory),
            "--interval",
            str(self.interval),
            "--threads",
            str(self.threads),
            "--master",
            self.master,
            "--report-fd",
            str(write_end),
            "--parent",
            str(os.getpid()),
        ]
        self._process = subprocess.Popen(command, stdin=subprocess.PIPE, pass_fds=(write_end,))
        os.close(write_end)
        self._reader = threading.Thread(
            target=self._read_reports, args=(read_end,), name="kappa-delta-reports", daemon=True
        )
        self._reader.start()
        logger.info("delta writer: child process %d (nice %d)", self._process.pid, NICENESS)

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _read_reports(self, read_end: int) -> None:
        with os.fdopen(read_end) as lines:
            for line in lines:
                self.reports.append(BatchReport(**json.loads(line)))

    def _send(self, command: str) -> None:
        try:
            self._process.stdin.write(f"{command}\n".encode())
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError):  # the child is gone: `error` says so
            pass

    def notify(self) -> None:
        """A batch was put into the outbox."""
        if self._process is not None:
            self._send("wake")

    @property
    def error(self) -> SinkError | None:
        """Why the child ended, if it ended unasked or failed."""
        if self._process is None:
            return None
        code = self._process.poll()
        if code is None or (code == 0 and self._stop_requested):
            return None
        if self._killed_after is not None:
            return SinkError(
                f"delta writer process {self._process.pid} did not stop within"
                f" {self._killed_after:.0f} s and was killed; the batches it had not committed"
                " stay in the outbox and are applied at the next start"
            )
        return SinkError(
            f"delta writer process {self._process.pid} exited with code {code}"
            " (its log lines above say why)"
        )

    def wait_for_room(self) -> None:
        wait_for_room(
            self.outbox,
            lambda: self._process is not None and self._process.poll() is None,
            lambda: self.error,
        )

    def stop(self, drain: bool, timeout: float = STOP_TIMEOUT_SECONDS) -> None:
        """Ask the child to stop (with `drain`, after applying everything pending) and wait.
        Without `drain`, a child still running after `timeout` seconds is killed and `error`
        says so: nothing is lost (the outbox keeps what Delta has not committed; a Delta commit
        is atomic), and an unattended stream never hangs on its writer. A drain is not timed:
        its work grows with the backlog."""
        if self._process is None or self._stop_requested:
            return
        self._stop_requested = True
        self._send("drain" if drain else "stop")
        try:
            self._process.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self._process.wait(timeout=None if drain else timeout)
        except subprocess.TimeoutExpired:
            self._killed_after = timeout
            self._process.kill()
            self._process.wait()
            logger.error("%s", self.error)
        self._reader.join()


# --- the child -------------------------------------------------------------------------------


def _read_commands(commands: queue.Queue) -> None:
    for line in sys.stdin:
        commands.put(line.strip())


def _exit_with(parent: int) -> None:
    """Exit at once when the stream is gone (this process is re-parented), whatever the child
    is doing: starting its JVM, writing, or draining for a stream that was killed meanwhile."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(3)


def _lock(outbox: Path):
    """Wait until no other writer holds the outbox (one that is still exiting)."""
    handle = (outbox / LOCK_FILE).open("w")
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def main(argv: Sequence[str] | None = None) -> int:
    from spark_streaming.session import SparkSettings, build_session
    from spark_streaming.sinks.delta import DeltaSink

    parser = argparse.ArgumentParser(prog=f"python -m {__name__}")
    parser.add_argument("--outbox", type=Path, required=True)
    parser.add_argument("--interval", type=float, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--master", required=True)
    parser.add_argument("--report-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True, help="the stream's pid")
    args = parser.parse_args(argv)
    os.nice(NICENESS)  # before the JVM starts: it inherits the priority
    logs.configure()
    reports = os.fdopen(args.report_fd, "w", buffering=1)
    threading.Thread(target=_exit_with, args=(args.parent,), daemon=True).start()
    commands: queue.Queue = queue.Queue()
    threading.Thread(target=_read_commands, args=(commands,), daemon=True).start()
    lock = _lock(args.outbox)
    merges = [
        (name, sink_merge(entry))
        for name, entry in json.loads((args.outbox / MERGES_FILE).read_text())
    ]
    settings = Settings.from_env()
    spark_settings = dataclasses.replace(
        SparkSettings.from_settings(settings, args.master),
        app_name="kappa-delta-writer",
        scratch_dir=settings.spark_scratch / "delta-writer" if settings.spark_scratch else None,
    )
    spark = build_session(spark_settings)
    # Ctrl-C reaches the whole process group; the stream handles it and stops us (PySpark's
    # SparkContext installs a SIGINT handler that cancels every job: ignore it again after)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    writer = DeltaWriter(
        DeltaSink(merges, threads=args.threads),
        DeltaOutbox(args.outbox, clean=False),  # the stream may be putting a batch right now
        args.interval,
        on_report=lambda report: reports.write(json.dumps(dataclasses.asdict(report)) + "\n"),
    )
    writer.start(spark)
    while writer.error is None:
        try:
            command = commands.get(timeout=0.5)
        except queue.Empty:
            continue
        if command == "wake":
            writer.notify()
        elif command in ("stop", "drain"):
            writer.stop(drain=command == "drain")
            break
        else:
            logger.error("delta writer: unknown command %r; valid: %s", command, COMMANDS)
    lock.close()
    return 1 if writer.error is not None else 0


if __name__ == "__main__":
    sys.exit(main())
