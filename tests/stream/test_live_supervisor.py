"""`kappa live` over the replay server: the poller and the stream as supervised parts; a
stream killed with SIGKILL (a crash) is started again, resumes from its checkpoint and
applies a capture that arrives after the crash; SIGTERM stops every part cleanly. Its metrics
endpoint serves the kappa_ metrics of every part, moving as the stream writes, and their
history is in kappa_ops; `kappa status` reports it healthy while it runs, unhealthy once
stopped; `kappa dashboard` over it, in a real headless browser (Debian's chromium): the page
loads, the day's games are listed, the charts draw the batches and the spool samples, the
restart is listed, the console has no error (screenshot: test-artifacts/dashboard.png)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from datetime import date

import httpx
import psycopg
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from ingest.replay.server import ReplayServer, ReplaySettings
from kappa import loader
from kappa.ops.dashboard import create_app
from kappa.settings import Settings
from spark_streaming.session import FAST_JVM

from support.browser import chromium, free_port, requires_browser
from support.data import PROJECT_DIR, SAMPLE_FEEDS, SHARED_MLB, requires_shared
from support.wait import wait_until

pytestmark = [requires_shared, requires_browser]
SCREENSHOT = PROJECT_DIR / "test-artifacts" / "dashboard.png"


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


def scrape(home) -> dict[tuple[str, tuple], float]:
    """The kappa_ samples the endpoint of `kappa live` serves (its port: the state file)."""
    port = json.loads((home / "live" / "state.json").read_text())["metrics_port"]
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("kappa_")
    }


def total(samples: dict, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, got), v in samples.items() if n == name and wanted <= set(got))


def status(env: dict[str, str], database: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "kappa.cli", "status", "--date", "2026-04-29"]
    return subprocess.run(
        [*command, "--max-lag", "600"],
        env={**env, "PGDATABASE": database},
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


PAGE_STATE = """
const d = window.kappaDashboard;
const painted = (key) => {
  const canvas = document.querySelector(`#chart-${key} canvas`);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let count = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) count++;
  return count;
};
return {
  errors: d.errors,
  points: Object.fromEntries(Object.entries(d.charts).map(([k, c]) => [k, c.points])),
  painted: Object.fromEntries(['lag', 'batch', 'spool'].map(k => [k, painted(k)])),
  games: [...document.querySelectorAll('#games tbody tr')].map(r => r.cells[0].textContent),
  events: [...document.querySelectorAll('#events tbody tr')].map(r => r.cells[2].textContent),
  health: document.getElementById('health').textContent,
};
"""


def dashboard_in_browser(home) -> dict:
    """The dashboard of `home` (in this process, on 127.0.0.1) as chromium shows it."""
    settings = Settings.from_env({**os.environ, "KAPPA_HOME": str(home)})
    config = uvicorn.Config(
        create_app(settings, date(2026, 4, 29)),
        host="127.0.0.1",
        port=free_port(),
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    try:
        wait_until(lambda: server.started, timeout=30)
        with chromium() as browser:
            browser.open(f"http://127.0.0.1:{config.port}/")
            wait_until(lambda: browser.run("return window.kappaDashboard.refreshes") >= 1, 30)
            state = browser.run(PAGE_STATE)
            browser.screenshot(SCREENSHOT)
            state["console"] = browser.console()
    finally:
        server.should_exit = True
        serving.join(30)
    return state


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_kappa_live_restarts_a_crashed_stream(conn, database, tmp_path):
    log = tmp_path / "live.log"
    # speed 0.3: the poller stores each game's first capture (the second comes minutes later)
    with ReplayServer(ReplaySettings(directory=SHARED_MLB, speed=0.3)) as server:
        home = tmp_path / "home"
        env = {
            **os.environ,
            "KAPPA_API_URL": server.url,
            "KAPPA_HOME": str(home),
            "KAPPA_SPARK_SCRATCH": str(tmp_path / "spark"),
            "KAPPA_SPARK_JVM_OPTIONS": FAST_JVM,
        }
        command = [sys.executable, "-m", "kappa.cli", "live", "--date", "2026-04-29"]
        command += ["--sinks", "postgres", "--master", "local[2]", "--wait", "0.2"]
        command += ["--schedule-interval", "1", "--idle-timeout", "600", "--backoff-max", "1"]
        command += ["--metrics-port", "0", "--sample-interval", "1"]
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_until(lambda: "postgres batch" in log.read_text(), timeout=240)
            wait_until(lambda: total(scrape(home), "kappa_stream_batches_total") >= 1)
            before = scrape(home)
            [first] = started_pids(log.read_text(), "stream")
            os.killpg(first, signal.SIGKILL)  # the stream and its JVM crash
            wait_until(lambda: len(started_pids(log.read_text(), "stream")) == 2, timeout=30)
            wait_until(lambda: log.read_text().count("stream postgres started") == 2, timeout=240)
            # a capture that enters the raw log after the crash: the restarted stream applies it
            loader.load_paths(conn, [SAMPLE_FEEDS / "744914_final_20240701_214404.json.gz"], None)
            wait_until(lambda: caught_up(database, 4), timeout=240)
            # the restarted stream's batches count on the endpoint (its driver loop records
            # them within a second of the commit)
            batches = "kappa_stream_batches_total"
            moved = total(before, batches, sink="postgres")
            wait_until(lambda: total(scrape(home), batches, sink="postgres") > moved, timeout=30)
            after = scrape(home)
            running = status(env, database)
            page = dashboard_in_browser(home)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=120)
    text = log.read_text()
    assert process.returncode == 0, text[-3000:]
    assert re.search(r"stream crashed \(exit -9 after \d+ s\): restart 1 in", text), text[-3000:]
    assert "restarts: {'poller': 0, 'stream': 1}" in text
    pids = started_pids(text, "stream") + started_pids(text, "poller")
    assert len(pids) == 3 and not any(alive(pid) for pid in pids)

    # the endpoint: every part's metrics, moving as the stream wrote
    assert total(after, "kappa_part_up", part="stream") == 1
    captured = "kappa_stream_captures_total"
    assert total(after, captured) > total(before, captured)
    assert total(after, "kappa_ingest_captures_stored_total") == 3
    assert total(after, "kappa_ingest_polls_total", game_pk="824445") > 2
    assert total(after, "kappa_part_restarts_total", part="stream") == 1
    assert total(after, "kappa_spool_captures") == 0
    assert ("kappa_stream_lag_ms", (("sink", "postgres"),)) in after
    # ... and their history in Postgres
    batch_rows, captures = conn.execute(
        "select count(*), sum(captures) from kappa_ops.batches where sink = 'postgres'"
    ).fetchone()
    assert batch_rows >= 2 and captures >= 4
    sampled = conn.execute("select count(distinct sampled_at) from kappa_ops.samples").fetchone()
    assert sampled[0] >= 2
    events = conn.execute("select part, kind from kappa_ops.events").fetchall()
    assert ("stream", "restart") in events

    # kappa status: healthy while everything ran, unhealthy once kappa live stopped
    assert running.returncode == 0, running.stdout + running.stderr
    for line in ("poller: running", "stream: running", "database: up", "postgres: lag", "healthy"):
        assert line in running.stdout, running.stdout
    assert "games: 3" in running.stdout
    stopped = status(env, database)
    assert stopped.returncode == 1
    assert "UNHEALTHY: kappa live is not running" in stopped.stdout

    # the dashboard
    assert page["errors"] == [] and page["health"] == "healthy", page
    assert sorted(page["games"]) == ["823717", "824445", "824608"], page
    assert page["points"]["lag"] >= 2 and page["points"]["batch"] >= 2, page
    assert page["points"]["spool"] >= 2, page
    assert all(count > 500 for count in page["painted"].values()), page
    assert "restart" in page["events"], page
    assert [entry for entry in page["console"] if entry.get("level") == "SEVERE"] == []
    assert SCREENSHOT.stat().st_size > 10_000
