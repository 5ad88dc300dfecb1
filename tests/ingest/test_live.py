"""`kappa ingest live` against the replay server (real HTTP, recorded feeds, real Postgres)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import date

import psycopg
import pytest

from ingest.client import MlbClient
from ingest.live import LiveIngest, LiveSettings, LiveSummary
from ingest.replay.recording import Recording
from ingest.replay.server import FAULT_KINDS, ReplayServer, ReplaySettings
from ingest.store import Store
from kappa.feed import read_capture_file

from support.api import local_client_settings
from support.data import PROJECT_DIR, SHARED_MLB, requires_shared

pytestmark = requires_shared


def recorded_captures(recording: Recording, day: str) -> set[tuple[int, str, str]]:
    """(game, content hash, timecode) of every recorded capture of the day's games."""
    return {
        (c.game_pk, read_capture_file(c.path).content_sha256, c.timecode)
        for captures in recording.captures.values()
        for c in captures
        if c.entry["officialDate"] == day
    }


def stored(conn: psycopg.Connection) -> list[tuple[int, str, str]]:
    return conn.execute(
        "select game_pk, content_sha256, source_timecode from game.live_game_v1 order by raw_id"
    ).fetchall()


def run_live(conn, server: ReplayServer, day: date, **options) -> LiveSummary:
    client_settings = local_client_settings(server)
    settings = LiveSettings(
        day=day, schedule_interval=0.3, wait_override=0.05, idle_timeout=1.5, **options
    )

    async def main():
        store = Store(conn)
        store.ensure_schema()
        async with MlbClient(client_settings) as client:
            return await LiveIngest(client, store, settings, asyncio.Event()).run()

    return asyncio.run(main())


@pytest.mark.parametrize("faults", [(), FAULT_KINDS], ids=["clean", "faults-20pct"])
def test_live_stores_every_capture_once_and_exits(conn, recording, faults):
    expected = recorded_captures(recording, "2026-04-29") | recorded_captures(
        recording, "2026-04-19"
    )
    replay = ReplaySettings(
        directory=SHARED_MLB,
        speed=200,
        faults=faults,
        fault_rate=0.2 if faults else 0.0,
        seed=5,
        retry_after=1,
        fault_delay=1,
    )
    with ReplayServer(replay, recording) as server:
        started = time.monotonic()
        later = run_live(conn, server, date(2026, 4, 29))
        earlier = run_live(conn, server, date(2026, 4, 19))
        elapsed = time.monotonic() - started
        injected = dict(server.state.faults_injected)
        hits = server.state.hits
    # most polls are answered by a 2-byte diffPatch, not a 1-2 MB feed
    assert hits["diffPatch"] > 2 * hits["feed"], hits
    rows = stored(conn)
    assert len(rows) == len(set(rows)) == len(expected) == 10
    assert set(rows) == expected
    # the two captures of each 2026-04-29 game, in time order
    for game_pk in (823717, 824445, 824608):
        timecodes = [row[2] for row in rows if row[0] == game_pk]
        assert timecodes == sorted(timecodes) and len(timecodes) == 2
    assert {pk: g.stopped for pk, g in earlier.games.items() if pk != 823475} == {
        822750: "final",
        823556: "final",
        824452: "final",
    }
    assert earlier.games[823475].stopped.startswith("no change for")  # recording ends Live
    assert all(g.stopped.startswith("no change") for g in later.games.values())
    assert all(g.polls == 1 for pk, g in earlier.games.items() if pk != 823475)  # one at Final
    if faults:
        assert sum(injected.values()) > 5, injected
    quarantined = conn.execute("select count(*) from game.live_game_quarantine").fetchone()[0]
    assert quarantined == 0  # every bad response was retried into a good one
    assert elapsed < 25


def test_a_stored_final_is_not_polled_again(conn, recording):
    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=200), recording) as server:
        run_live(conn, server, date(2026, 4, 19))
        again = run_live(conn, server, date(2026, 4, 19))
    assert {pk for pk, g in again.games.items() if g.stopped == "final already stored"} == {
        822750,
        823556,
        824452,
    }
    assert all(g.polls == 0 for pk, g in again.games.items() if pk != 823475)
    assert len(stored(conn)) == 4


def test_responses_that_are_not_feeds_are_never_stored(conn, recording):
    replay = ReplaySettings(
        directory=SHARED_MLB,
        speed=200,
        faults=("html", "truncate", "wrong-game"),
        fault_rate=1.0,
        fault_scope="feed",
    )
    with ReplayServer(replay, recording) as server:
        summary = run_live(conn, server, date(2026, 4, 29), max_failures=2)
        assert sum(server.state.faults_injected.values()) == 3 * 2 * 10  # games x polls x tries
    assert stored(conn) == []
    assert all(g.stopped.startswith("failed: ") for g in summary.games.values())
    rows = conn.execute(
        "select game_pk, source, error from game.live_game_quarantine order by game_pk"
    ).fetchall()
    assert [row[0] for row in rows] == [823717, 823717, 824445, 824445, 824608, 824608]
    for game_pk, source, error in rows:
        assert source == f"{server.url}/api/v1.1/game/{game_pk}/feed/live"
        assert "invalid JSON" in error or "asked for gamePk" in error


def test_sigterm_ends_live_cleanly_keeping_received_captures(conn, recording, database):
    # speed 1: the second capture of each game is 78-107 s away, so live keeps polling
    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=1), recording) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "kappa.cli", "ingest", "live", "--date", "2026-04-29"]
            + ["--wait", "0.1", "--schedule-interval", "1", "--attempts", "3", "--no-diff-patch"],
            cwd=PROJECT_DIR,
            env={**os.environ, "KAPPA_API_URL": server.url, "PGDATABASE": database},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 20
        while len(stored(conn)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    assert "stored 3 captures (interrupted)" in out
    assert {row[2] for row in stored(conn)} == {
        "20260429_191321",
        "20260429_191400",
        "20260429_191323",
    }


@pytest.mark.parametrize(
    ("detailed", "coded", "stops"),
    [
        ("In Progress", "I", None),
        ("Delayed: Rain", "I", None),  # keeps polling through a delay
        ("Suspended: Rain", "U", "Suspended: Rain (resumes on another date)"),
        ("Postponed", "D", "Postponed"),
        ("Cancelled", "C", "Cancelled"),
    ],
)
def test_status_changes_decide_whether_polling_goes_on(detailed, coded, stops):
    from ingest.client import FeedResult

    live = read_capture_file(SHARED_MLB / "feed_live" / "824445_live_20260429_191400.json")
    assert FeedResult(live, 10, detailed, coded).stop_reason == stops
    final = read_capture_file(SHARED_MLB / "feed_live" / "744914_final_20240701_214404.json")
    assert FeedResult(final, 10, "Final", "F").stop_reason == "final"


def test_poll_cadence_follows_the_feed():
    settings = LiveSettings(day=date(2026, 4, 29))
    assert settings.interval(10, "Live") == 10
    assert settings.interval(0, "Live") == settings.min_wait
    assert settings.interval(None, "Live") == settings.default_wait
    assert settings.interval(10, "Preview") == settings.preview_wait  # slower before the game
    assert LiveSettings(day=date(2026, 4, 29), wait_override=0.05).interval(10, "Live") == 0.05
