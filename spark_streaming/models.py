"""The serving models of one streaming query as DataFrames analysed and planned ONCE, then
re-run on every micro-batch: Spark's analysis and planning of 17 queries cost 2-3 s per batch
(docs/performance.md), the re-run of the same plans a third of that.

A plan re-runs on new data because its leaf reads anew on every execution:

- the leaf is the cached parse of `kappa_current_batch` (spark_streaming/source.py), a read
  of the captures that this plan set's row of kappa_stream.current_batch names (the driver
  writes the row before each batch; executors read it, also on a cluster), by as many tasks
  as the cluster has cores; the models read the cache as ONE partition (coalesce), so their
  windows per game need no shuffle of the parsed documents;
- before each batch the cached blocks are dropped while the cached RDD stays registered, so the
  first job of the batch reads and parses the new captures once and caches them again, and every
  model then reads the cache;
- a plan must hold no state of an earlier execution: broadcast joins are off (a broadcast is
  computed once per plan), adaptive execution is off, and the map outputs of the plans' few
  shuffles (joins after an explode) are unregistered before each batch, so their stages run
  again instead of being skipped as already computed.

The compiled model SQL is run unchanged; only where its rows come from changes per batch. Spark
internals used (pinned pyspark 4.2): the cache manager's cached RDD, BlockManagerMaster
.removeRdd, MapOutputTrackerMaster.unregisterAllMapAndMergeOutput; tests/stream compare every
batch of several batches with `dbt build`, which a stale plan would fail.

After PLAN_LIFETIME batches the plans are built anew, so that Spark can clean the shuffle files
the old ones left.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.functions import parse_json

from kappa import postgres
from spark_streaming import source
from spark_streaming.plan import BATCH_VIEW, StreamPlan

logger = logging.getLogger(__name__)

PLAN_LIFETIME = 1000  # batches


def ensure_current_batch_table(database: str | None) -> None:
    """kappa_stream.current_batch, created once (concurrent first runs serialised: CREATE ...
    IF NOT EXISTS is not race-free)."""
    with postgres.connect(dbname=database) as conn, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('kappa.stream_state'))")
        conn.execute(source.CURRENT_BATCH_DDL)


def configure_for_reused_plans(spark: SparkSession) -> None:
    """Settings of a session whose model plans are re-run on new data: adaptive execution and
    broadcast joins both keep state in a plan; adaptive execution also cost a micro-batch more
    than it saved (15 games: 7.4 s vs 9.3 s)."""
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")


class ReusedModels:
    """The model DataFrames of one query's session and the leaf they read."""

    def __init__(self, spark: SparkSession, plan: StreamPlan, database: str | None) -> None:
        self.spark = spark
        self.plan = plan
        self.database = database
        self.plan_set = f"{spark.sparkContext.applicationId}-{uuid.uuid4().hex[:8]}"
        self.batches = 0
        self._build()

    def _build(self) -> None:
        spark = self.spark
        with postgres.connect(dbname=self.database, autocommit=True) as conn:
            conn.execute(
                "insert into kappa_stream.current_batch (plan_set, raw_ids) values (%s, '{}')"
                " on conflict (plan_set) do nothing",
                [self.plan_set],
            )
        configure_for_reused_plans(spark)  # the query's own session (the stream's clone)
        # documents read and parsed in parallel (a replay's 200 captures took 6-11 s in one task)
        tasks = spark.sparkContext.defaultParallelism
        options = source.raw_log_options(1, tasks, database=self.database)
        leaf = (
            spark.read.format(source.CURRENT_FORMAT)
            .options(**options, planSet=self.plan_set)
            .load()
        )
        self.leaf = leaf.withColumn("data", parse_json(leaf.data)).persist()
        # one partition, stated in the plan: no shuffle for the windows
        self.leaf.coalesce(1).createOrReplaceTempView(BATCH_VIEW)
        self.outputs = {model.name: spark.sql(model.sql) for model in self.plan.models}
        jvm_plans = [
            output._jdf.queryExecution().executedPlan() for output in self.outputs.values()
        ]
        self._shuffles = sorted({sid for node in jvm_plans for sid in _shuffle_ids(node)})
        cached = spark._jsparkSession.sharedState().cacheManager().lookupCachedData(self.leaf._jdf)
        self._cache_rdd = cached.get().cachedRepresentation().cacheBuilder().cachedColumnBuffers()
        logger.info(
            "planned %d models once (plan set %s, %d shuffles)",
            len(self.outputs),
            self.plan_set,
            len(self._shuffles),
        )

    def run(self, raw_ids: Iterable[int]) -> dict[str, DataFrame]:
        """Point the plans at `raw_ids`, read and parse them once (cached); returns the model
        DataFrames, ready to be collected."""
        if self.batches >= PLAN_LIFETIME:
            self.close()
            self._build()
            self.batches = 0
        self.batches += 1
        with postgres.connect(dbname=self.database, autocommit=True) as conn:
            conn.execute(
                "update kappa_stream.current_batch set raw_ids = %s, updated_at = now()"
                " where plan_set = %s",
                [sorted(raw_ids), self.plan_set],
            )
        env = self.spark.sparkContext._jsc.sc().env()
        env.blockManager().master().removeRdd(self._cache_rdd.id(), True)
        tracker = env.mapOutputTracker()
        for shuffle_id in self._shuffles:
            if tracker.containsShuffle(shuffle_id):
                tracker.unregisterAllMapAndMergeOutput(shuffle_id)
        self.leaf.count()  # one job: the batch's documents read and parsed once, cached
        return self.outputs

    def close(self) -> None:
        self.leaf.unpersist()
        with postgres.connect(dbname=self.database, autocommit=True) as conn:
            conn.execute(
                "delete from kappa_stream.current_batch where plan_set = %s", [self.plan_set]
            )


def _shuffle_ids(node) -> set[int]:
    """Shuffle ids of the exchanges in a physical plan (a JVM SparkPlan) and its subqueries."""
    found = set()
    if node.getClass().getSimpleName() == "ShuffleExchangeExec":
        found.add(node.shuffleDependency().shuffleId())
    for children in (node.children(), node.innerChildren()):
        for index in range(children.size()):
            found |= _shuffle_ids(children.apply(index))
    return found
