"""`kappa ingest live` without a reachable database spools its captures under $KAPPA_HOME; a
SIGTERM leaves them there, and the next start drains them into the raw log first. With
--follow it moves on from day to day."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from datetime import date

from ingest.client import MlbClient
from ingest.follow import follow_days
from ingest.live import LiveSettings, LiveSummary
from ingest.replay.server import ReplayServer, ReplaySettings
from ingest.store import Store
from kappa.spool import Spool

from support.api import local_client_settings
from support.data import PROJECT_DIR, SHARED_MLB, requires_shared
from support.wait import wait_until

pytestmark = requires_shared


def live(server: ReplayServer, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "kappa.cli", "ingest", "live", "--date", "2026-04-29"]
        + ["--wait", "0.1", "--schedule-interval", "1", "--attempts", "3", "--no-diff-patch"]
        + ["--idle-timeout", "2"],
        cwd=PROJECT_DIR,
        env={**os.environ, "KAPPA_API_URL": server.url, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_sigterm_with_a_full_spool_loses_nothing(conn, database, recording, tmp_path):
    home = tmp_path / "home"
    spool = Spool(home / "spool")
    nowhere = tmp_path / "no-server"  # a socket directory without a server: Postgres is down
    nowhere.mkdir()
    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=1), recording) as server:
        down = live(server, {"KAPPA_HOME": str(home), "PGHOST": str(nowhere)})
        try:
            wait_until(lambda: spool.stats().captures == 3, timeout=30)
        finally:
            down.send_signal(signal.SIGTERM)
            out, err = down.communicate(timeout=20)
        assert down.returncode == 0, err
        assert "stored 3 captures (interrupted)" in out
        assert spool.stats().captures == 3
        assert conn.execute("select count(*) from game.live_game_v1").fetchone()[0] == 0

        up = live(server, {"KAPPA_HOME": str(home), "PGDATABASE": database})
        out, err = up.communicate(timeout=60)
    assert up.returncode == 0, err
    assert spool.is_empty()
    rows = conn.execute(
        "select game_pk, source_timecode from game.live_game_v1 order by raw_id"
    ).fetchall()
    # the spooled captures first, in arrival order; the second run's own captures dedupe
    assert {row[1] for row in rows[:3]} == {"20260429_191321", "20260429_191400", "20260429_191323"}
    assert len(rows) == len(set(rows))


def test_follow_moves_on_to_the_next_day(conn, recording):
    """`--follow`: each day gets its run; when the day changes, the new day's games are polled."""
    days = iter([date(2026, 4, 19)] * 3)

    def today() -> date:
        return next(days, date(2026, 4, 29))

    settings = LiveSettings(
        day=date(2026, 4, 19), schedule_interval=0.3, wait_override=0.05, idle_timeout=1.0
    )

    async def main(server: ReplayServer) -> LiveSummary:
        stop = asyncio.Event()
        store = Store(conn)
        store.ensure_schema()
        async with MlbClient(local_client_settings(server)) as client:
            task = asyncio.create_task(follow_days(client, store, settings, stop, today))
            while conn.execute("select count(*) from game.live_game_v1").fetchone()[0] < 10:
                await asyncio.sleep(0.1)
            stop.set()
            return await task

    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=200), recording) as server:
        summary = asyncio.run(main(server))
    assert {823717, 824445, 824608, 822750, 823556, 824452} <= set(summary.games)
    assert summary.interrupted
