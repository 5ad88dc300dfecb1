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
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import typer

from benchmarks.backfill import feed_templates, load_corpus
from kappa import postgres, raw_log
from kappa.settings import Settings

logger = logging.getLogger(__name__)

LATENCY_FIRST_GAME_PK = 9_500_000
LATENCY_COOLDOWN_LIMIT = 600.0  # seconds of load after the window, at most, for stragglers


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


def _stream_settings(
    sinks: tuple[str, ...], scratch: Path, database: str, spark, delta_thread: bool, **kwargs
):
    """The stream on `database`, its checkpoint and lake in `scratch`; its Delta writer where
    `kappa stream` puts it (a child process on a local master), or with `delta_thread` in a
    driver thread."""
    from spark_streaming.delta_process import child_process_master
    from spark_streaming.stream import StreamSettings

    settings = Settings.from_env()
    child_master = None if delta_thread else child_process_master(spark.sparkContext.master)
    return StreamSettings(
        sinks=sinks,
        checkpoint=scratch / "checkpoint",
        settings=dataclasses.replace(settings, lake=scratch / "lake"),
        database=database,
        delta_child_master=child_master,
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
    sinks: tuple[str, ...] = ("postgres", "delta"),
    delta_trigger: float | None = None,
    delta_thread: bool = False,
) -> None:
    from spark_streaming import stream

    templates = feed_templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-latency-"))
    options = {"trigger_seconds": trigger}
    if delta_trigger is not None:
        options["delta_trigger_seconds"] = delta_trigger
    with postgres.scratch_database("kappa_bench_latency") as database:
        with postgres.connect(dbname=database, autocommit=True) as conn:
            raw_log.ensure_schema(conn)
        spark = _spark(master)
        settings = _stream_settings(sinks, scratch, database, spark, delta_thread, **options)
        pipeline = stream.prepare(settings)  # compile, create the tables: before writing
        stop = threading.Event()
        runner = threading.Thread(
            target=stream.run, args=(settings, spark, stop, pipeline), daemon=True
        )
        runner.start()
        committed: dict[int, tuple[int, float]] = {}  # raw_id -> (game_pk, commit time)
        visible: dict[str, dict[int, float]] = {sink: {} for sink in sinks}
        measured: set[int] = set()  # written in the measured window
        started = time.monotonic()
        window_end = started + warmup + duration
        # the load goes on after the window until its captures are visible in every sink: a
        # sink measured against an idle machine would look faster than it is under load
        load_end = threading.Event()

        def writer() -> None:
            rng = random.Random(7)
            with postgres.connect(dbname=database, autocommit=True) as conn:
                step = 0
                while not load_end.is_set():
                    order = list(range(games))
                    rng.shuffle(order)
                    for index in order:  # games spread over the interval
                        template = templates[index % len(templates)]
                        game = template.render(LATENCY_FIRST_GAME_PK + index, step)
                        (raw_id,) = raw_log.insert_captures(conn, [game]).raw_ids
                        now = time.monotonic()
                        committed[raw_id] = (game.game_pk, now)
                        if started + warmup <= now < window_end:
                            measured.add(raw_id)
                        if load_end.wait(interval / games):
                            return
                    step += 1

        def poller(sink: str) -> None:
            """Marks each capture visible once its game's watermark row holds it (or newer)."""
            applied_of = (
                _postgres_watermark(database)
                if sink == "postgres"
                else _delta_watermark(settings.settings.lake)
            )
            seen = visible[sink]
            while not load_end.is_set():
                applied = applied_of()
                now = time.monotonic()
                for raw_id, (game_pk, _when) in list(committed.items()):
                    if raw_id not in seen and applied.get(game_pk, 0) >= raw_id:
                        seen[raw_id] = now
                time.sleep(0.02 if sink == "postgres" else 0.25)

        write_thread = threading.Thread(target=writer, daemon=True)
        pollers = [threading.Thread(target=poller, args=(sink,), daemon=True) for sink in sinks]
        write_thread.start()
        for thread in pollers:
            thread.start()
        time.sleep(max(0.0, window_end - time.monotonic()))
        deadline = window_end + LATENCY_COOLDOWN_LIMIT
        while time.monotonic() < deadline and not all(
            measured.issubset(visible[sink]) for sink in sinks
        ):
            time.sleep(0.5)
        load_end.set()
        overtime = time.monotonic() - window_end
        for thread in [write_thread, *pollers]:
            thread.join()
        stop.set()
        runner.join(timeout=120)
    lines = [
        f"stream latency (commit -> visible), {games} games, one capture per game every"
        f" {interval:g} s, sinks {','.join(sinks)}, trigger {trigger:g} s"
        + (
            f", delta trigger {settings.delta_trigger_seconds:g} s, Delta writer in a"
            f" {'child process' if settings.delta_child_master else 'driver thread'}"
            if "delta" in sinks
            else ""
        )
        + f", after {warmup:g} s of warm-up, load on until the window's captures were visible"
        f" ({overtime:.0f} s after the window):"
    ]
    for sink in sinks:
        seen = visible[sink]
        latencies = sorted(seen[raw] - committed[raw][1] for raw in measured & seen.keys())
        if not latencies:
            lines.append(f"  {sink:8s} no capture became visible")
            continue
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        lines.append(
            f"  {sink:8s} {len(latencies)}/{len(measured)} captures;"
            f" p50 {statistics.median(latencies):.2f} s, p95 {p95:.2f} s,"
            f" max {latencies[-1]:.2f} s"
        )
    typer.echo("\n".join(lines))
    if any(not visible[sink] for sink in sinks):
        raise typer.Exit(1)


def _postgres_watermark(database: str):
    """game_pk -> raw_id of live_game_metadata in Postgres (empty before the table exists)."""
    conn = postgres.connect(dbname=database, autocommit=True)

    def applied() -> dict[int, int]:
        try:
            rows = conn.execute("select game_pk, raw_id from game.live_game_metadata").fetchall()
        except psycopg.errors.UndefinedTable:
            return {}
        return dict(rows)

    return applied


def _delta_watermark(lake: Path):
    """game_pk -> raw_id of live_game_metadata in the Delta lake, read with delta-rs (no JVM)."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    location = str(lake / "game" / "live_game_metadata")

    def applied() -> dict[int, int]:
        try:
            table = DeltaTable(location).to_pyarrow_table(columns=["game_pk", "raw_id"])
        except TableNotFoundError:
            return {}
        return dict(zip(table["game_pk"].to_pylist(), table["raw_id"].to_pylist(), strict=True))

    return applied


def replay_command(
    games: int, sinks: tuple[str, ...], max_captures: int, feeds: Path | None, master: str | None
) -> None:
    """The user's command, start-up included: `kappa stream --available-now` in a new process
    (its own JVM, dbt compile, table creation) over N re-keyed games."""
    templates = feed_templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-replay-"))
    with postgres.scratch_database("kappa_bench_replay") as database:
        size, load_seconds = load_corpus(database, templates, games, 2)
        typer.echo(f"loaded {games} games, {size / 1e6:.0f} MB in {load_seconds:.1f} s", err=True)
        command = [
            sys.executable, "-m", "kappa.cli", "stream", "--available-now",
            "--sinks", ",".join(sinks),
            "--max-captures-per-batch", str(max_captures),
            "--checkpoint", str(scratch / "checkpoint"),
        ]  # fmt: skip
        if master:
            command += ["--master", master]
        environment = {
            **os.environ,
            "PGDATABASE": database,
            "KAPPA_LAKE": str(scratch / "lake"),
            "KAPPA_SPARK_SCRATCH": str(scratch / "spark"),
        }
        started = time.monotonic()
        finished = subprocess.run(command, env=environment, check=False)
        seconds = time.monotonic() - started
    if finished.returncode != 0:
        typer.echo(f"kappa stream failed (exit {finished.returncode})", err=True)
        raise typer.Exit(1)
    typer.echo(
        f"kappa stream --available-now ({', '.join(sinks)}), start-up included: {games} captures,"
        f" {size / 1e6:.0f} MB in {seconds:.1f} s = {games / seconds:.1f} captures/s"
    )


def replay(
    games: int,
    sinks: tuple[str, ...],
    max_captures: int,
    feeds: Path | None,
    master: str | None,
    delta_thread: bool = False,
) -> None:
    from spark_streaming import stream

    templates = feed_templates(feeds)
    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-replay-"))
    with postgres.scratch_database("kappa_bench_replay") as database:
        size, load_seconds = load_corpus(database, templates, games, 2)
        typer.echo(f"loaded {games} games, {size / 1e6:.0f} MB in {load_seconds:.1f} s", err=True)
        spark = _spark(master)
        settings = _stream_settings(
            sinks,
            scratch,
            database,
            spark,
            delta_thread,
            available_now=True,
            max_captures_per_batch=max_captures,
        )
        pipeline = stream.prepare(settings)  # compile + create tables outside the timing
        started = time.monotonic()
        reports = stream.run(settings, spark, pipeline=pipeline)
        seconds = time.monotonic() - started
    captures = games  # every sink's query applies each of them
    batch_ms = [report.millis for batches in reports.values() for report in batches]
    batches = ", ".join(f"{sink} {len(batches)}" for sink, batches in reports.items())
    typer.echo(
        f"stream replay ({', '.join(sinks)}; batches {batches} of <= {max_captures}):"
        f" {captures} captures, {size / 1e6:.0f} MB in {seconds:.1f} s ="
        f" {captures / seconds:.1f} captures/s, {size / 1e6 / seconds:.1f} MB/s;"
        f" batch ms min {min(batch_ms)} max {max(batch_ms)};"
        f" peak memory: driver Python {_python_peak_mb():.0f} MB,"
        f" JVM {_jvm_peak_mb(spark) or float('nan'):.0f} MB"
    )
