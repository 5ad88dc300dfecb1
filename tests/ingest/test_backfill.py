"""`kappa ingest backfill` and `kappa ingest schedule` against the replay server (real HTTP,
recorded data, real Postgres)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from typer.testing import CliRunner

from ingest.backfill import BackfillSummary, backfill
from ingest.client import MlbClient
from ingest.replay.recording import Recording
from ingest.replay.server import FAULT_KINDS, ReplayServer, ReplaySettings
from ingest.schedule import ScheduleQuery
from ingest.store import Store
from kappa.cli import app
from kappa.feed import read_capture_file

from support.api import local_client_settings
from support.data import SHARED_MLB, requires_shared

pytestmark = requires_shared

# the games with a recorded final feed: 2022 World Series, 2023, 2024 and 2026 regular season
FINALS = {715720, 717055, 746865, 744914, 747175, 745218, 822750, 823556, 824452}


def run_backfill(conn, server: ReplayServer, query: ScheduleQuery) -> BackfillSummary:
    settings = local_client_settings(server)

    async def main():
        store = Store(conn)
        store.ensure_schema()
        async with MlbClient(settings) as client:
            return await backfill(client, store, query)

    return asyncio.run(main())


def stored(conn) -> set[tuple[int, str, str]]:
    rows = conn.execute("select game_pk, content_sha256, game_state from game.live_game_v1")
    return set(rows.fetchall())


def first_capture(recording: Recording, game_pk: int) -> tuple[int, str, str]:
    capture = read_capture_file(recording.captures[game_pk][0].path)
    return capture.game_pk, capture.content_sha256, capture.game_state


@pytest.mark.parametrize("faults", [(), FAULT_KINDS], ids=["clean", "faults-20pct"])
def test_backfill_stores_every_final_game_once_and_resumes(conn, recording, faults):
    replay = ReplaySettings(
        directory=SHARED_MLB, faults=faults, fault_rate=0.2, seed=3, retry_after=0, fault_delay=1
    )
    query = ScheduleQuery(start=date(2019, 1, 1), end=date(2026, 12, 31))
    with ReplayServer(replay, recording) as server:
        first = run_backfill(conn, server, query)
        again = run_backfill(conn, server, query)
        injected = sum(server.state.faults_injected.values())
    assert (first.scheduled, first.fetched, first.stored, first.failed) == (16, 9, 9, [])
    assert stored(conn) == {first_capture(recording, pk) for pk in FINALS}
    assert (again.fetched, again.stored, again.failed) == (0, 0, [])
    assert sorted(again.skipped["final capture already stored"]) == sorted(FINALS)
    assert injected > 0 if faults else injected == 0
    assert conn.execute("select count(*) from game.live_game_quarantine").fetchone()[0] == 0


def test_backfill_skips_games_not_final_postponed_or_cancelled(conn, recording):
    with ReplayServer(ReplaySettings(directory=SHARED_MLB), recording) as server:
        season = run_backfill(conn, server, ScheduleQuery(season=2026))
        postponed = run_backfill(conn, server, ScheduleQuery(day=date(2019, 9, 11)))
    assert season.fetched == 3 and season.failed == []  # 822750, 823556, 824452
    not_final = [
        pk for reason, pks in season.skipped.items() if "not final" in reason for pk in pks
    ]
    assert sorted(not_final) == [823475, 823717, 824370, 824445, 824608, 824776]
    assert postponed.fetched == 0 and postponed.skipped == {"postponed": [565579]}


def test_backfill_reports_failures_with_reasons(conn, recording):
    replay = ReplaySettings(directory=SHARED_MLB, keep_unrecorded=True)
    with ReplayServer(replay, recording) as server:
        day = run_backfill(conn, server, ScheduleQuery(day=date(2024, 7, 1)))
        pks = run_backfill(conn, server, ScheduleQuery(game_pks=(715720, 717055, 1)))
    # 744840 and 746535 are scheduled but their feeds were never recorded: 404
    assert day.fetched == 1 and sorted(day.failed) == [(744840, "HTTP 404"), (746535, "HTTP 404")]
    assert pks.fetched == 2 and pks.failed == [(1, "not on the schedule")]  # 715720 postseason
    assert "failed 744840: HTTP 404" in "\n".join(day.lines())


def test_cli_schedule_and_backfill(database, recording, monkeypatch):
    runner = CliRunner()
    with ReplayServer(ReplaySettings(directory=SHARED_MLB), recording) as server:
        monkeypatch.setenv("KAPPA_API_URL", server.url)
        listed = runner.invoke(app, ["ingest", "schedule", "--date", "2026-04-19"])
        assert listed.exit_code == 0, listed.output
        assert "823475" in listed.output and "4 games" in listed.output
        first = runner.invoke(
            app, ["ingest", "backfill", "--start", "2024-07-01", "--end", "2024-07-12"]
        )
        assert first.exit_code == 0, first.output
        assert "fetched 2 (stored 2 new), skipped 0, failed 0" in first.output
        again = runner.invoke(app, ["ingest", "backfill", "--game-pks", "744914,747175"])
        assert "fetched 0 (stored 0 new), skipped 2, failed 0" in again.output
    import psycopg

    with psycopg.connect() as conn:
        logged = conn.execute("select request_url, game_pks from game.schedule_log").fetchall()
    assert len(logged) == 3
    assert (
        logged[0][0]
        == f"{server.url}/api/v1/schedule?sportId=1&gameType=R%2CF%2CD%2CL%2CW&date=2026-04-19"
    )


@pytest.mark.parametrize(
    "options",
    [{}, {"day": date(2024, 7, 1), "season": 2024}, {"start": date(2024, 7, 1)}],
)
def test_schedule_query_takes_exactly_one_selection(options):
    with pytest.raises(ValueError, match="--date|--start"):
        ScheduleQuery(**options)
    assert ScheduleQuery(game_pks=(1, 2)).params()["gamePks"] == "1,2"
