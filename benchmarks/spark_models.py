"""`kappa bench spark-models`: the CPU that Spark spends on the serving models themselves, per
game, with no sink and no planning in the figure: the floor under every Spark path (stream,
replay, `kappa build --target spark`).

N re-keyed real final games are written to a Parquet file, read and parsed into VARIANT (cached,
as the stream's leaf), and each model's compiled Spark SQL (the stream's: dbt compile with var
streaming) is planned once and run `rounds` times into Spark's `noop` sink. The best run of the
parse and of each model counts. Everything runs in one task, so each figure is seconds of one
core; from their sum the report derives what the transform alone allows on this machine's
cores, before any sink writes."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.backfill import feed_templates
from benchmarks.corpus import rekeyed_games
from kappa.settings import Settings

REPLAY_TARGET = 20.0  # captures/s, issue 13's replay target
GAMES_PER_ROW_GROUP = 10
SCHEMA = pa.schema(
    [
        ("raw_id", pa.int64()),
        ("game_pk", pa.int64()),
        ("captured_at", pa.timestamp("us", tz="UTC")),
        ("source_timecode", pa.string()),
        ("data", pa.large_string()),
    ]
)


@dataclass(frozen=True)
class ModelTime:
    name: str
    seconds: float  # best of the rounds
    rows: int


def write_corpus(path: Path, games: int, feeds: Path | None) -> int:
    """`games` re-keyed final games as raw-log rows in one Parquet file, a few games per row
    group (memory stays flat); returns the JSON bytes written."""
    size = 0
    with pq.ParquetWriter(path, SCHEMA) as writer:
        rows: list[dict] = []
        for raw_id, capture in enumerate(rekeyed_games(feed_templates(feeds), range(games)), 1):
            size += len(capture.document)
            rows.append(
                {
                    "raw_id": raw_id,
                    "game_pk": capture.game_pk,
                    "captured_at": capture.captured_at,
                    "source_timecode": capture.source_timecode,
                    "data": capture.document.decode(),
                }
            )
            if len(rows) == GAMES_PER_ROW_GROUP:
                writer.write_table(pa.Table.from_pylist(rows, SCHEMA))
                rows = []
        if rows:
            writer.write_table(pa.Table.from_pylist(rows, SCHEMA))
    return size


def best_seconds(run: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return min(times)


def run(games: int, rounds: int, feeds: Path | None, master: str | None, echo) -> None:
    from pyspark.sql.functions import parse_json

    from spark_streaming.models import configure_for_reused_plans
    from spark_streaming.plan import BATCH_VIEW, compile_models
    from spark_streaming.session import SparkSettings, build_session

    settings = Settings.from_env()
    compiled = compile_models(settings)
    # a session of its own (settings and temp views), configured as the stream's query session
    spark = build_session(SparkSettings.from_settings(settings, master)).newSession()
    configure_for_reused_plans(spark)
    cores = spark.sparkContext.defaultParallelism
    with tempfile.TemporaryDirectory(prefix="kappa-bench-models-") as scratch:
        corpus = Path(scratch) / "captures.parquet"
        size = write_corpus(corpus, games, feeds)
        raw = spark.read.parquet(str(corpus)).coalesce(1)
        leaf = raw.withColumn("data", parse_json(raw.data))

        def parse() -> None:  # as the stream before each batch: blocks dropped, parsed again
            leaf.unpersist(blocking=True)
            leaf.persist().count()

        parse_seconds = best_seconds(parse, rounds)
        leaf.createOrReplaceTempView(BATCH_VIEW)
        try:
            job_floor = best_seconds(
                lambda: spark.range(1).write.format("noop").mode("overwrite").save(), rounds
            )
            times = []
            for name in compiled.tables:
                output = spark.sql(compiled.serving[name])
                seconds = best_seconds(
                    lambda output=output: output.write.format("noop").mode("overwrite").save(),
                    rounds,
                )
                times.append(ModelTime(name, seconds, output.count()))
        finally:
            leaf.unpersist()
    echo(format_report(games, size, rounds, cores, parse_seconds, job_floor, times))


def format_report(
    games: int,
    size: int,
    rounds: int,
    cores: int,
    parse_seconds: float,
    job_floor: float,
    times: list[ModelTime],
) -> str:
    def per_game(seconds: float) -> str:
        return f"{1000 * seconds / games:7.1f} ms/game"

    models = sum(model.seconds for model in times)
    # each model's run includes one Spark job's fixed cost, whatever the data
    models_data = max(models - len(times) * job_floor, 0.0)
    per_capture = (parse_seconds + models_data) / games
    lines = [
        f"spark models benchmark: {games} re-keyed final games, {size / 1e6:.0f} MB of JSON;"
        f" one task each (seconds of one core), best of {rounds}",
        f"  {'read and parse (parse_json, cached)':40s} {parse_seconds:7.2f} s"
        f" {per_game(parse_seconds)}",
    ]
    for model in sorted(times, key=lambda model: -model.seconds):
        lines.append(
            f"  {model.name:40s} {model.seconds:7.2f} s {per_game(model.seconds)}"
            f"   {model.rows:>9,} rows"
        )
    lines += [
        f"  {f'{len(times)} models':40s} {models:7.2f} s {per_game(models)}",
        f"  {'a Spark job of one row (noop), best':40s} {job_floor:7.2f} s"
        f"   x {len(times)} = {len(times) * job_floor:.2f} s of the models' time",
        f"  one core per final capture: parse {1000 * parse_seconds / games:.0f} ms + models"
        f" {1000 * models_data / games:.0f} ms (job floors taken out)"
        f" = {1000 * per_capture:.0f} ms",
        f"  on {cores} cores the transform alone allows at most {cores / per_capture:.1f}"
        f" final captures/s, before any sink writes (issue 13's replay target:"
        f" {REPLAY_TARGET:.0f})",
    ]
    return "\n".join(lines)
