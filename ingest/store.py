"""Writing what ingestion received: captures through kappa.raw_log (content-hash dedupe),
failures into the quarantine. One connection, used from worker threads one call at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

import psycopg

from ingest.client import ApiError
from ingest.schedule import ScheduleResponse, ensure_schedule_log, store_schedule
from kappa import raw_log
from kappa.feed import Capture

logger = logging.getLogger(__name__)


class Store:
    """Async front of a psycopg connection (autocommit): writes run in a thread, serialised."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self._lock = asyncio.Lock()

    def ensure_schema(self) -> None:
        raw_log.ensure_schema(self.conn)
        ensure_schedule_log(self.conn)

    async def capture(self, capture: Capture) -> bool:
        """Append one capture; False when the same content of the game is already stored."""
        async with self._lock:
            result = await asyncio.to_thread(raw_log.insert_captures, self.conn, [capture])
        return result.inserted == 1

    async def quarantine(self, error: ApiError, game_pk: int | None) -> None:
        """Record a response that never became a valid document (after its last attempt)."""
        async with self._lock:
            await asyncio.to_thread(
                raw_log.quarantine, self.conn, error.reason, source=error.url, game_pk=game_pk
            )

    async def schedule(self, response: ScheduleResponse) -> bool:
        """Append a schedule response to game.schedule_log (unless already stored)."""
        async with self._lock:
            return await asyncio.to_thread(
                store_schedule, self.conn, response.url, response.received_at, response.document
            )

    async def final_stored(self, game_pks: Iterable[int]) -> set[int]:
        """Games whose Final capture is already in the raw log."""
        async with self._lock:
            rows = await asyncio.to_thread(
                lambda: self.conn.execute(
                    "select distinct game_pk from game.live_game_v1"
                    " where game_state = 'Final' and game_pk = any(%s)",
                    (list(game_pks),),
                ).fetchall()
            )
        return {row[0] for row in rows}
