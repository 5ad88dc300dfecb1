"""A Postgres outage during a replayed live game loses no capture: the poller spools what the
database cannot take and drains it when the database is back, the stream waits and resumes
from its checkpoint, and the serving tables end equal to `dbt build` of the raw log.

The embedded server of this test worker is stopped for 30 s and started again (the tests of
one worker run one after the other, so no other test sees the outage)."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest

from ingest.client import MlbClient
from ingest.live import LiveIngest, LiveSettings, LiveSummary
from ingest.replay.recording import Recording
from ingest.replay.server import ReplayServer, ReplaySettings
from ingest.store import Store
from kappa import embedded_pg
from kappa.feed import read_capture_file
from kappa.settings import Settings
from kappa.spool import Spool
from spark_streaming import parity, stream
from spark_streaming.plan import compile_models
from spark_streaming.stream import StreamSettings

from support.api import local_client_settings
from support.data import SHARED_MLB, requires_shared
from support.wait import wait_until

pytestmark = requires_shared
OUTAGE_SECONDS = 30


@pytest.fixture
def embedded_pg_dir(pg_server) -> Path:
    """The data directory of this worker's embedded server (its socket directory)."""
    if embedded_pg.external_server_configured() and not Path(pg_server["PGHOST"]).is_dir():
        pytest.skip("the server PGHOST names cannot be stopped by a test")
    pg_dir = Path(pg_server["PGHOST"])
    if not (pg_dir / "postmaster.pid").exists():
        pytest.skip(f"{pg_dir} is not an embedded server's data directory")
    return pg_dir


class Background:
    """LiveIngest in a thread with its own event loop, stoppable from the test."""

    def __init__(self, store: Store, server: ReplayServer, settings: LiveSettings) -> None:
        self.summary: LiveSummary | None = None
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()

        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            self._ready.set()
            async with MlbClient(local_client_settings(server)) as client:
                self.summary = await LiveIngest(client, store, settings, self._stop).run()

        self.thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
        self.thread.start()
        self._ready.wait(10)

    def stop(self) -> None:
        assert self._loop is not None and self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self.thread.join(60)


def raw_rows(database: str) -> list[tuple[int, str]]:
    try:
        with psycopg.connect(dbname=database, connect_timeout=2) as conn:
            return conn.execute(
                "select game_pk, content_sha256 from game.live_game_v1 order by raw_id"
            ).fetchall()
    except psycopg.OperationalError:
        return []


def stream_caught_up(database: str) -> bool:
    """Every game's newest capture is the one live_game_metadata holds."""
    with psycopg.connect(dbname=database) as conn:
        behind = conn.execute(
            "select count(*) from (select game_pk, max(captured_at) as newest"
            " from game.live_game_v1 group by game_pk) log"
            " left join game.live_game_metadata m using (game_pk)"
            " where m.captured_at is distinct from log.newest"
        ).fetchone()[0]
    return behind == 0


def test_postgres_outage_loses_no_capture(spark, database, conn, embedded_pg_dir, tmp_path, caplog):
    recording = Recording.load(SHARED_MLB)
    caplog.set_level(logging.INFO)
    settings = Settings.from_env()
    spool = Spool(tmp_path / "spool")
    stream_settings = StreamSettings(
        sinks=("postgres",), checkpoint=tmp_path / "checkpoint", settings=settings
    )
    stop_stream = threading.Event()
    stream_errors: list[BaseException] = []

    def run_stream() -> None:
        try:
            stream.run(stream_settings, spark, stop=stop_stream)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            stream_errors.append(error)

    stream_thread = threading.Thread(target=run_stream, daemon=True)
    stream_thread.start()
    wait_until(lambda: bool(spark.streams.active) or bool(stream_errors), timeout=180)
    assert not stream_errors, stream_errors

    # speed 4: the second capture of each game of 2026-04-29 is served 20-27 s after the start,
    # while the database is down
    replay = ReplaySettings(directory=SHARED_MLB, speed=4)
    live = LiveSettings(
        day=date(2026, 4, 29), schedule_interval=1, wait_override=0.2, idle_timeout=300
    )
    store = Store(spool=spool, retry_every=1.0)
    with ReplayServer(replay, recording) as server:
        poller = Background(store, server, live)
        # the first capture of each game is stored; the outage starts at once (the stream
        # may be in its first batch: it fails and resumes too)
        wait_until(lambda: len(raw_rows(database)) == 3, timeout=30)
        conn.close()
        embedded_pg.stop(embedded_pg_dir)
        try:
            down_at = time.monotonic()
            wait_until(lambda: spool.stats().captures == 3, timeout=OUTAGE_SECONDS + 5)
            time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down_at)))
        finally:
            embedded_pg.start(embedded_pg_dir)
        wait_until(lambda: len(raw_rows(database)) == 6 and spool.is_empty(), timeout=30)
        poller.stop()
        served = {
            (pk, capture_sha)
            for pk, clock in server.state.clocks.items()
            for capture_sha in (
                recording_sha(c.path) for c in clock.captures[: clock.served_max + 1]
            )
        }
    rows = raw_rows(database)
    assert len(rows) == len(set(rows)) == len(served) == 6
    assert set(rows) == served
    assert store.spooled == 3 and store.drained == 3

    wait_until(lambda: stream_caught_up(database), timeout=120)
    stop_stream.set()
    stream_thread.join(120)
    assert not stream_errors, stream_errors
    assert "restart 1 after a database outage" in caplog.text
    results = parity.check(compile_models(settings).tables, Settings.from_env())
    assert [result.line() for result in results if not result.ok] == []


def recording_sha(path: Path) -> str:
    return read_capture_file(path).content_sha256
