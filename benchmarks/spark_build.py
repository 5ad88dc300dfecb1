"""`kappa bench spark-build`: `kappa build` (dbt build on Postgres) and `kappa build --target
spark` (dbt build on Spark into a fresh Delta lake) over the same N re-keyed real games, in one
run: seconds, the ratio, and where dbt's time went (models, data tests, unit tests, summed over
threads)."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

from benchmarks.backfill import feed_templates, load_corpus
from kappa import postgres, run_dbt
from kappa.settings import Settings


def node_seconds(result) -> dict[str, float]:
    """dbt's execution time summed per resource type (model, test, unit_test)."""
    summed: dict[str, float] = {}
    for node_result in run_dbt.node_results(result):
        kind = str(node_result.node.resource_type)
        summed[kind] = summed.get(kind, 0.0) + float(node_result.execution_time or 0.0)
    return summed


def run(games: int, feeds: Path | None, master: str | None) -> str:
    from spark_streaming import lake_build
    from spark_streaming.session import SparkSettings, build_session

    settings = Settings.from_env()
    templates = feed_templates(feeds)
    with postgres.scratch_database("kappa_bench_spark_build") as database:
        size, _ = load_corpus(database, templates, games, 2)
        started = time.perf_counter()
        # the builds `kappa build` runs on each target: models and data tests
        on_postgres = run_dbt.invoke(
            "build",
            "--quiet",
            *run_dbt.WITHOUT_UNIT_TESTS,
            settings=settings,
            database=database,
            target_path=settings.dbt_target_dir("bench-postgres"),
        )
        postgres_seconds = time.perf_counter() - started
        spark = build_session(SparkSettings.from_settings(settings, master))
        lake = Path(tempfile.mkdtemp(prefix="kappa-bench-lake-"))
        started = time.perf_counter()
        on_spark = lake_build.build(
            spark,
            dataclasses.replace(settings, lake=lake),
            "build",
            "--quiet",
            *run_dbt.WITHOUT_UNIT_TESTS,
            database=database,
        )
        spark_seconds = time.perf_counter() - started
    lines = [
        f"spark build benchmark: {games} re-keyed games, {size / 1e6:.0f} MB of JSON,"
        f" dbt threads {settings.dbt_threads}",
        f"  kappa build (Postgres)        {postgres_seconds:7.1f} s",
        f"  kappa build --target spark    {spark_seconds:7.1f} s"
        f"  = {spark_seconds / postgres_seconds:.1f} x Postgres",
    ]
    for target, result in (("Postgres", on_postgres), ("Spark", on_spark)):
        summed = ", ".join(
            f"{kind} {seconds:.1f} s" for kind, seconds in node_seconds(result).items()
        )
        lines.append(f"  {target:8s} summed over threads: {summed}")
    return "\n".join(lines)
