"""Every metric of the platform, named `kappa_*` (prometheus_client).

Under `kappa live` each part is its own process: the supervisor sets PROMETHEUS_MULTIPROC_DIR
for itself and its children before prometheus_client is imported, so every process writes its
values to files there and the supervisor's endpoint (127.0.0.1) serves them all together
(prometheus_client's multiprocess mode). A command run alone keeps its metrics in-process.
Recording a metric never fails the caller's work."""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    start_http_server,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from kappa.errors import ConfigError
from kappa.feed import Capture
from kappa.ops.multiproc import MULTIPROC_VARIABLE

logger = logging.getLogger(__name__)

_GAME = re.compile(r"/game/(\d+)/")

# -- ingestion --------------------------------------------------------------------------------
POLLS = Counter("kappa_ingest_polls", "Polls of a game's feed (diffPatch or full)", ["game_pk"])
CAPTURES = Counter(
    "kappa_ingest_captures_stored", "New captures written (or spooled) per game", ["game_pk"]
)
CAPTURE_BYTES = Counter(
    "kappa_ingest_capture_bytes", "Bytes of the new captures per game", ["game_pk"]
)
API_ERRORS = Counter(
    "kappa_ingest_api_errors", "API requests failed for good, per game", ["game_pk"]
)
API_RETRIES = Counter("kappa_ingest_api_retries", "API requests retried, per game", ["game_pk"])
LAST_CAPTURE = Gauge(
    "kappa_ingest_last_capture_timestamp_seconds",
    "When each game's newest capture arrived (Unix time)",
    ["game_pk"],
    multiprocess_mode="max",
)
SPOOLED = Counter("kappa_ingest_spooled_captures", "Captures written to the spool (DB down)")

# -- stream -----------------------------------------------------------------------------------
BATCHES = Counter("kappa_stream_batches", "Micro-batches committed per sink", ["sink"])
BATCH_CAPTURES = Counter("kappa_stream_captures", "Captures applied per sink", ["sink"])
BATCH_ROWS = Counter("kappa_stream_rows", "Serving-table rows written per sink", ["sink"])
BATCH_SECONDS = Histogram(
    "kappa_stream_batch_seconds",
    "Duration of a micro-batch per sink",
    ["sink"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300),
)
PHASE_MS = Gauge(
    "kappa_stream_last_batch_phase_ms",
    "Milliseconds of each phase of the sink's last batch",
    ["sink", "phase"],
    multiprocess_mode="mostrecent",
)
LAG_MS = Gauge(
    "kappa_stream_lag_ms",
    "Last batch: from the oldest capture's commit in the raw log to the sink's commit (ms)",
    ["sink"],
    multiprocess_mode="mostrecent",
)
STREAM_RESTARTS = Counter("kappa_stream_restarts", "Stream queries resumed after a database outage")

# -- supervisor, spool, quarantine --------------------------------------------------------------
PART_RESTARTS = Counter("kappa_part_restarts", "Crashed parts started again", ["part"])
PART_UP = Gauge("kappa_part_up", "1 while the part runs", ["part"], multiprocess_mode="mostrecent")
QUARANTINE = Gauge(
    "kappa_quarantine_documents",
    "Rows in game.live_game_quarantine",
    multiprocess_mode="mostrecent",
)
SPOOL_CAPTURES = Gauge(
    "kappa_spool_captures", "Captures waiting in the spool", multiprocess_mode="mostrecent"
)
SPOOL_BYTES = Gauge("kappa_spool_bytes", "Bytes in the spool", multiprocess_mode="mostrecent")
SPOOL_AGE = Gauge(
    "kappa_spool_age_seconds",
    "Age of the oldest spooled capture (0: empty)",
    multiprocess_mode="mostrecent",
)


def game_of(path: str) -> str:
    """The gamePk in an API path, '' for other requests (the schedule)."""
    match = _GAME.search(path)
    return match.group(1) if match else ""


def record_capture(capture: Capture) -> None:
    """A new capture of a game (stored or spooled)."""
    game = str(capture.game_pk)
    CAPTURES.labels(game).inc()
    CAPTURE_BYTES.labels(game).inc(len(capture.document))
    LAST_CAPTURE.labels(game).set(time.time())


def record_batch(report) -> None:
    """One committed stream batch (spark_streaming.batch.BatchReport)."""
    sink = report.sink
    BATCHES.labels(sink).inc()
    BATCH_CAPTURES.labels(sink).inc(report.captures)
    BATCH_ROWS.labels(sink).inc(sum(report.rows.values()))
    BATCH_SECONDS.labels(sink).observe(report.millis / 1000)
    LAG_MS.labels(sink).set(report.lag_ms)
    for phase, millis in report.phases.items():
        PHASE_MS.labels(sink, phase).set(millis)


def registry() -> CollectorRegistry:
    """What an endpoint serves: every process's values in multiprocess mode, else ours."""
    directory = os.environ.get(MULTIPROC_VARIABLE)
    if not directory:
        return REGISTRY
    collected = CollectorRegistry()
    MultiProcessCollector(collected, path=directory)
    return collected


def serve(port: int) -> int:
    """Serve /metrics on 127.0.0.1:port (0: a free port); the port."""
    try:
        server, _thread = start_http_server(port, addr="127.0.0.1", registry=registry())
    except OSError as error:
        raise ConfigError(
            f"metrics port {port} (--metrics-port / KAPPA_METRICS_PORT): {error.strerror};"
            " choose a free port, or 0 for any"
        ) from error
    bound = server.server_address[1]
    logger.info("metrics on http://127.0.0.1:%s/metrics", bound)
    return bound


def process_ended(pid: int) -> None:
    """A child ended: its live gauges no longer count."""
    if os.environ.get(MULTIPROC_VARIABLE):
        mark_process_dead(pid)


def samples() -> Iterator[tuple[str, dict[str, str], float]]:
    """(name, labels, value) of every kappa_ sample, for the history in Postgres."""
    for family in registry().collect():
        for sample in family.samples:
            if sample.name.startswith("kappa_") and not sample.name.endswith("_created"):
                yield sample.name, dict(sample.labels), float(sample.value)
