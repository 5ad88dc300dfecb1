"""The API client and the replay server, over real HTTP on 127.0.0.1 with the recorded data."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from ingest.client import USER_AGENT, ApiError, ClientSettings, MlbClient
from ingest.replay.recording import Recording
from ingest.replay.server import ReplayServer, ReplaySettings
from ingest.schedule import ScheduleQuery, fetch_schedule
from kappa.feed import read_capture_file

from support.api import local_client_settings
from support.data import PROJECT_DIR, SHARED_MLB, requires_shared

pytestmark = requires_shared


def serve(recording: Recording, **options) -> ReplayServer:
    return ReplayServer(ReplaySettings(directory=SHARED_MLB, **options), recording)


def settings_for(server: ReplayServer, **options) -> ClientSettings:
    defaults = {"read_timeout": 1.0, "rate_per_second": 200.0, "max_attempts": 5}
    return local_client_settings(server, **{**defaults, **options})


def fetch(server: ReplayServer, game_pk: int, **options):
    async def main():
        async with MlbClient(settings_for(server, **options)) as client:
            return await client.feed(game_pk)

    return asyncio.run(main())


def test_feed_is_a_validated_capture_at_response_time(recording):
    with serve(recording) as server:
        before = time.time()
        response = fetch(server, 824445)
        assert server.state.user_agents == {USER_AGENT}
    capture = response.value.capture
    recorded = read_capture_file(SHARED_MLB / "feed_live" / "824445_live_20260429_191400.json")
    assert capture.content_sha256 == recorded.content_sha256
    assert capture.captured_at.timestamp() >= before  # HTTP response time, not the timecode
    assert capture.source_timecode == "20260429_191400"
    assert response.value.wait == 10


def test_retries_through_every_fault_kind(recording):
    faults = ("429", "500", "timeout", "truncate", "reset", "html", "wrong-game")
    options = {"faults": faults, "fault_rate": 0.5, "seed": 7, "fault_delay": 2, "retry_after": 0}
    with serve(recording, **options) as server:
        for game_pk in (822750, 823556, 824452, 824445, 824608, 823717):
            response = fetch(server, game_pk, max_attempts=12, read_timeout=0.3)
            assert response.value.capture.game_pk == game_pk
        assert len(server.state.faults_injected) >= 4, server.state.faults_injected


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("500", "HTTP 500"),
        ("reset", "connection error"),
        ("html", "invalid JSON"),
        ("truncate", "invalid JSON"),
        ("wrong-game", "asked for gamePk 824445"),
    ],
)
def test_clear_error_after_the_last_attempt(recording, fault, reason):
    with serve(recording, faults=(fault,), fault_rate=1.0) as server:
        with pytest.raises(ApiError) as raised:
            fetch(server, 824445, max_attempts=3)
        assert server.state.requests == 3
    error = raised.value
    assert error.attempts == 3 and reason in error.reason
    assert "/api/v1.1/game/824445/feed/live" in str(error) and "3 attempt" in str(error)
    assert error.bad_content == (fault in ("html", "truncate", "wrong-game"))


def test_timeout_is_retried_then_reported(recording):
    with serve(recording, faults=("timeout",), fault_rate=1.0, fault_delay=3) as server:
        started = time.monotonic()
        with pytest.raises(ApiError, match="timeout"):
            fetch(server, 824445, max_attempts=2, read_timeout=0.3)
        assert time.monotonic() - started < 2.5


def test_retry_after_is_honoured(recording):
    with serve(recording, faults=("429",), fault_rate=1.0, retry_after=1) as server:
        started = time.monotonic()
        with pytest.raises(ApiError, match="HTTP 429"):
            fetch(server, 824445, max_attempts=2)
        assert time.monotonic() - started >= 1.0  # backoff alone would be ~0.02 s


def test_unknown_game_is_not_retried(recording):
    with serve(recording) as server:
        with pytest.raises(ApiError) as raised:
            fetch(server, 1, max_attempts=5)
        assert server.state.requests == 1
    assert raised.value.permanent and raised.value.status == 404


def test_rate_limit_spaces_requests(recording):
    async def main(server):
        async with MlbClient(settings_for(server, rate_per_second=20.0)) as client:
            await asyncio.gather(*(client.get_json("/api/v1/schedule") for _ in range(11)))

    with serve(recording) as server:
        started = time.monotonic()
        asyncio.run(main(server))
        assert time.monotonic() - started >= 0.45  # 11 starts, 50 ms apart


def test_schedule_reflects_each_games_current_capture(recording):
    async def main(server, query):
        async with MlbClient(settings_for(server)) as client:
            return (await fetch_schedule(client, query)).games

    with serve(recording) as server:
        day = asyncio.run(main(server, ScheduleQuery(day=date(2026, 4, 19))))
        # 823475: the recorded schedule says Final, the only recorded feed is In Progress
        states = {game.game_pk: game.detailed_state for game in day}
        assert states == {
            822750: "Final",
            823556: "Final",
            824452: "Final",
            823475: "In Progress",
        }

        later = asyncio.run(main(server, ScheduleQuery(day=date(2026, 4, 29))))
        assert {g.game_pk for g in later} == {823717, 824445, 824608}  # derived from feeds
        assert all(g.abstract_state == "Live" and g.game_date for g in later)
        postponed = asyncio.run(main(server, ScheduleQuery(day=date(2019, 9, 11))))
        assert [(g.game_pk, g.no_game) for g in postponed] == [(565579, True)]


def test_replay_advances_each_game_in_time_order(recording):
    with serve(recording, speed=1e-6) as server:  # the clock practically stands still
        first = fetch(server, 824608).value.capture.source_timecode
        again = fetch(server, 824608).value.capture.source_timecode
    assert first == again == "20260429_191323"
    with serve(recording, speed=1e6) as server:  # due at once, but never skipped
        seen = [fetch(server, 824608).value.capture.source_timecode for _ in range(3)]
        stamps = httpx.get(f"{server.url}/api/v1.1/game/824608/feed/live/timestamps").json()
        same = httpx.get(
            f"{server.url}/api/v1.1/game/824608/feed/live/diffPatch",
            params={"startTimecode": "20260429_191510"},
        ).json()
        recorded = httpx.get(f"{server.url}/api/v1.1/game/823823/feed/live/timestamps").json()
    assert seen == ["20260429_191323", "20260429_191510", "20260429_191510"]
    assert stamps == ["20260429_191323", "20260429_191510"]
    assert same == []
    assert recorded[0] == "20260905_170118"


def test_replay_server_command_picks_a_free_port_on_localhost():
    process = subprocess.Popen(
        [sys.executable, "-m", "kappa.cli", "replay-server", "--dir", "sample_data", "--port", "0"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        url = line.split()[4]
        schedule = httpx.get(f"{url}/api/v1/schedule", params={"date": "2026-04-29"}).json()
        assert {g["gamePk"] for g in schedule["dates"][0]["games"]} == {824445, 824608}
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_replay_settings_name_valid_choices():
    with pytest.raises(ValueError, match="valid: 429, 500, timeout"):
        ReplaySettings(directory=Path("."), faults=("503",))


def test_retry_after_accepts_seconds_and_http_dates():
    from email.utils import format_datetime

    from ingest.client import parse_retry_after

    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    in_a_minute = format_datetime(datetime.now(UTC) + timedelta(seconds=60), usegmt=True)
    assert 55 <= parse_retry_after(in_a_minute) <= 60
