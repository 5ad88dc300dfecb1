"""What keeps `kappa stream` going on game days: a query failed by a database outage is
started again from its checkpoint once Postgres answers (`Outages`), and every committed batch
reaches the metrics and the `kappa_ops` history (`Recorder`). Used by the driver loop of
spark_streaming/stream.py."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from kappa import postgres
from kappa.errors import DatabaseUnavailable
from kappa.ops import history, metrics
from spark_streaming.batch import BatchProcessor, BatchReport

logger = logging.getLogger(__name__)


# what a query failed by a lost or refused database connection says (psycopg's errors, seen
# through Spark's exception text)
OUTAGE_MARKERS = (
    "OperationalError",
    "InterfaceError",
    "DatabaseUnavailable",
    "AdminShutdown",
    "server closed the connection",
    "terminating connection",
    "connection is closed",
    "connection is bad",
)


MAX_CONSECUTIVE_RESTARTS = 5  # without a batch in between: not an outage, a failure


@dataclass
class Outages:
    """Database outages survived by the driver loop: the query, failed because Postgres went
    away, waits until Postgres answers again and is started again from its checkpoint (its
    last batch replays, which the merge guard makes harmless). Restarts are logged and
    counted; consecutive restarts without a batch in between back off, and after
    MAX_CONSECUTIVE_RESTARTS of them the failure is raised (e.g. a refused password is an
    OperationalError too). The Delta writer needs no database: it goes on meanwhile."""

    database: str | None
    stop: threading.Event | None
    restarts: int = 0
    _batches_at_restart: int = -1
    _consecutive: int = 0

    def resumable(self, query: str, error: BaseException, processor: BatchProcessor) -> bool:
        if not any(marker in str(error) for marker in OUTAGE_MARKERS):
            return False
        if len(processor.reports) > self._batches_at_restart:
            self._consecutive = 0  # a batch went through since the last restart
        if self._consecutive >= MAX_CONSECUTIVE_RESTARTS:
            logger.error(
                "%s failed %d times in a row with the database reachable: giving up",
                query,
                self._consecutive,
            )
            return False
        logger.warning(
            "%s lost the database (%s): waiting for Postgres, then resuming from the checkpoint",
            query,
            first_line(error),
        )
        if not self._wait_for_database(min(2.0**self._consecutive, 30.0)):
            return False  # stopped while waiting
        try:
            processor.close()  # planned again on the next batch
        except Exception as close_error:  # noqa: BLE001 - best effort on a broken connection
            logger.debug("closing %s after the outage: %s", query, close_error)
        self.restarts += 1
        self._consecutive += 1
        self._batches_at_restart = len(processor.reports)
        logger.warning("%s: restart %d after a database outage", query, self.restarts)
        metrics.STREAM_RESTARTS.inc()
        history.record_event("stream", "outage", first_line(error), self.database)
        return True

    def _wait_for_database(self, backoff: float) -> bool:
        started = time.monotonic()
        waited_until = started + backoff
        while True:
            if self.stop is not None and self.stop.is_set():
                return False
            if time.monotonic() >= waited_until:
                try:
                    postgres.check_reachable()
                except DatabaseUnavailable:
                    pass
                else:
                    logger.info("Postgres reachable after %.1f s", time.monotonic() - started)
                    return True
            time.sleep(0.5)


@dataclass
class Recorder:
    """The committed batches' metrics (kappa.ops.metrics) and history (kappa_ops.batches),
    taken from the processors' reports by the driver loop; history is written at most every
    `every` seconds (best effort)."""

    database: str | None
    every: float = 2.0
    _seen: dict[str, int] = field(default_factory=dict)
    _pending: list[BatchReport] = field(default_factory=list)
    _written_at: float = 0.0

    def record(self, reports: dict[str, list[BatchReport]], force: bool = False) -> None:
        for sink, batches in reports.items():
            new = batches[self._seen.get(sink, 0) :]
            self._seen[sink] = self._seen.get(sink, 0) + len(new)
            for report in new:
                metrics.record_batch(report)
            self._pending.extend(new)
        now = time.monotonic()
        if self._pending and (force or now - self._written_at >= self.every):
            if history.record_batches(self._pending, self.database):
                self._pending.clear()
            elif len(self._pending) > 10_000:  # the database is away for long: keep the newest
                del self._pending[:-10_000]
            self._written_at = now


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
