"""`kappa live` over the replay server: the poller and the stream as supervised parts; a
stream killed with SIGKILL (a crash) is started again, resumes from its checkpoint and
applies the captures that arrive after it; SIGTERM stops every part cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import psycopg

from ingest.replay.server import ReplayServer, ReplaySettings
from spark_streaming.session import FAST_JVM

from support.data import PROJECT_DIR, SHARED_MLB, requires_shared
from support.wait import wait_until

pytestmark = requires_shared


def caught_up(database: str, captures: int) -> bool:
    """The raw log holds `captures` and live_game_metadata each game's newest."""
    with psycopg.connect(dbname=database) as conn:
        if conn.execute("select to_regclass('game.live_game_metadata')").fetchone()[0] is None:
            return False
        count, behind = conn.execute(
            "select (select count(*) from game.live_game_v1), count(*) filter"
            " (where m.captured_at is distinct from log.newest) from (select game_pk,"
            " max(captured_at) as newest from game.live_game_v1 group by game_pk) log"
            " left join game.live_game_metadata m using (game_pk)"
        ).fetchone()
    return count == captures and behind == 0


def started_pids(log_text: str, part: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"started {part} \(pid (\d+)\)", log_text)]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kappa_live_restarts_a_crashed_stream(conn, database, tmp_path):
    log = tmp_path / "live.log"
    # speed 3: each game's second capture is served 26-36 s after the start, after the crash
    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=3)) as server:
        env = {
            **os.environ,
            "KAPPA_API_URL": server.url,
            "KAPPA_HOME": str(tmp_path / "home"),
            "KAPPA_SPARK_SCRATCH": str(tmp_path / "spark"),
            "KAPPA_SPARK_JVM_OPTIONS": FAST_JVM,
        }
        command = [sys.executable, "-m", "kappa.cli", "live", "--date", "2026-04-29"]
        command += ["--sinks", "postgres", "--master", "local[2]", "--wait", "0.2"]
        command += ["--schedule-interval", "1", "--idle-timeout", "600", "--backoff-max", "1"]
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_until(lambda: "postgres batch" in log.read_text(), timeout=240)
            [first] = started_pids(log.read_text(), "stream")
            os.killpg(first, signal.SIGKILL)  # the stream and its JVM crash
            wait_until(lambda: len(started_pids(log.read_text(), "stream")) == 2, timeout=30)
            wait_until(lambda: caught_up(database, 6), timeout=240)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    text = log.read_text()
    assert process.returncode == 0, text[-3000:]
    assert re.search(r"stream crashed \(exit -9 after \d+ s\): restart 1 in", text), text[-3000:]
    assert "restarts: {'poller': 0, 'stream': 1}" in text
    pids = started_pids(text, "stream") + started_pids(text, "poller")
    assert len(pids) == 3 and not any(alive(pid) for pid in pids)
