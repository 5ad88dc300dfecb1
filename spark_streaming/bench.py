"""`kappa bench stream-latency` and `kappa bench stream-replay`: streaming benchmarks on real
final feeds re-keyed into a scratch database (kappa.bench_corpus), printing figures.

- latency: a writer appends captures of N games concurrently (one capture per game every
  `interval` seconds, each in its own transaction); for each capture, the time from its commit
  to its rows being visible in the Postgres serving tables (live_game_metadata carries the
  capture's raw_id; every table of a micro-batch commits in the same transaction).
- replay: `--available-now` over N re-keyed games into the chosen sinks: captures/s, MB/s,
  peak memory of the driver (Python RSS, JVM VmHWM).
"""

from __future__ import annotations

import logging
import random
import resource
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Annotated

import psycopg
import typer

logger = logging.getLogger(__name__)


def _templates(feeds: Path | None):
    from kappa import bench_backfill, bench_corpus

    feeds_dir = feeds or bench_backfill.default_feeds_dir()
    files = bench_corpus.final_feed_files(feeds_dir)
    return [bench_corpus.GameTemplate.from_file(path) for path in files]


def _jvm_peak_mb(spark) -> float | None:
    try:
        pid = spark.sparkContext._gateway.proc.pid  # the JVM this process launched
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (AttributeError, OSError):
        return None
    return None


def _python_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(sinks, checkpoint, lake, **kwargs):
    from spark_streaming.stream import StreamSettings

    return StreamSettings(sinks=sinks, checkpoint=checkpoint, lake=lake, **kwargs)


def insert_capture(conn: psycopg.Connection, game) -> int:
    row = conn.execute(
        "insert into game.live_game_v1 (game_pk, captured_at, source_timecode, game_state,"
        " content_sha256, data) values (%s, %s, %s, %s, %s, %s::jsonb) returning raw_id",
        [
            game.game_pk,
            game.captured_at,
            game.source_timecode,
            game.game_state,
            game.content_sha256,
            game.document.decode(),
        ],
    ).fetchone()
    return row[0]


def latency(
    games: int,
    interval: float,
    duration: float,
    trigger: float,
    feeds: Path | None,
    master: str,
    warmup: float = 0.0,
) -> None:
    from kappa.bench_backfill import _scratch_database
    from kappa.raw_log import ensure_schema
    from spark_streaming import stream
    from spark_streaming.session import SparkSettings, build_session

    templates = _templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-latency-"))
    with _scratch_database(f"kappa_bench_latency_{uuid.uuid4().hex[:6]}", drop=True):
        with psycopg.connect(autocommit=True) as conn:
            ensure_schema(conn)
        spark = build_session(SparkSettings.from_env(master=master))
        settings = _settings(
            ("postgres",), scratch / "checkpoint", scratch / "lake", trigger_seconds=trigger
        )
        stop = threading.Event()
        runner = threading.Thread(target=stream.run, args=(settings, spark, stop), daemon=True)
        runner.start()
        committed: dict[int, tuple[int, float]] = {}  # raw_id -> (game_pk, commit time)
        visible: dict[int, float] = {}
        warming: set[int] = set()  # written during the warm-up: processed, not measured
        done = threading.Event()

        def writer() -> None:
            rng = random.Random(7)
            with psycopg.connect(autocommit=True) as conn:
                step, started = 0, time.monotonic()
                while time.monotonic() - started < warmup + duration:
                    order = list(range(games))
                    rng.shuffle(order)
                    for index in order:  # games spread over the interval
                        game = templates[index % len(templates)].render(9_500_000 + index, step)
                        raw_id = insert_capture(conn, game)
                        now = time.monotonic()
                        committed[raw_id] = (game.game_pk, now)
                        if now - started < warmup:
                            warming.add(raw_id)
                        time.sleep(interval / games)
                    step += 1
            done.set()

        def poller() -> None:
            with psycopg.connect(autocommit=True) as conn:
                while not (done.is_set() and len(visible) == len(committed)):
                    try:
                        applied = dict(
                            conn.execute(
                                "select game_pk, raw_id from game.live_game_metadata"
                            ).fetchall()
                        )
                    except psycopg.errors.UndefinedTable:
                        applied = {}
                    now = time.monotonic()
                    for raw_id, (game_pk, _when) in list(committed.items()):
                        if raw_id not in visible and applied.get(game_pk, 0) >= raw_id:
                            visible[raw_id] = now
                    time.sleep(0.02)

        # wait for the stream to start (compile, bootstrap) before writing
        deadline = time.monotonic() + 300
        while not _metadata_exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        write_thread = threading.Thread(target=writer, daemon=True)
        poll_thread = threading.Thread(target=poller, daemon=True)
        write_thread.start()
        poll_thread.start()
        write_thread.join()
        poll_thread.join(timeout=120)
        stop.set()
        runner.join(timeout=60)
    latencies = sorted(visible[raw] - committed[raw][1] for raw in visible if raw not in warming)
    if not latencies:
        typer.echo("no capture became visible")
        raise typer.Exit(1)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    typer.echo(
        f"stream latency (commit -> visible in Postgres), {games} games, one capture per game"
        f" every {interval:g} s, trigger {trigger:g} s, after {warmup:g} s of warm-up:"
        f" {len(latencies)}/{len(committed) - len(warming)} captures;"
        f" p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s,"
        f" max {latencies[-1]:.2f} s"
    )


def _metadata_exists() -> bool:
    with psycopg.connect(autocommit=True) as conn:
        return (
            conn.execute("select to_regclass('game.live_game_metadata')").fetchone()[0] is not None
        )


def replay(
    games: int, sinks: tuple[str, ...], max_captures: int, feeds: Path | None, master: str
) -> None:
    from kappa.bench_backfill import _scratch_database, load_corpus
    from spark_streaming import stream
    from spark_streaming.session import SparkSettings, build_session

    templates = _templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-replay-"))
    with _scratch_database(f"kappa_bench_replay_{uuid.uuid4().hex[:6]}", drop=True):
        size, load_seconds = load_corpus(templates, games, 2)
        typer.echo(f"loaded {games} games, {size / 1e6:.0f} MB in {load_seconds:.1f} s", err=True)
        spark = build_session(SparkSettings.from_env(master=master))
        settings = _settings(
            sinks,
            scratch / "checkpoint",
            scratch / "lake",
            available_now=True,
            max_captures_per_batch=max_captures,
        )
        _plan, processor = stream.prepare(settings)  # compile + bootstrap outside the timing
        started = time.monotonic()
        reports = stream.run(settings, spark, processor=processor)
        seconds = time.monotonic() - started
    captures = sum(report.captures for report in reports)
    batch_ms = [report.millis for report in reports]
    typer.echo(
        f"stream replay ({', '.join(sinks)}; {len(reports)} batches of <= {max_captures}):"
        f" {captures} captures, {size / 1e6:.0f} MB in {seconds:.1f} s ="
        f" {captures / seconds:.1f} captures/s, {size / 1e6 / seconds:.1f} MB/s;"
        f" batch ms min {min(batch_ms)} max {max(batch_ms)};"
        f" peak memory: driver Python {_python_peak_mb():.0f} MB,"
        f" JVM {_jvm_peak_mb(spark) or float('nan'):.0f} MB"
    )


def register(app: typer.Typer) -> None:
    """Add the streaming benchmarks to `kappa bench`."""
    from kappa.bench_cli import bench_app

    @bench_app.command("stream-latency")
    def stream_latency(
        games: Annotated[int, typer.Option(min=1, help="Games written concurrently")] = 15,
        interval: Annotated[float, typer.Option(help="Seconds between captures of a game")] = 10,
        duration: Annotated[float, typer.Option(help="Seconds of writing, measured")] = 60,
        warmup: Annotated[
            float,
            typer.Option(help="Seconds of writing first, not measured (JVM and JIT warm-up)"),
        ] = 0,
        trigger: Annotated[float, typer.Option(help="Stream trigger, seconds")] = 0.5,
        feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
        master: Annotated[str, typer.Option(envvar="KAPPA_SPARK_MASTER")] = "local[*]",
    ) -> None:
        """Commit-to-visible latency of the stream (Postgres sink), p50/p95/max."""
        latency(games, interval, duration, trigger, feeds, master, warmup)

    @bench_app.command("stream-replay")
    def stream_replay(
        games: Annotated[int, typer.Option(min=1, help="Re-keyed games in the corpus")] = 200,
        sinks: Annotated[str, typer.Option(help="postgres,delta")] = "postgres,delta",
        max_captures_per_batch: Annotated[int, typer.Option(min=1)] = 200,  # the stream's
        feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
        master: Annotated[str, typer.Option(envvar="KAPPA_SPARK_MASTER")] = "local[*]",
    ) -> None:
        """`kappa stream --available-now` over N re-keyed real games: captures/s, MB/s, memory."""
        from spark_streaming.cli import parse_sinks

        replay(games, parse_sinks(sinks), max_captures_per_batch, feeds, master)
