"""`kappa ingest backfill --refetch`: a stored final fetched again is stored only when MLB
changed it (a scoring correction), as exactly one newer capture."""

from __future__ import annotations

import asyncio
from datetime import date

import psycopg
from typer.testing import CliRunner

from ingest.client import MlbClient
from ingest.live import LiveIngest, LiveSettings, LiveSummary
from ingest.replay.server import ReplayServer, ReplaySettings
from ingest.store import Store
from kappa.cli import app

from support.api import local_client_settings
from support.data import SHARED_FEEDS, requires_shared
from support.feeds import read_feed, write_feed

pytestmark = requires_shared
GAME = 744914
FINAL = SHARED_FEEDS / "744914_final_20240701_214404.json"


def backfill(server: ReplayServer, monkeypatch, *extra: str) -> str:
    monkeypatch.setenv("KAPPA_API_URL", server.url)
    result = CliRunner().invoke(app, ["ingest", "backfill", "--game-pks", str(GAME), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def captures(database: str) -> list[tuple[str, str]]:
    with psycopg.connect(dbname=database) as conn:
        return conn.execute(
            "select game_state, content_sha256 from game.live_game_v1 order by raw_id"
        ).fetchall()


def test_refetch_stores_a_changed_final_once(database, tmp_path, monkeypatch):
    recorded = tmp_path / "recorded" / "feed_live"
    recorded.mkdir(parents=True)
    document = read_feed(FINAL)
    write_feed(document, recorded / FINAL.name)
    with ReplayServer(ReplaySettings(directory=recorded.parent)) as server:
        backfill(server, monkeypatch)
        unchanged = backfill(server, monkeypatch, "--refetch")
    assert "refetched 1 stored finals: 0 changed" in unchanged
    assert len(captures(database)) == 1

    # a scoring correction: the official scorer changes the first play's description
    plays = document["liveData"]["plays"]["allPlays"]
    plays[0]["result"]["description"] += " (scoring change)"
    write_feed(document, recorded / FINAL.name)
    with ReplayServer(ReplaySettings(directory=recorded.parent)) as server:
        skipped = backfill(server, monkeypatch)
        changed = backfill(server, monkeypatch, "--refetch")
        again = backfill(server, monkeypatch, "--refetch")
    assert "skipped 1" in skipped  # without --refetch a stored final is not fetched
    assert "refetched 1 stored finals: 1 changed" in changed
    assert "refetched 1 stored finals: 0 changed" in again
    rows = captures(database)
    assert [state for state, _ in rows] == ["Final", "Final"] and rows[0][1] != rows[1][1]


def test_the_correction_window_stores_a_correction_of_a_final_game(conn, tmp_path):
    recorded = tmp_path / "recorded" / "feed_live"
    recorded.mkdir(parents=True)
    document = read_feed(FINAL)
    write_feed(document, recorded / FINAL.name)
    settings = LiveSettings(
        day=date(2024, 7, 1),
        game_pks=(GAME,),
        wait_override=0.05,
        correction_window=2.0,
        correction_first=0.3,  # re-polls 0.3 s and 0.9 s after the Final; the next is too late
    )

    async def main(server: ReplayServer) -> LiveSummary:
        store = Store(conn)
        store.ensure_schema()
        async with MlbClient(local_client_settings(server)) as client:
            task = asyncio.create_task(LiveIngest(client, store, settings, asyncio.Event()).run())
            while not conn.execute("select count(*) from game.live_game_v1").fetchone()[0]:
                await asyncio.sleep(0.02)
            document["liveData"]["plays"]["allPlays"][0]["result"]["description"] += " (changed)"
            write_feed(document, recorded / FINAL.name)  # the server reads it at each request
            return await task

    with ReplayServer(ReplaySettings(directory=recorded.parent)) as server:
        summary = asyncio.run(main(server))
    report = summary.games[GAME]
    assert (report.polls, report.corrections) == (3, 1)
    assert report.stopped == "final; correction window over (1 corrections)"
    assert conn.execute("select count(*) from game.live_game_v1").fetchone()[0] == 2
