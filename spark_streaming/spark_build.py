"""`dbt build --target spark` over the Postgres raw log, in this process: the raw log is read
in batch mode by the same data source as the stream and registered as the temp view
`live_game_v1` (vars raw_schema=system.session), then dbt-spark (method: session) builds the
Delta tables under $KAPPA_LAKE/game with the Spark flavour of the guarded_merge strategy.

dbt-spark's in-memory catalog is new in each process: the Delta tables that already exist in
the lake are registered first (`create table ... using delta location ...`), so that dbt merges
into them incrementally instead of replacing them.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pyspark.sql import SparkSession

from kappa.dbt_invoke import project_args, target_dir
from kappa.settings import PROJECT_DIR
from spark_streaming import source
from spark_streaming.compile import BATCH_VIEW
from spark_streaming.sinks import delta_table_exists

logger = logging.getLogger(__name__)

SCHEMA = "game"


def register_raw_log(spark: SparkSession, partitions: int = 2) -> None:
    """The whole raw log as the temp view live_game_v1 (read lazily by dbt's queries)."""
    source.register(spark)
    options = source.raw_log_options(max_captures=1, partitions=partitions)
    spark.read.format(source.FORMAT).options(**options).load().createOrReplaceTempView(BATCH_VIEW)


def register_lake_tables(spark: SparkSession, lake: Path) -> list[str]:
    """Register the existing Delta tables of <lake>/game in the catalog (schema game)."""
    spark.sql(f"create schema if not exists {SCHEMA}")
    registered = []
    root = lake / SCHEMA
    for table_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if table_dir.is_dir() and delta_table_exists(spark, str(table_dir)):
            spark.sql(
                f"create table if not exists {SCHEMA}.{table_dir.name} using delta"
                f" location '{table_dir}'"
            )
            registered.append(table_dir.name)
    return registered


def build(
    spark: SparkSession,
    lake: Path,
    dbt_args: list[str] | None = None,
    project_dir: Path = PROJECT_DIR,
) -> bool:
    """Run `dbt <dbt_args or build> --target spark` on the Delta lake at `lake`."""
    from dbt.cli.main import dbtRunner

    os.environ["KAPPA_LAKE"] = str(lake)
    register_raw_log(spark)
    registered = register_lake_tables(spark, lake)
    logger.info("dbt --target spark: lake %s, %d existing tables", lake, len(registered))
    args = [
        *(dbt_args or ["build"]),
        "--target",
        "spark",
        "--vars",
        json.dumps({"raw_schema": "system.session"}),
        "--target-path",
        str(target_dir(project_dir) / "spark-build"),
        *project_args(project_dir),
    ]
    result = dbtRunner().invoke(args)
    if not result.success:
        logger.error("dbt --target spark failed: %s", result.exception or "see dbt's log")
    return bool(result.success)
