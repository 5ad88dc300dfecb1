"""Every serving model depends on the game watermark model, live_game_metadata.

The guarded merge of a serving table reads the watermark (docs/data-model.md, write
semantics), so the watermark's merge must come first: each serving model other than the
watermark declares `-- depends_on: {{ ref('live_game_metadata') }}`. Without it dbt may build
the model before the watermark. The dbt project checks the same at run time
(kappa.assert_watermark_dependencies, called by on-run-start and by
kappa.stream_merge_statements). Needs no database: `dbt parse` and the stream's compile for
Spark connect to nothing.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from kappa import run_dbt
from kappa.errors import DbtError
from kappa.settings import Settings
from spark_streaming.plan import render_merges

from support.project import copy_dbt_project

WATERMARK = "model.kappa.live_game_metadata"
DEPENDS_ON_LINE = "-- depends_on: {{ ref('live_game_metadata') }}"


def models_missing_watermark(manifest) -> list[str]:
    """Names of the serving models (incremental, strategy guarded_merge) other than the
    watermark that do not depend on it; fails if the watermark is not a serving model."""
    serving = {
        node.unique_id: node
        for node in manifest.nodes.values()
        if node.resource_type == "model"
        and node.config.materialized == "incremental"
        and node.config.incremental_strategy == "guarded_merge"
    }
    assert WATERMARK in serving, f"{WATERMARK} is not a serving model; serving: {sorted(serving)}"
    return sorted(
        node.name
        for unique_id, node in serving.items()
        if unique_id != WATERMARK and WATERMARK not in node.depends_on.nodes
    )


def parse(settings: Settings, target_path: Path):
    return run_dbt.invoke("parse", "--quiet", settings=settings, target_path=target_path).result


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory):
    return parse(Settings.from_env(), tmp_path_factory.mktemp("dbt-target"))


def test_every_serving_model_depends_on_the_watermark(manifest) -> None:
    assert models_missing_watermark(manifest) == []


def test_a_model_without_the_dependency_is_reported_by_name(manifest, tmp_path: Path) -> None:
    # the first serving model (by name) that declares the dependency with the comment line
    model = next(
        node
        for node in sorted(manifest.nodes.values(), key=lambda node: node.name)
        if node.resource_type == "model"
        and node.unique_id != WATERMARK
        and DEPENDS_ON_LINE in node.raw_code
    )
    project = copy_dbt_project(tmp_path / "project")
    model_file = project / model.original_file_path
    lines = model_file.read_text().splitlines(keepends=True)
    model_file.write_text("".join(line for line in lines if line.strip() != DEPENDS_ON_LINE))
    settings = dataclasses.replace(Settings.from_env(), project_dir=project)

    assert models_missing_watermark(parse(settings, tmp_path / "parse")) == [model.name]

    # the project's own check, as the stream's compile runs it (no Spark session is started)
    with pytest.raises(DbtError) as failure:
        render_merges("delta", settings)
    assert "assert_watermark_dependencies" in str(failure.value)
    assert f"serving model(s) {model.name} do not depend" in str(failure.value)
