"""`kappa bench stream-latency` and `kappa bench stream-replay`: streaming benchmarks on real
final feeds re-keyed into a scratch database (benchmarks.corpus), printing figures.

- latency: a writer appends captures of N games concurrently (one capture per game every
  `interval` seconds, each in its own transaction); for each capture, the time from its commit
  to its rows being visible in the Postgres serving tables (live_game_metadata carries the
  capture's raw_id; every table of a micro-batch commits in the same transaction).
- replay: `--available-now` over N re-keyed games into the chosen sinks: captures/s, MB/s,
  peak memory of the driver (Python RSS, JVM VmHWM).
"""

from __future__ import annotations

import dataclasses
import logging
import random
import resource
import statistics
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import typer

from benchmarks.backfill import default_feeds_dir, load_corpus
from benchmarks.corpus import GameTemplate, final_feed_files
from kappa import postgres, raw_log
from kappa.settings import Settings

logger = logging.getLogger(__name__)

LATENCY_FIRST_GAME_PK = 9_500_000


def _templates(feeds: Path | None) -> list[GameTemplate]:
    return [GameTemplate.from_file(path) for path in final_feed_files(feeds or default_feeds_dir())]


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


def _stream_settings(sinks: tuple[str, ...], scratch: Path, database: str, **kwargs):
    """The stream on `database`, its checkpoint and lake in `scratch`."""
    from spark_streaming.stream import StreamSettings

    settings = Settings.from_env()
    return StreamSettings(
        sinks=sinks,
        checkpoint=scratch / "checkpoint",
        settings=dataclasses.replace(settings, lake=scratch / "lake"),
        database=database,
        **kwargs,
    )


def _spark(master: str | None):
    from spark_streaming.session import SparkSettings, build_session

    return build_session(SparkSettings.from_settings(Settings.from_env(), master))


def latency(
    games: int,
    interval: float,
    duration: float,
    trigger: float,
    feeds: Path | None,
    master: str | None,
    warmup: float = 0.0,
) -> None:
    from spark_streaming import stream

    templates = _templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-latency-"))
    with postgres.scratch_database("kappa_bench_latency") as database:
        with postgres.connect(dbname=database, autocommit=True) as conn:
            raw_log.ensure_schema(conn)
        spark = _spark(master)
        settings = _stream_settings(("postgres",), scratch, database, trigger_seconds=trigger)
        processor = stream.prepare(settings)  # compile, create the tables: before writing
        stop = threading.Event()
        runner = threading.Thread(
            target=stream.run, args=(settings, spark, stop, processor), daemon=True
        )
        runner.start()
        committed: dict[int, tuple[int, float]] = {}  # raw_id -> (game_pk, commit time)
        visible: dict[int, float] = {}
        warming: set[int] = set()  # written during the warm-up: processed, not measured
        done = threading.Event()

        def writer() -> None:
            rng = random.Random(7)
            with postgres.connect(dbname=database, autocommit=True) as conn:
                step, started = 0, time.monotonic()
                while time.monotonic() - started < warmup + duration:
                    order = list(range(games))
                    rng.shuffle(order)
                    for index in order:  # games spread over the interval
                        template = templates[index % len(templates)]
                        game = template.render(LATENCY_FIRST_GAME_PK + index, step)
                        (raw_id,) = raw_log.insert_captures(conn, [game]).raw_ids
                        now = time.monotonic()
                        committed[raw_id] = (game.game_pk, now)
                        if now - started < warmup:
                            warming.add(raw_id)
                        time.sleep(interval / games)
                    step += 1
            done.set()

        def poller() -> None:
            with postgres.connect(dbname=database, autocommit=True) as conn:
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


def replay(
    games: int, sinks: tuple[str, ...], max_captures: int, feeds: Path | None, master: str | None
) -> None:
    from spark_streaming import stream

    templates = _templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-replay-"))
    with postgres.scratch_database("kappa_bench_replay") as database:
        size, load_seconds = load_corpus(database, templates, games, 2)
        typer.echo(f"loaded {games} games, {size / 1e6:.0f} MB in {load_seconds:.1f} s", err=True)
        spark = _spark(master)
        settings = _stream_settings(
            sinks, scratch, database, available_now=True, max_captures_per_batch=max_captures
        )
        processor = stream.prepare(settings)  # compile + create tables outside the timing
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
