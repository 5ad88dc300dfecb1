"""`kappa bench backfill`: load N re-keyed real games into a fresh database, `dbt build` every
serving model, and report throughput against a read floor measured in the same run.

The read floor is one SQL pass that only explodes every playEvent of every document and counts
them: the least any transform of the raw log has to do. Memory is sampled while it runs (this
process, and the private memory of the Postgres backends of the benchmark database when the
server runs on this machine).
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from benchmarks.corpus import GameTemplate, final_feed_files, rekeyed_games
from benchmarks.memory import MemoryPeaks, MemorySampler
from kappa import postgres, raw_log, run_dbt
from kappa.errors import DbtError
from kappa.project import PACKAGE_DIR, sample_feeds_dir
from kappa.settings import Settings

logger = logging.getLogger(__name__)

SHARED_FEEDS = PACKAGE_DIR.parent.parent / "shared" / "data" / "mlb" / "feed_live"
GAMES_PER_TRANSACTION = 50
READ_FLOOR_SQL = """
select count(*)
from game.live_game_v1 as capture
cross join lateral jsonb_array_elements(capture.data #> '{liveData,plays,allPlays}') as play
cross join lateral jsonb_array_elements(play -> 'playEvents') as play_event
"""
MB = 1024 * 1024
RAW_STORAGES = ("external", "compressed")


def default_feeds_dir() -> Path:
    return SHARED_FEEDS if SHARED_FEEDS.is_dir() else sample_feeds_dir()


def feed_templates(feeds: Path | None = None) -> list[GameTemplate]:
    """The real final feeds in `feeds` (default: default_feeds_dir()) as re-keying templates."""
    return [GameTemplate.from_file(path) for path in final_feed_files(feeds or default_feeds_dir())]


@dataclass(frozen=True)
class BackfillSettings:
    games: int
    feeds_dir: Path = field(default_factory=default_feeds_dir)
    load_connections: int = 2
    dbt_threads: int | None = None  # None: KAPPA_DBT_THREADS (default: the CPU cores)
    keep_database: bool = False
    dbt_args: tuple[str, ...] = ()  # extra dbt arguments, e.g. ("--select", "live_game_plays")
    # TOAST storage of the raw log's document column for this run: "external" (the DDL's,
    # uncompressed) or "compressed" (pglz, storage MAIN: ~3.4x less disk, slower reads)
    raw_storage: str = "external"
    rebuild: bool = False  # also time a second `dbt build` with nothing new (per-build cost)
    # a hand-written ETL to time on the same raw log in the same run (`PATH --from-raw`, PG*
    # naming the benchmark database), e.g. ../shared/tools/baseline_etl.py; never bundled
    compare_etl: Path | None = None
    # rounds of (build, ETL) timed in turn on the same raw log: the first build, then
    # `dbt build --full-refresh`. On a shared machine one pair's ratio moves with the load
    # (the ETL took 61 s and 91 s a quarter of an hour apart): the median of several is the figure
    etl_rounds: int = 1

    def __post_init__(self) -> None:
        if self.raw_storage not in RAW_STORAGES:
            raise ValueError(
                f"raw_storage {self.raw_storage!r} is not one of {', '.join(RAW_STORAGES)}"
            )
        if self.etl_rounds < 1:
            raise ValueError(f"etl_rounds must be >= 1, got {self.etl_rounds}")


@dataclass(frozen=True)
class NodeTiming:
    name: str
    resource_type: str
    status: str
    seconds: float


@dataclass(frozen=True)
class EtlRound:
    build_seconds: float
    etl_seconds: float

    @property
    def ratio(self) -> float:
        """How many times as fast as the ETL the build is."""
        return self.etl_seconds / self.build_seconds


@dataclass
class BackfillReport:
    settings: BackfillSettings
    database: str
    templates: int = 0
    json_bytes: int = 0
    raw_log_bytes: int = 0  # on disk, table + TOAST + indexes
    play_events: int = 0
    load_seconds: float = 0.0
    read_floor_seconds: float = 0.0
    transform_seconds: float = 0.0
    rebuild_seconds: float | None = None
    etl_rounds: list[EtlRound] = field(default_factory=list)
    etl_output: str = ""
    dbt_success: bool = False
    nodes: list[NodeTiming] = field(default_factory=list)
    row_counts: dict[str, int] = field(default_factory=dict)
    memory: dict[str, MemoryPeaks] = field(default_factory=dict)  # per phase

    @property
    def games_per_second(self) -> float:
        return self.settings.games / self.transform_seconds if self.transform_seconds else 0.0

    @property
    def floor_ratio(self) -> float:
        return self.transform_seconds / self.read_floor_seconds if self.read_floor_seconds else 0.0


def run(settings: BackfillSettings, on_progress: Callable[[str], None] | None = None):
    """The whole benchmark in a fresh database on the server the PG* variables name; the
    database is dropped afterwards unless keep_database."""
    progress = on_progress or (lambda message: logger.info("%s", message))
    if settings.games < 1:
        raise ValueError(f"games must be >= 1, got {settings.games}")
    templates = feed_templates(settings.feeds_dir)
    if not templates:
        raise FileNotFoundError(f"no final feed/live files in {settings.feeds_dir}")
    with postgres.scratch_database("kappa_bench", keep=settings.keep_database) as database:
        report = BackfillReport(settings=settings, database=database, templates=len(templates))
        sampler = MemorySampler(database)
        sampler.start()
        try:
            with sampler.phase("load"):
                progress(f"loading {settings.games} games into {database}")
                report.json_bytes, report.load_seconds = load_corpus(
                    database,
                    templates,
                    settings.games,
                    settings.load_connections,
                    settings.raw_storage,
                )
            with postgres.connect(dbname=database, autocommit=True) as conn:
                report.raw_log_bytes = conn.execute(
                    "select pg_total_relation_size('game.live_game_v1')"
                ).fetchone()[0]
                with sampler.phase("read floor"):
                    progress("read floor")
                    started = time.perf_counter()
                    report.play_events = conn.execute(READ_FLOOR_SQL).fetchone()[0]
                    report.read_floor_seconds = time.perf_counter() - started
            with sampler.phase("transform"):
                progress("dbt build")
                started = time.perf_counter()
                report.dbt_success, report.nodes = dbt_build(settings, database)
                report.transform_seconds = time.perf_counter() - started
            if settings.rebuild and report.dbt_success:
                with sampler.phase("rebuild"):
                    progress("dbt build again (nothing new: incremental no-op + sweep + tests)")
                    started = time.perf_counter()
                    dbt_build(settings, database)
                    report.rebuild_seconds = time.perf_counter() - started
            if settings.compare_etl is not None:
                build_seconds = report.transform_seconds
                for round_number in range(1, settings.etl_rounds + 1):
                    if round_number > 1:
                        with sampler.phase("transform"):
                            progress(f"round {round_number}: dbt build --full-refresh")
                            started = time.perf_counter()
                            dbt_build(settings, database, "--full-refresh")
                            build_seconds = time.perf_counter() - started
                    with sampler.phase("etl"):
                        progress(f"round {round_number}: {settings.compare_etl} --from-raw")
                        etl_seconds, report.etl_output = run_etl(settings.compare_etl, database)
                    report.etl_rounds.append(EtlRound(build_seconds, etl_seconds))
            report.row_counts = serving_row_counts(database)
        finally:
            sampler.stop()
        report.memory = sampler.peaks
    return report


def load_corpus(
    database: str,
    templates: list[GameTemplate],
    games: int,
    connections: int,
    raw_storage: str = "external",
) -> tuple[int, float]:
    """Write `games` re-keyed games into the raw log of `database` over `connections` parallel
    connections (raw_log.insert_captures, GAMES_PER_TRANSACTION per transaction); returns (JSON
    bytes, seconds). Each worker renders its own games one at a time: memory stays flat."""
    with postgres.connect(dbname=database, autocommit=True) as conn:
        raw_log.ensure_schema(conn)
        if raw_storage == "compressed":
            conn.execute("alter table game.live_game_v1 alter column data set storage main")
    workers = max(1, min(connections, games))
    totals = [0] * workers
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            captures = rekeyed_games(templates, range(worker, games, workers))
            totals[worker] = _write(database, captures)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            errors.append(error)

    started = time.perf_counter()
    threads = [threading.Thread(target=work, args=(n,), daemon=True) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    with postgres.connect(dbname=database, autocommit=True) as conn:
        conn.execute("analyze game.live_game_v1")
    return sum(totals), time.perf_counter() - started


def _write(database: str, captures: Iterator) -> int:
    """Append captures through the raw log's writer, GAMES_PER_TRANSACTION per transaction;
    JSON bytes written."""
    written = 0
    with postgres.connect(dbname=database, autocommit=True) as conn:
        while chunk := list(islice(captures, GAMES_PER_TRANSACTION)):
            raw_log.insert_captures(conn, chunk)
            written += sum(len(capture.document) for capture in chunk)
    return written


def dbt_build(
    settings: BackfillSettings, database: str, *extra_args: str
) -> tuple[bool, list[NodeTiming]]:
    """`dbt build` in-process on `database`; returns (success, per-node timings)."""
    kappa_settings = Settings.from_env()
    # the build `kappa build` runs: models and data tests
    args = ["--quiet", *run_dbt.WITHOUT_UNIT_TESTS, *settings.dbt_args, *extra_args]
    if settings.dbt_threads is not None:
        args += ["--threads", str(settings.dbt_threads)]
    try:
        result = run_dbt.invoke(
            "build",
            *args,
            settings=kappa_settings,
            database=database,
            # its own target path: other dbt runs in the same project are not disturbed
            target_path=kappa_settings.dbt_target_dir("bench"),
        )
    except DbtError as error:
        logger.error("%s", error)
        result = error.result
    nodes = []
    for node_result in run_dbt.node_results(result):
        node = node_result.node
        nodes.append(
            NodeTiming(
                name=node.name,
                resource_type=str(node.resource_type),
                status=str(node_result.status),
                seconds=float(node_result.execution_time or 0.0),
            )
        )
    return bool(result is not None and result.success), nodes


def run_etl(script: Path, database: str) -> tuple[float, str]:
    """Run `script --from-raw` (this Python, PG* naming `database`): (seconds, its last line).
    The comparator writes its own schema and reads the raw log the build read."""
    if not script.is_file():
        raise FileNotFoundError(f"--compare-etl {script}: no such file")
    env = {**os.environ, "PGDATABASE": database}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(script), "--from-raw"], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{script} --from-raw failed: {done.stderr.strip()[-500:]}")
    lines = done.stdout.strip().splitlines()
    return seconds, lines[-1] if lines else ""


def serving_row_counts(database: str) -> dict[str, int]:
    with postgres.connect(dbname=database, autocommit=True) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'game'"
                " and table_type = 'BASE TABLE' and table_name like 'live\\_game\\_%'"
                " and table_name not in ('live_game_v1', 'live_game_quarantine')"
                " order by table_name"
            )
        ]
        return {
            table: conn.execute(f"select count(*) from game.{table}").fetchone()[0]
            for table in tables
        }


def format_report(report: BackfillReport) -> str:
    s = report.settings
    mb = report.json_bytes / MB
    models = [n for n in report.nodes if n.resource_type == "model"]
    tests = [n for n in report.nodes if n.resource_type == "test"]
    unit_tests = [n for n in report.nodes if n.resource_type == "unit_test"]
    failed = [n for n in report.nodes if n.status not in ("success", "pass")]
    threads = s.dbt_threads or Settings.from_env().dbt_threads
    lines = [
        f"backfill benchmark: {s.games} games re-keyed from {report.templates} real final "
        f"feeds in {s.feeds_dir}",
        f"  corpus      {mb:,.1f} MB of JSON, {report.play_events:,} playEvents",
        f"  load        {report.load_seconds:6.2f} s  {s.games / report.load_seconds:7.1f} games/s "
        f"{mb / report.load_seconds:7.1f} MB/s  (COPY, {s.load_connections} connections, "
        f"{s.raw_storage} storage: {report.raw_log_bytes / MB:,.0f} MB on disk)",
        f"  read floor  {report.read_floor_seconds:6.2f} s  "
        f"{s.games / report.read_floor_seconds:7.1f} games/s  (explode + count every playEvent)",
        f"  transform   {report.transform_seconds:6.2f} s  {report.games_per_second:7.1f} games/s "
        f"{mb / report.transform_seconds:7.1f} MB/s  = {report.floor_ratio:.1f} x read floor  "
        f"(dbt build: {len(models)} models, {len(tests)} data tests, {len(unit_tests)} unit tests, "
        f"{threads} threads"
        f"{', FAILED' if not report.dbt_success else ''})",
        f"  model time  {sum(n.seconds for n in models):6.2f} s summed over models, "
        f"data tests {sum(n.seconds for n in tests):.2f} s, "
        f"unit tests {sum(n.seconds for n in unit_tests):.2f} s summed",
        f"  load + transform {report.load_seconds + report.transform_seconds:.2f} s",
    ]
    for number, pair in enumerate(report.etl_rounds, start=1):
        build = "dbt build" if number == 1 else "dbt build --full-refresh"
        lines.append(
            f"  comparator  {pair.etl_seconds:6.2f} s  ({s.compare_etl} --from-raw, same raw log,"
            f" round {number}): {build} {pair.build_seconds:.2f} s is {pair.ratio:.2f}x as fast"
        )
    if report.etl_rounds:
        ratios = [pair.ratio for pair in report.etl_rounds]
        lines.append(
            f"  comparator  median {statistics.median(ratios):.2f}x over {len(ratios)} round(s)"
            f" (min {min(ratios):.2f}x, max {max(ratios):.2f}x)"
        )
        lines.append(f"              {report.etl_output}")
    if report.rebuild_seconds is not None:
        lines.append(
            f"  rebuild     {report.rebuild_seconds:6.2f} s  (dbt build again, nothing new)"
        )
    for node in sorted(models, key=lambda n: -n.seconds):
        rows = report.row_counts.get(node.name)
        lines.append(
            f"    {node.name:32s} {node.seconds:6.2f} s  {rows if rows is not None else '-':>10}"
            " rows"
        )
    for node in sorted(tests + unit_tests, key=lambda n: -n.seconds)[:3]:
        lines.append(f"    slowest {node.resource_type}: {node.name} {node.seconds:.2f} s")
    for node in failed:
        lines.append(f"  NOT OK: {node.resource_type} {node.name}: {node.status}")
    for phase, peaks in report.memory.items():
        if phase in ("setup", "between"):
            continue
        backends = (
            f"backends {peaks.backends_total_mb:,.0f} MB total, {peaks.backend_max_mb:,.0f} MB "
            "largest (private RssAnon)"
            if peaks.backends_total_mb is not None
            else "backends not visible (server on another host?)"
        )
        lines.append(f"  peak memory {phase:10s} python {peaks.python_mb:,.0f} MB RSS; {backends}")
    return "\n".join(lines)
