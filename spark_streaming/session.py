"""The SparkSession of the stream, of `dbt --target spark` (method: session) and of the tests.

Delta Lake comes from delta-spark: `configure_spark_with_delta_pip` adds the matching
`io.delta:delta-spark_<spark>_2.13` artifact to `spark.jars.packages`, which Spark resolves
from Maven Central on first start (Ivy cache in ~/.ivy2); the jar version is DELTA_JAR_VERSION
(below). Under `spark-submit` the session already exists (pass `--packages
io.delta:delta-spark_4.2_2.13:4.4.0` and the two Delta confs); `getOrCreate` then reuses it and
the settings below only fill what is unset.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pyspark.sql import SparkSession

from kappa.settings import Settings

logger = logging.getLogger(__name__)

DELTA_EXTENSION = "io.delta.sql.DeltaSparkSessionExtension"
DELTA_CATALOG = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
# JVM flags that cut local startup (~9 s instead of ~12 s, docs/performance.md); with C1
# only, the default code cache (48 MB) fills during the demo and the JIT switches itself off
FAST_JVM = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=256m"
# Long-running jobs (the stream, benchmarks): the full tiered JIT (C2) transforms 2-3x faster
# once warm (measured: 25-capture batches 13.5 s vs 32 s); KAPPA_SPARK_JVM_OPTIONS overrides.
STREAM_JVM = "-XX:+UseParallelGC -XX:ReservedCodeCacheSize=256m"
# The pip package delta-spark 4.4.1 has no `delta-spark_4.2_2.13:4.4.1` jar on Maven Central
# (404; only 4.4.0 is published for Spark 4.2). The 4.4.1 Python API works with the 4.4.0 jar
# (verified), so the jar version is pinned: Settings.delta_version (KAPPA_DELTA_VERSION).
# Compiled-code cache entries (Spark's default: 100). One micro-batch runs 17 models of several
# generated classes each, so the default cache evicts and Janino recompiles every batch (15% of
# a small batch's CPU, JFR); with room for all of them a warm 1-capture batch takes 3.5 s, not 4.4.
CODEGEN_CACHE_ENTRIES = 2000
# Fair scheduling between the stream's jobs (pool "default") and the Delta writer's (pool
# kappa_delta, spark_streaming/delta_writer.py): a pool below its minShare gets free task slots
# first, so the stream's tasks always go before the writer's; the writer takes what is left.
SCHEDULER_POOLS = """<?xml version="1.0"?>
<allocations>
  <pool name="default">
    <schedulingMode>FIFO</schedulingMode><weight>4</weight><minShare>1000</minShare>
  </pool>
  <pool name="kappa_delta">
    <schedulingMode>FIFO</schedulingMode><weight>1</weight><minShare>0</minShare>
  </pool>
</allocations>
"""


@dataclass(frozen=True)
class SparkSettings:
    """How to build the session. `scratch_dir` holds the warehouse and Derby's metastore, so
    that nothing lands in the working directory (default: a new temp dir)."""

    master: str = "local[*]"
    app_name: str = "kappa-stream"
    shuffle_partitions: int = 2
    scratch_dir: Path | None = None
    driver_memory: str | None = None
    fast_start: bool = False  # C1-only JIT: quicker start, slower steady state (tests)
    jvm_options_override: str | None = None  # KAPPA_SPARK_JVM_OPTIONS
    delta_version: str = Settings.delta_version

    @property
    def jvm_options(self) -> str:
        default = FAST_JVM if self.fast_start else STREAM_JVM
        return self.jvm_options_override or default

    @classmethod
    def from_settings(cls, settings: Settings, master: str | None = None) -> SparkSettings:
        """The KAPPA_SPARK_* settings; `master` (a command-line option) wins."""
        return cls(
            master=master or settings.spark_master,
            scratch_dir=settings.spark_scratch,
            driver_memory=settings.spark_driver_memory,
            jvm_options_override=settings.spark_jvm_options,
            delta_version=settings.delta_version,
        )

    @property
    def delta_package(self) -> str:
        """Maven coordinate of the Delta jar for this pyspark (what
        configure_spark_with_delta_pip builds, with the jar version that exists on Maven
        Central)."""
        import pyspark

        spark_minor = ".".join(pyspark.__version__.split(".")[:2])
        return f"io.delta:delta-spark_{spark_minor}_2.13:{self.delta_version}"


def submitted() -> bool:
    """True when this driver runs under spark-submit (the JVM exists already)."""
    return "PYSPARK_GATEWAY_PORT" in os.environ


def active_session() -> SparkSession | None:
    return SparkSession.getActiveSession()


def build_session(settings: SparkSettings) -> SparkSession:
    """The process's SparkSession with Delta Lake, UTC session time zone and quiet local
    settings; returns the running session when there is one (dbt's method `session` and the
    stream then share it)."""
    from delta import configure_spark_with_delta_pip

    running = active_session()
    if running is not None:
        return running
    # Python workers must run this interpreter (the venv with psycopg, pyarrow and this
    # package), not whatever `python3` is first on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    scratch = settings.scratch_dir or Path(tempfile.mkdtemp(prefix="kappa-spark-"))
    scratch.mkdir(parents=True, exist_ok=True)
    derby = scratch / "derby"
    derby.mkdir(exist_ok=True)
    # Derby reads its home from a system property of the driver JVM; metastore_db and
    # derby.log would otherwise land in the working directory.
    java_options = f"-Dderby.system.home={derby} {settings.jvm_options}"
    pools = scratch / "fairscheduler.xml"
    pools.write_text(SCHEDULER_POOLS)
    builder = SparkSession.builder
    if not submitted():  # under spark-submit, its --master and --conf apply
        builder = builder.master(settings.master)
    builder = (
        builder.appName(settings.app_name)
        .config("spark.sql.extensions", DELTA_EXTENSION)
        .config("spark.sql.catalog.spark_catalog", DELTA_CATALOG)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.log.structuredLogging.enabled", "false")
        .config("spark.driver.extraJavaOptions", java_options)
        .config("spark.executor.extraJavaOptions", settings.jvm_options)
        .config("spark.sql.streaming.stopTimeout", "30s")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.codegen.cache.maxEntries", str(CODEGEN_CACHE_ENTRIES))
        .config("spark.scheduler.mode", "FAIR")
        .config("spark.scheduler.allocation.file", str(pools))
    )
    if settings.driver_memory:
        builder = builder.config("spark.driver.memory", settings.driver_memory)
    builder = configure_spark_with_delta_pip(builder)
    builder = builder.config("spark.jars.packages", settings.delta_package)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    # dbt-spark's session method calls getOrCreate() with Hive support for every statement,
    # and Spark warns each time that the running session's static settings stay: dozens of
    # identical lines per `kappa build --target spark`
    jvm = spark.sparkContext._jvm
    jvm.org.apache.logging.log4j.core.config.Configurator.setLevel(
        "org.apache.spark.sql.classic.SparkSession", jvm.org.apache.logging.log4j.Level.ERROR
    )
    logger.info(
        "SparkSession %s on %s (scratch %s)", spark.version, spark.sparkContext.master, scratch
    )
    return spark
