"""`kappa build --target spark`: dbt on Spark over the Postgres raw log, in this process. The
raw log is read in batch mode by the same data source as the stream and registered as the temp
view `live_game_v1` (var raw_schema=system.session), then dbt-spark (method: session) builds the
Delta tables under <lake>/game with the Spark flavour of the guarded_merge strategy.

dbt-spark's in-memory catalog is new in each process: the Delta tables that already exist in
the lake are registered first (`create table ... using delta location ...`), so that dbt merges
into them incrementally instead of replacing them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import parse_json

from kappa import run_dbt
from kappa.settings import Settings
from spark_streaming import source
from spark_streaming.plan import BATCH_VIEW
from spark_streaming.sinks.delta import delta_table_exists

logger = logging.getLogger(__name__)

LAKE_SCHEMA = "game"  # the Spark catalog schema of the lake's tables (<lake>/game/<table>)


def register_raw_log(
    spark: SparkSession, partitions: int = 2, database: str | None = None
) -> DataFrame:
    """The whole raw log as the temp view live_game_v1, read from Postgres and parsed ONCE and
    cached for the build (every model reads it: 17 reads and parses otherwise); dbt gets the
    var `documents_parsed`, so `kappa.json_doc` takes the column as it is."""
    source.register(spark)
    options = source.raw_log_options(max_captures=1, partitions=partitions, database=database)
    raw = spark.read.format(source.FORMAT).options(**options).load()
    parsed = raw.withColumn("data", parse_json(raw.data)).persist()
    parsed.createOrReplaceTempView(BATCH_VIEW)
    return parsed


def forget_other_lakes(spark: SparkSession, root: Path) -> list[str]:
    """Drop the catalog's registrations (schema game) of external tables that are not under
    `root`: a session reused for another lake (tests, notebooks) would otherwise make dbt merge
    into the previous lake's tables. Only the registration goes; the data stays."""
    dropped = []
    for table in spark.catalog.listTables(LAKE_SCHEMA):
        if table.isTemporary or table.tableType != "EXTERNAL":
            continue
        name = f"{LAKE_SCHEMA}.{table.name}"
        details = spark.sql(f"describe table extended {name}").collect()
        location = next((row.data_type for row in details if row.col_name == "Location"), "")
        if location.removeprefix("file:").rstrip("/") != str(root / table.name):
            spark.sql(f"drop table {name}")
            dropped.append(table.name)
    if dropped:
        logger.info("catalog: dropped registrations of another lake: %s", ", ".join(dropped))
    return dropped


def register_lake_tables(spark: SparkSession, lake: Path) -> list[str]:
    """Register the existing Delta tables of <lake>/game in the catalog (schema game), after
    dropping registrations that point to another lake."""
    spark.sql(f"create schema if not exists {LAKE_SCHEMA}")
    registered = []
    root = lake / LAKE_SCHEMA
    forget_other_lakes(spark, root)
    for table_dir in sorted(root.iterdir()) if root.is_dir() else []:
        if table_dir.is_dir() and delta_table_exists(spark, str(table_dir)):
            spark.sql(
                f"create table if not exists {LAKE_SCHEMA}.{table_dir.name} using delta"
                f" location '{table_dir}'"
            )
            registered.append(table_dir.name)
    return registered


def build(
    spark: SparkSession,
    settings: Settings,
    command: str = "build",
    *args: str,
    database: str | None = None,
    variables: dict | None = None,
):
    """`dbt <command> <args> --target spark` on the Delta lake at `settings.lake`, from the raw
    log of `database` (default PGDATABASE); `variables`: more dbt vars (e.g. a build scope,
    kappa.build_scope); raises DbtError naming the failed nodes."""
    raw_log = register_raw_log(spark, database=database)
    registered = register_lake_tables(spark, settings.lake)
    logger.info("dbt --target spark: lake %s, %d existing tables", settings.lake, len(registered))
    try:
        return run_dbt.invoke(
            command,
            *args,
            settings=settings,
            target="spark",
            variables={
                **(variables or {}),
                "raw_schema": "system.session",
                "documents_parsed": True,
            },
            target_path=settings.dbt_target_dir("spark-build"),
        )
    finally:
        raw_log.unpersist()
