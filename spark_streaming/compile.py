"""The SQL the stream runs, all of it from the dbt project (compiled in-process at start):

- each serving model's Spark SQL: `dbt compile --target spark` with vars
  `{"streaming": true, "raw_schema": "system.session"}` (the source is the micro-batch temp view
  `live_game_v1`), read from the manifest of a separate target path (`target/stream/spark`, so
  the Postgres `target/` is never clobbered);
- the guarded merge of each model into each sink: the macro `kappa.stream_merge_statements`
  (macros/streaming), which renders `kappa.guarded_merge_sql`, the dbt strategy's macro, with
  the target's adapter (`--target postgres` for the Postgres sink, `--target spark` for Delta).

Serving models are discovered, never listed: resource_type model, materialized incremental,
strategy guarded_merge. The game watermark model (live_game_metadata) comes first.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from kappa.dbt_invoke import project_args, target_dir
from kappa.settings import PROJECT_DIR

logger = logging.getLogger(__name__)

STREAM_VARS = {"streaming": True, "raw_schema": "system.session"}
SINKS = ("postgres", "delta")
SINK_TARGETS = {"postgres": "postgres", "delta": "spark"}
BATCH_VIEW = "live_game_v1"
GAMES_VIEW = "kappa_batch_games"
SOURCE_PREFIX = "kappa_batch_"


class CompileError(RuntimeError):
    """dbt could not compile the project for the stream."""


@dataclass(frozen=True)
class SinkMerge:
    """The guarded merge of one model into one sink."""

    target: str  # relation the sink writes: "game"."live_game_plays" or delta.`<path>`
    source: str  # relation holding the model's batch output
    merge: str
    lock: str | None  # Postgres: advisory lock statement taken before the merge
    location: str | None  # Delta: table directory
    columns: tuple[str, ...]
    unique_key: tuple[str, ...]


@dataclass(frozen=True)
class ServingModel:
    name: str
    sql: str  # compiled Spark SQL over the temp view live_game_v1
    merges: dict[str, SinkMerge]  # by sink name


@dataclass(frozen=True)
class StreamPlan:
    watermark: str
    models: tuple[ServingModel, ...]  # watermark model first
    staging: tuple[str, ...] = ()  # compiled ephemeral models over the batch (cached)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(model.name for model in self.models)


def _invoke(args: list[str], project_dir: Path, log_level: str = "warn"):
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, *project_args(project_dir), "--log-level", log_level])
    if not result.success:
        raise CompileError(f"dbt {' '.join(args[:3])} failed: {result.exception or result.result}")
    return result


def _target_path(project_dir: Path, target: str) -> Path:
    return target_dir(project_dir) / "stream" / target


def _common_args(project_dir: Path, target: str, purpose: str = "models") -> list[str]:
    return [
        "--target",
        target,
        "--no-introspect",
        "--no-populate-cache",
        "--vars",
        json.dumps(STREAM_VARS),
        "--target-path",
        str(_target_path(project_dir, f"{target}-{purpose}")),
    ]


def is_serving_model(node: dict) -> bool:
    config = node.get("config", {})
    return (
        node.get("resource_type") == "model"
        and config.get("materialized") == "incremental"
        and config.get("incremental_strategy") == "guarded_merge"
    )


def compile_models(project_dir: Path = PROJECT_DIR) -> tuple[dict[str, str], tuple[str, ...]]:
    """Compiled Spark SQL of every serving model (by name), and of the ephemeral models that
    read the source (the staging the serving models embed as a CTE; cached per batch)."""
    _invoke(["compile", *_common_args(project_dir, "spark")], project_dir)
    manifest_path = _target_path(project_dir, "spark-models") / "manifest.json"
    nodes = list(json.loads(manifest_path.read_text())["nodes"].values())
    serving = {
        node["name"]: node["compiled_code"]
        for node in nodes
        if is_serving_model(node) and node.get("compiled_code")
    }
    staging = tuple(
        node["compiled_code"]
        for node in nodes
        if node.get("resource_type") == "model"
        and node["config"].get("materialized") == "ephemeral"
        and any(dep.startswith("source.") for dep in node["depends_on"]["nodes"])
        and node.get("compiled_code")
    )
    return serving, staging


def render_merges(sink: str, project_dir: Path = PROJECT_DIR) -> dict:
    """The JSON of `kappa.stream_merge_statements(sink)`, rendered with the sink's target."""
    if sink not in SINKS:
        raise ValueError(f"sink {sink!r} not supported; valid: {', '.join(SINKS)}")
    macro = (
        f"{{{{ kappa.stream_merge_statements('{sink}', source_prefix='{SOURCE_PREFIX}',"
        f" games='{GAMES_VIEW}') }}}}"
    )
    target = SINK_TARGETS[sink]
    # log level none: dbt would print the whole rendered inline node
    args = ["compile", *_common_args(project_dir, target, "merges"), "--inline", macro]
    result = _invoke(args, project_dir, log_level="none")
    return json.loads(result.result.results[0].node.compiled_code)


@functools.lru_cache(maxsize=8)
def build_plan(sinks: tuple[str, ...], lake: Path, project_dir: Path = PROJECT_DIR) -> StreamPlan:
    """Compile the project for the stream: the SQL of each serving model and its merges into
    `sinks`. KAPPA_LAKE is set to `lake` so that dbt's location_root names the same tables.
    Cached per process (the project does not change while it runs)."""
    os.environ["KAPPA_LAKE"] = str(lake)
    compiled, staging = compile_models(project_dir)
    rendered = {sink: render_merges(sink, project_dir) for sink in sinks}
    watermarks = {document["watermark"] for document in rendered.values()}
    if len(watermarks) > 1:
        raise CompileError(f"the sinks disagree on the watermark model: {sorted(watermarks)}")
    watermark = watermarks.pop() if watermarks else "live_game_metadata"
    skipped = {name for document in rendered.values() for name in document["skipped"]}
    if skipped:
        logger.warning("models without contract columns, not streamed: %s", sorted(skipped))
    names = [name for name in compiled if name not in skipped]
    if watermark not in names:
        raise CompileError(f"the watermark model {watermark} is not among {sorted(names)}")
    names.sort(key=lambda name: (name != watermark, name))
    models = []
    for name in names:
        merges = {}
        for sink, document in rendered.items():
            entry = document["models"][name]
            merges[sink] = SinkMerge(
                target=entry["target"],
                source=entry["source"],
                merge=entry["merge"],
                lock=entry["lock"],
                location=entry["location"],
                columns=tuple(entry["columns"]),
                unique_key=tuple(entry["unique_key"]),
            )
        models.append(ServingModel(name=name, sql=compiled[name], merges=merges))
    logger.info("compiled %d serving models for sinks %s", len(models), ", ".join(sinks))
    return StreamPlan(watermark=watermark, models=tuple(models), staging=staging)
