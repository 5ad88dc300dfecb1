"""`kappa bench delta-write`: the Delta sink's write of one group of outputs (DeltaSink.write,
as the Delta writer runs it), A/B in one run:

- A "merge": the guarded MERGE into every table (the write before issue 13, item 3);
- B "replace": the watermark's MERGE, then a per-game replacement of the 16 other tables
  (kappa.guarded_replace_sql, the stream's and `dbt build --target spark`'s write now).

The outputs are those of the serving models (the stream's compiled SQL) over N re-keyed real
final games, written into a lake that already holds exactly these games ("same") and into one
that also holds `others` other games ("others"): a replay of the group, equal rows in and out.
Every round starts from a copy of the same prepared lake; A and B alternate (ABBA...) because
the machine may be shared. Prints seconds per round and the ratio of the medians.
"""

from __future__ import annotations

import dataclasses
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.backfill import feed_templates
from benchmarks.corpus import rekeyed_games
from kappa.settings import Settings

CHUNK = 20  # games transformed per Spark query (bounded driver memory)


def model_outputs(spark, serving: dict[str, str], captures) -> dict[str, pa.Table]:
    """The serving models' outputs (their compiled stream SQL over the view live_game_v1) of
    `captures`, CHUNK games at a time, as Arrow tables."""
    from pyspark.sql.functions import parse_json

    from spark_streaming.plan import BATCH_VIEW

    captures = list(captures)
    parts: dict[str, list[pa.Table]] = {name: [] for name in serving}
    for start in range(0, len(captures), CHUNK):
        rows = [
            (
                start + offset + 1,
                capture.game_pk,
                capture.captured_at,
                capture.source_timecode,
                capture.document.decode(),
            )
            for offset, capture in enumerate(captures[start : start + CHUNK])
        ]
        frame = spark.createDataFrame(
            rows,
            "raw_id bigint, game_pk bigint, captured_at timestamp, source_timecode string,"
            " data string",
        )
        frame.withColumn("data", parse_json(frame.data)).createOrReplaceTempView(BATCH_VIEW)
        for name, sql in serving.items():
            parts[name].append(spark.sql(sql).toArrow())
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


def of_games(outputs: dict[str, pa.Table], games: list[int]) -> dict[str, pa.Table]:
    keep = pa.array(games, pa.int64())
    return {
        name: table.filter(pc.is_in(table["game_pk"], value_set=keep))
        for name, table in outputs.items()
    }


def row_counts(spark, lake: Path) -> dict[str, int]:
    return {
        table.name: spark.read.format("delta").load(str(table)).count()
        for table in sorted((lake / "game").iterdir())
    }


def run(
    sizes: list[int],
    others: int,
    rounds: int,
    feeds: Path | None,
    master: str | None,
    echo: Callable[[str], None],
) -> None:
    from spark_streaming.plan import build_plan, compile_models, render_merges, sink_merge
    from spark_streaming.session import SparkSettings, build_session
    from spark_streaming.sinks.delta import DeltaSink

    scratch = Path(tempfile.mkdtemp(prefix="kappa-bench-delta-write-"))
    work = scratch / "lake"  # every round writes here, from a copy of a prepared lake
    settings = dataclasses.replace(Settings.from_env(), lake=work)
    spark = build_session(SparkSettings.from_settings(settings, master))
    delta_log = spark._jvm.org.apache.spark.sql.delta.DeltaLog  # its cache holds each path

    replace_plan = build_plan(("delta",), settings)
    merges = render_merges("delta", settings, replace=False)["models"]
    merge_plan = dataclasses.replace(
        replace_plan,
        models=tuple(
            dataclasses.replace(model, merges={"delta": sink_merge(merges[model.name])})
            for model in replace_plan.models
        ),
    )
    plans = {"merge": merge_plan, "replace": replace_plan}

    templates = feed_templates(feeds)
    total = max(sizes) + others
    started = time.perf_counter()
    outputs = model_outputs(
        spark, compile_models(settings).serving, rekeyed_games(templates, range(total))
    )
    game_pks = sorted(pc.unique(outputs[replace_plan.watermark]["game_pk"]).to_pylist())
    echo(
        f"delta write benchmark: {total} re-keyed final games transformed in"
        f" {time.perf_counter() - started:.0f} s; {rounds} rounds per case, A/B alternating"
    )

    def write(plan_name: str, games: list[int]) -> float:
        """One group's write into the lake at `work` (the settings' lake)."""
        delta_log.clearCache()
        sink = DeltaSink.for_plan(plans[plan_name])
        group = of_games(outputs, games)
        started = time.perf_counter()
        sink.write(spark, group, games)
        return time.perf_counter() - started

    def prepare(lake: Path, groups: list[list[int]]) -> Path:
        shutil.rmtree(work, ignore_errors=True)
        for games in groups:
            write("replace", games)
        shutil.rmtree(lake, ignore_errors=True)
        shutil.copytree(work, lake)
        return lake

    for size in sizes:
        group = game_pks[:size]
        other_games = game_pks[max(sizes) :][:others]
        cases = {"same": [group]}
        if others:
            cases["others"] = [other_games, group]
        for case, groups in cases.items():
            base = prepare(scratch / f"base-{size}-{case}", groups)
            held = sum(len(games) for games in groups)
            seconds: dict[str, list[float]] = {"merge": [], "replace": []}
            counts = {}
            for index in range(rounds):
                order = ("merge", "replace") if index % 2 == 0 else ("replace", "merge")
                for name in order:
                    shutil.rmtree(work, ignore_errors=True)
                    shutil.copytree(base, work)
                    seconds[name].append(write(name, group))
                    counts[name] = row_counts(spark, work)
            if counts["merge"] != counts["replace"]:
                raise RuntimeError(f"row counts differ: {counts}")
            a, b = (statistics.median(seconds[name]) for name in ("merge", "replace"))
            echo(
                f"  {size:4d} games into a lake of {held:4d} ({case:6s}):"
                f" merge {' '.join(f'{s:5.1f}' for s in seconds['merge'])} s,"
                f" replace {' '.join(f'{s:5.1f}' for s in seconds['replace'])} s;"
                f" medians {a:.1f} / {b:.1f} s = {a / b:.2f}x"
                f" ({sum(counts['replace'].values())} rows)"
            )
    shutil.rmtree(scratch, ignore_errors=True)
