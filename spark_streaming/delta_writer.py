"""The Delta writer: a thread that writes the outbox (spark_streaming/outbox.py) into the
Delta lake (sinks/delta.py: the watermark's MERGE, then per-game replacements), several
micro-batches per group, at most once per `interval`.

Delta's cost per write is mostly fixed (docs/performance.md), so it takes larger, rarer groups;
it runs beside the stream's query, never in its way: the Postgres commit of a batch does not
wait for it, and its Spark jobs run in their own scheduler pool (spark_streaming/session.py),
behind the stream's. It has its own Spark session (its temp views are its own).

It runs in the stream's driver on a cluster, and in a niced child process of the stream on a
local master (spark_streaming/delta_process.py), where it would otherwise compete with the
stream for the same cores.

A group is removed from the outbox only after all its writes committed; a failure leaves it for
the next attempt (the guard makes every write idempotent) and stops the stream.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from pyspark.sql import SparkSession

from kappa.errors import SinkError
from spark_streaming.batch import BatchReport
from spark_streaming.outbox import DeltaOutbox
from spark_streaming.sinks.delta import DeltaSink

logger = logging.getLogger(__name__)

# A group's bounds: bounded driver memory. Its outputs become local relations on the driver's
# heap (1 GB by default): a replay's group of 400 final captures (20 MB of outbox) exhausted it.
GROUP_BYTES = 256 * 1024 * 1024  # outbox bytes
GROUP_CAPTURES = 200  # captures: the stream's default batch cap
PENDING_BYTES = 1024 * 1024 * 1024  # outbox bytes at which the stream waits for Delta
POOL = "kappa_delta"  # Spark scheduler pool of the writer's jobs


class DeltaWriter:
    def __init__(
        self,
        sink: DeltaSink,
        outbox: DeltaOutbox,
        interval: float,
        on_report: Callable[[BatchReport], None] | None = None,
    ) -> None:
        self.sink = sink
        self.outbox = outbox
        self.interval = interval
        self.reports: list[BatchReport] = []
        self._on_report = on_report  # called with each group's report (the child process's pipe)
        self.error: BaseException | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._groups = 0
        self._drain = False

    def start(self, spark: SparkSession) -> None:
        session = spark.newSession()
        self._thread = threading.Thread(
            target=self._run, args=(session,), name="kappa-delta-writer", daemon=True
        )
        self._thread.start()

    def notify(self) -> None:
        """A batch was put into the outbox."""
        self._wake.set()

    def wait_for_room(self) -> None:
        wait_for_room(self.outbox, lambda: self._thread is not None, lambda: self.error)

    def stop(self, drain: bool) -> None:
        """Stop the thread; with `drain`, first apply everything pending."""
        if self._thread is None:
            return
        self._drain = drain
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self._thread = None

    def _run(self, spark: SparkSession) -> None:
        spark.sparkContext.setLocalProperty("spark.scheduler.pool", POOL)
        last_group = float("-inf")
        try:
            while not self._stop.is_set():
                if not self.outbox.pending():
                    self._wake.wait(timeout=max(self.interval, 0.2))
                    self._wake.clear()
                    continue
                rest = last_group + self.interval - time.monotonic()
                if rest > 0 and self._stop.wait(rest):
                    break
                last_group = time.monotonic()
                self._apply_group(spark)
            while self._drain and self._apply_group(spark):
                pass
        except BaseException as error:  # noqa: BLE001 - reported to the stream's driver loop
            logger.exception("delta writer failed")
            self.error = error

    def _apply_group(self, spark: SparkSession) -> bool:
        """Merge the oldest pending batches; False when there were none."""
        started = time.monotonic()
        group = self.outbox.take(GROUP_BYTES, GROUP_CAPTURES)
        if group is None:
            return False
        report = BatchReport(self._groups, self.sink.name, group.captures, len(group.games))
        report.rows = {name: table.num_rows for name, table in group.outputs.items()}
        mark = report.phase("read", started)
        self.sink.write(spark, group.outputs, group.games)
        report.phase(self.sink.name, mark)
        self.outbox.remove(group)
        report.lag_ms = int((time.time() - group.oldest_arrival) * 1000)
        report.millis = int((time.monotonic() - started) * 1000)
        self.reports.append(report)
        if self._on_report is not None:
            self._on_report(report)
        self._groups += 1
        logger.info("%s (stream batches %s)", report.line(), _id_range(group.batch_ids))
        return True


def wait_for_room(
    outbox: DeltaOutbox,
    running: Callable[[], bool],
    error: Callable[[], BaseException | None],
) -> None:
    """Block the stream while the outbox holds more than PENDING_BYTES (Delta behind); raise
    once the writer is no longer `running` or has an `error`."""
    while outbox.pending_bytes() > PENDING_BYTES:
        if not running() or error() is not None:
            raise SinkError("delta writer stopped: the outbox is full") from error()
        time.sleep(0.2)


def _id_range(ids: list[int]) -> str:
    return f"{ids[0]}" if len(ids) == 1 else f"{ids[0]}-{ids[-1]}"
