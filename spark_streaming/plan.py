"""The SQL the stream runs, all of it from the dbt project (compiled in-process at start):

- each serving model's Spark SQL: `dbt compile --target spark` with vars
  `{"streaming": true, "raw_schema": "system.session"}` (the source is the micro-batch temp view
  `live_game_v1`), read from the manifest of its own target path (`<dbt target>/stream/`, so
  other dbt runs' artifacts are never clobbered);
- the guarded write of each model into each sink: the macro `kappa.stream_merge_statements`
  (macros/stream), which renders the dbt strategy's macros with the target's adapter
  (`--target postgres` for the Postgres sink, `--target spark` for Delta): a MERGE
  (`kappa.guarded_merge_sql`), or on Delta, for every table but the watermark, a per-game
  replacement (`kappa.guarded_replace_sql`) whose literal game list is filled in per write
  (`SinkMerge.statement`).

Serving models are discovered, never listed: resource_type model, materialized incremental,
strategy guarded_merge. The game watermark model (live_game_metadata) comes first.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from kappa import run_dbt
from kappa.errors import ConfigError, DbtError, SinkError
from kappa.settings import Settings

logger = logging.getLogger(__name__)

STREAM_VARS = {"streaming": True, "raw_schema": "system.session"}
SINKS = ("postgres", "delta")
SINK_TARGETS = {"postgres": "postgres", "delta": "spark"}
BATCH_VIEW = "live_game_v1"
GAMES_VIEW = "kappa_batch_games"
SOURCE_PREFIX = "kappa_batch_"
# stands for the literal game list in a rendered replacement (kappa.guarded_replace_sql)
GAME_PKS_PLACEHOLDER = "kappa_game_pks"


def parse_sinks(value: str) -> tuple[str, ...]:
    """'postgres,delta' -> ("postgres", "delta"); an unknown name names the choices."""
    sinks = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [sink for sink in sinks if sink not in SINKS]
    if unknown or not sinks:
        raise ConfigError(f"sinks {value!r}: choose from {', '.join(SINKS)}")
    return sinks


def game_pk_list(games: Iterable[int]) -> str:
    """The SQL literal list of game ids ("747175, 744914"), from ints only: a game id that is
    not an int (a string, a bool, a float) raises, so nothing but digits reaches the SQL."""
    games = list(games)
    bad = [game for game in games if type(game) is not int]
    if bad:
        raise SinkError(f"game ids must be ints, got {bad[:5]!r} ({type(bad[0]).__name__})")
    return ", ".join(str(game) for game in sorted(set(games)))


@dataclass(frozen=True)
class SinkMerge:
    """The guarded write of one model into one sink: a MERGE, or (Delta, every table but the
    watermark) a per-game replacement whose game list is the placeholder `game_pks`."""

    target: str  # relation the sink writes: "game"."live_game_plays" or delta.`<path>`
    source: str  # relation holding the model's batch output
    merge: str
    lock: str | None  # Postgres: advisory lock statement taken before the merge
    location: str | None  # Delta: table directory
    columns: tuple[str, ...]
    unique_key: tuple[str, ...]
    game_pks: str | None = None  # placeholder of the game list in `merge`, if it has one

    def statement(self, games: Iterable[int]) -> str:
        """The statement to run for a batch of `games` (the literal list filled in)."""
        if self.game_pks is None:
            return self.merge
        if self.game_pks not in self.merge:
            raise SinkError(f"{self.target}: placeholder {self.game_pks!r} not in its statement")
        literals = game_pk_list(games)
        if not literals:
            raise SinkError(f"{self.target}: a replacement needs at least one game")
        return self.merge.replace(self.game_pks, literals)


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


def _compile(settings: Settings, target: str, purpose: str, *args: str, log_level: str = "warn"):
    """`dbt compile` for the stream, without introspection (no connection, no Spark session),
    into its own target path per target and purpose."""
    return run_dbt.invoke(
        "compile",
        "--no-introspect",
        "--no-populate-cache",
        *args,
        settings=settings,
        target=target,
        variables=STREAM_VARS,
        target_path=settings.dbt_target_dir("stream", f"{target}-{purpose}"),
        log_level=log_level,
    )


def is_serving_model(node: dict) -> bool:
    config = node.get("config", {})
    return (
        node.get("resource_type") == "model"
        and config.get("materialized") == "incremental"
        and config.get("incremental_strategy") == "guarded_merge"
    )


@dataclass(frozen=True)
class CompiledModels:
    serving: dict[str, str]  # serving model name -> compiled Spark SQL
    staging: tuple[str, ...]  # compiled ephemeral models that read the source

    @property
    def tables(self) -> list[str]:
        return sorted(self.serving)


def compile_models(settings: Settings) -> CompiledModels:
    """Compiled Spark SQL of every serving model (by name), and of the ephemeral models that
    read the source (the staging the serving models embed as a CTE; cached per batch)."""
    _compile(settings, "spark", "models")
    manifest_path = settings.dbt_target_dir("stream", "spark-models") / "manifest.json"
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
    return CompiledModels(serving, staging)


def render_merges(sink: str, settings: Settings, replace: bool = True) -> dict:
    """The JSON of `kappa.stream_merge_statements(sink)`, rendered with the sink's target;
    `replace` False: every Delta table by the guarded merge (benchmarks compare both)."""
    if sink not in SINKS:
        raise DbtError(f"sink {sink!r} not supported; valid: {', '.join(SINKS)}")
    macro = (
        f"{{{{ kappa.stream_merge_statements('{sink}', source_prefix='{SOURCE_PREFIX}',"
        f" games='{GAMES_VIEW}', game_pks='{GAME_PKS_PLACEHOLDER}',"
        f" replace={str(replace).lower()}) }}}}"
    )
    # log level none: dbt would print the whole rendered inline node
    result = _compile(settings, SINK_TARGETS[sink], "merges", "--inline", macro, log_level="none")
    return json.loads(run_dbt.node_results(result)[0].node.compiled_code)


def sink_merge(entry: dict) -> SinkMerge:
    """One model's entry of the JSON of `render_merges`."""
    return SinkMerge(
        target=entry["target"],
        source=entry["source"],
        merge=entry["merge"],
        lock=entry["lock"],
        location=entry["location"],
        columns=tuple(entry["columns"]),
        unique_key=tuple(entry["unique_key"]),
        game_pks=entry["game_pks"],
    )


@functools.lru_cache(maxsize=8)
def build_plan(sinks: tuple[str, ...], settings: Settings) -> StreamPlan:
    """Compile the project for the stream: the SQL of each serving model and its merges into
    `sinks` (the Delta merges name tables under `settings.lake`). Cached per process (the
    project does not change while it runs)."""
    compiled = compile_models(settings)
    rendered = {sink: render_merges(sink, settings) for sink in sinks}
    watermarks = {document["watermark"] for document in rendered.values()}
    if len(watermarks) > 1:
        raise DbtError(f"the sinks disagree on the watermark model: {sorted(watermarks)}")
    watermark = watermarks.pop() if watermarks else "live_game_metadata"
    skipped = {name for document in rendered.values() for name in document["skipped"]}
    if skipped:
        logger.warning("models without contract columns, not streamed: %s", sorted(skipped))
    names = [name for name in compiled.serving if name not in skipped]
    if watermark not in names:
        raise DbtError(f"the watermark model {watermark} is not among {sorted(names)}")
    names.sort(key=lambda name: (name != watermark, name))
    models = []
    for name in names:
        merges = {}
        for sink, document in rendered.items():
            merges[sink] = sink_merge(document["models"][name])
        models.append(ServingModel(name=name, sql=compiled.serving[name], merges=merges))
    logger.info("compiled %d serving models for sinks %s", len(models), ", ".join(sinks))
    return StreamPlan(watermark=watermark, models=tuple(models), staging=compiled.staging)
