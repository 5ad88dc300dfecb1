"""`kappa load | build | parity | demo`: the raw log, dbt on both targets, the checks."""

from __future__ import annotations

import dataclasses
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kappa import loader, postgres, run_dbt
from kappa.build_scope import parse_scope
from kappa.errors import ConfigError
from kappa.settings import Settings

Master = Annotated[
    str | None,
    typer.Option(help="Spark master URL [default: local[*]]", envvar="KAPPA_SPARK_MASTER"),
]


def _parse_captured_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 timestamp (e.g. 2024-07-01T21:44:04+00:00)"
        ) from error
    if parsed.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no time zone (add +00:00 or Z)")
    return parsed


def load(
    paths: Annotated[list[Path], typer.Argument(help="feed/live files (.json, .json.gz) or dirs")],
    captured_at: Annotated[
        str | None,
        typer.Option(help="Capture time (ISO 8601 with zone); default: metaData.timeStamp"),
    ] = None,
) -> None:
    """Append feed/live captures to the raw log game.live_game_v1 (COPY, duplicates skipped)."""
    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(missing)}")
    when = _parse_captured_at(captured_at)
    with postgres.connect() as conn:
        summary = loader.load_paths(conn, paths, when)
    for file, reason in summary.rejected:
        typer.echo(f"rejected {file}: {reason}", err=True)
    typer.echo(summary.line())
    if summary.rejected:
        raise typer.Exit(1)


def build(
    ctx: typer.Context,
    target: Annotated[str, typer.Option(help="dbt target: postgres or spark")] = "postgres",
    master: Master = None,
    game_pks: Annotated[
        str | None,
        typer.Option("--game-pks", help="Rebuild only these games (comma-separated gamePks)"),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(help="Rebuild only games on or after this officialDate (YYYY-MM-DD)"),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(help="Rebuild only games on or before this officialDate (YYYY-MM-DD)"),
    ] = None,
    season: Annotated[int | None, typer.Option(help="Rebuild only this season's games")] = None,
    unit_tests: Annotated[
        bool,
        typer.Option(
            help="Also run dbt's unit tests (fixed fixtures, not your data: for development and"
            " CI, which run them)"
        ),
    ] = False,
) -> None:
    """`dbt build` of the serving tables and their data tests; extra arguments go to dbt (e.g.
    --full-refresh, --select). `--target spark` builds the Delta lake ($KAPPA_LAKE) from the
    Postgres raw log. A scope (--game-pks | --start/--end | --season) applies the newest capture
    of those games again and removes their rows no model produces any more; other games stay as
    they are and no table is dropped, also with --full-refresh."""
    settings = Settings.from_env()
    if target not in run_dbt.TARGETS:
        raise ConfigError(f"--target {target!r}: choose from {', '.join(run_dbt.TARGETS)}")
    scope = parse_scope(game_pks, start, end, season)
    variables = scope.variables() if scope is not None else {}
    args = [*ctx.args] if unit_tests else [*ctx.args, *run_dbt.WITHOUT_UNIT_TESTS]
    if target == "spark":
        from spark_streaming import lake_build
        from spark_streaming.session import SparkSettings, build_session

        spark = build_session(SparkSettings.from_settings(settings, master))
        lake_build.build(spark, settings, "build", *args, variables=variables)
    else:
        run_dbt.invoke("build", *args, settings=settings, variables=variables)


def parity(
    sinks: Annotated[str, typer.Option(help="Stream sinks to check: postgres,delta")] = (
        "postgres,delta"
    ),
    spark_dbt: Annotated[
        bool,
        typer.Option("--spark-dbt", help="Also build a lake with dbt --target spark and check it"),
    ] = False,
    master: Master = None,
) -> None:
    """Compare every serving table (stream: Postgres, Delta; dbt --target spark) with what
    `dbt build` produces from the same raw log; exit 1 on any difference."""
    from spark_streaming import lake_build
    from spark_streaming import parity as parity_module
    from spark_streaming.plan import compile_models, parse_sinks

    chosen = parse_sinks(sinks)
    settings = Settings.from_env()
    tables = compile_models(settings).tables
    lakes: dict[str, Path] = {}
    spark = None
    if "delta" in chosen or spark_dbt:
        from spark_streaming.session import SparkSettings, build_session

        spark = build_session(SparkSettings.from_settings(settings, master))
    if "delta" in chosen:
        lakes["delta (stream)"] = settings.lake
    if spark_dbt:
        dbt_lake = Path(tempfile.mkdtemp(prefix="kappa-parity-lake-"))
        lake_settings = dataclasses.replace(settings, lake=dbt_lake)
        lake_build.build(spark, lake_settings, "run")
        lakes["delta (dbt --target spark)"] = dbt_lake
    results = parity_module.check(
        tables, settings, postgres_sink="postgres" in chosen, delta_lakes=lakes, spark=spark
    )
    for result in results:
        typer.echo(("ok   " if result.ok else "FAIL ") + result.line())
    failed = [result.table for result in results if not result.ok]
    typer.echo(f"{len(results) - len(failed)}/{len(results)} tables identical")
    if failed:
        raise typer.Exit(1)


def demo(
    data: Annotated[
        Path | None, typer.Option(help="Feed files to load [default: the bundled sample]")
    ] = None,
) -> None:
    """The main job on the bundled real games: raw log, stream into Postgres and Delta, parity
    with dbt build, a per-game summary."""
    from kappa.cli import demo as demo_job
    from kappa.project import sample_feeds_dir

    raise typer.Exit(demo_job.run(data or sample_feeds_dir()))


def register(app: typer.Typer) -> None:
    app.command("load")(load)
    app.command(
        "build", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )(build)
    app.command("parity")(parity)
    app.command("demo")(demo)
