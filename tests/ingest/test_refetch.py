"""`kappa ingest backfill --refetch`: a stored final fetched again is stored only when MLB
changed it (a scoring correction), as exactly one newer capture."""

from __future__ import annotations

import psycopg
from typer.testing import CliRunner

from ingest.replay.server import ReplayServer, ReplaySettings
from kappa.cli import app

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
