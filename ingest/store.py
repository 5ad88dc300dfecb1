"""Writing what ingestion received: captures through kappa.raw_log (content-hash dedupe),
failures into the quarantine. One connection, used from worker threads one call at a time.

With a spool (kappa.spool), a database that cannot be reached loses nothing: the connection is
dropped and made again (at most once per `retry_every` seconds), and a capture that cannot be
written meanwhile is appended to the spool. The spool is drained, in arrival order, before the
next capture is written, so the raw log keeps the order in which captures arrived."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

import psycopg

from ingest.client import ApiError
from ingest.schedule import ScheduleResponse, ensure_schedule_log, store_schedule
from kappa import postgres, raw_log
from kappa.errors import DatabaseUnavailable
from kappa.feed import Capture
from kappa.ops import metrics
from kappa.spool import Spool

logger = logging.getLogger(__name__)

T = TypeVar("T")
# what a lost or refused connection raises (AdminShutdown is an OperationalError)
DATABASE_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError, DatabaseUnavailable)


def _connect() -> psycopg.Connection:
    return postgres.connect(autocommit=True, connect_timeout=5)


class Store:
    """Async front of a psycopg connection (autocommit): writes run in a thread, serialised."""

    def __init__(
        self,
        conn: psycopg.Connection | None = None,
        *,
        spool: Spool | None = None,
        connect: Callable[[], psycopg.Connection] = _connect,
        retry_every: float = 2.0,
    ) -> None:
        self._conn = conn
        self.spool = spool
        self._connect = connect
        self.retry_every = retry_every
        self._next_attempt = 0.0
        self._down_since: float | None = None
        self._lock = asyncio.Lock()
        self.spooled = 0  # captures appended to the spool by this store
        self.drained = 0  # spooled captures written to the raw log by this store

    @property
    def conn(self) -> psycopg.Connection:
        """The connection, made again if it was lost (DatabaseUnavailable if it cannot be)."""
        if self._conn is None or self._conn.closed:
            now = time.monotonic()
            if now < self._next_attempt:
                raise DatabaseUnavailable("Postgres unreachable: next connection attempt later")
            self._next_attempt = now + self.retry_every
            self._conn = self._connect()
            self.ensure_schema()
            if self._down_since is not None:
                logger.info(
                    "Postgres reachable again after %.0f s", time.monotonic() - self._down_since
                )
                self._down_since = None
        return self._conn

    @property
    def database_up(self) -> bool:
        return self._down_since is None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()

    def ensure_schema(self) -> None:
        raw_log.ensure_schema(self.conn)
        ensure_schedule_log(self.conn)

    def _run(self, work: Callable[[psycopg.Connection], T]) -> T:
        """`work(conn)`; a lost connection is dropped (made again later) and re-raised as
        DatabaseUnavailable."""
        try:
            return work(self.conn)
        except DATABASE_ERRORS as error:
            if self._down_since is None:
                self._down_since = time.monotonic()
                logger.warning("Postgres unreachable: %s", str(error).strip().splitlines()[0])
            if self._conn is not None:
                try:
                    self._conn.close()
                except DATABASE_ERRORS:  # pragma: no cover - closing a broken connection
                    pass
                self._conn = None
            if isinstance(error, DatabaseUnavailable):
                raise
            raise DatabaseUnavailable(f"Postgres connection lost: {error}") from error

    def _drain(self) -> int:
        if self.spool is None or self.spool.is_empty():
            return 0
        drained = self._run(self.spool.drain)
        self.drained += drained
        logger.info("spool drained into the raw log: %d new captures", drained)
        return drained

    def _capture(self, capture: Capture) -> bool:
        if self.spool is None:
            return self._run(lambda conn: raw_log.insert_captures(conn, [capture])).inserted == 1
        try:
            self._drain()  # the older captures first: the raw log keeps the arrival order
            return self._run(lambda conn: raw_log.insert_captures(conn, [capture])).inserted == 1
        except DatabaseUnavailable:
            self.spool.append(capture)
            self.spooled += 1
            metrics.SPOOLED.inc()
            return True

    async def capture(self, capture: Capture) -> bool:
        """Append one capture; False when the same content of the game is already stored. With
        a spool, a capture the database cannot take now is spooled (True)."""
        async with self._lock:
            return await asyncio.to_thread(self._capture, capture)

    async def flush(self) -> int:
        """Drain the spool into the raw log if the database is reachable; captures inserted."""
        if self.spool is None or self.spool.is_empty():
            return 0
        async with self._lock:
            try:
                return await asyncio.to_thread(self._drain)
            except DatabaseUnavailable:
                return 0

    async def quarantine(self, error: ApiError, game_pk: int | None) -> None:
        """Record a response that never became a valid document (after its last attempt)."""

        def work(conn: psycopg.Connection) -> None:
            raw_log.quarantine(conn, error.reason, source=error.url, game_pk=game_pk)

        async with self._lock:
            try:
                await asyncio.to_thread(self._run, work)
            except DatabaseUnavailable:
                if self.spool is None:
                    raise
                logger.error(
                    "not quarantined (database down): game %s %s: %s",
                    game_pk,
                    error.url,
                    error.reason,
                )

    async def schedule(self, response: ScheduleResponse) -> bool:
        """Append a schedule response to game.schedule_log (unless already stored)."""

        def work(conn: psycopg.Connection) -> bool:
            return store_schedule(conn, response.url, response.received_at, response.document)

        async with self._lock:
            try:
                return await asyncio.to_thread(self._run, work)
            except DatabaseUnavailable:
                if self.spool is None:
                    raise
                logger.warning("schedule response not logged (database down): %s", response.url)
                return False

    async def final_stored(self, game_pks: Iterable[int]) -> dict[int, datetime]:
        """Games whose Final capture is already in the raw log, with the time of their first
        Final capture (none known while the database is down: such a game is fetched once
        more, and its capture deduplicated)."""
        pks = list(game_pks)

        def work(conn: psycopg.Connection) -> list[tuple]:
            return conn.execute(
                "select game_pk, min(captured_at) from game.live_game_v1"
                " where game_state = 'Final' and game_pk = any(%s) group by game_pk",
                (pks,),
            ).fetchall()

        async with self._lock:
            try:
                rows = await asyncio.to_thread(self._run, work)
            except DatabaseUnavailable:
                if self.spool is None:
                    raise
                return {}
        return {row[0]: row[1] for row in rows}
