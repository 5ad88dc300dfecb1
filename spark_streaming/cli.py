"""Commands of the `spark_streaming` package, added to the `kappa` CLI by kappa/cli.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")


def parse_duration(value: str) -> float:
    """'2s', '500ms', '1m', '3' -> seconds."""
    match = DURATION.match(value.strip())
    if match is None:
        raise typer.BadParameter(f"{value!r} is not a duration (e.g. 2s, 500ms, 1m)")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def parse_sinks(value: str) -> tuple[str, ...]:
    from spark_streaming.compile import SINKS

    sinks = tuple(part.strip() for part in value.split(",") if part.strip())
    unknown = [sink for sink in sinks if sink not in SINKS]
    if unknown or not sinks:
        raise typer.BadParameter(f"sinks {value!r}: choose from {', '.join(SINKS)}")
    return sinks


def stream(
    trigger: Annotated[str, typer.Option(help="Micro-batch interval (2s, 500ms, 1m)")] = "2s",
    available_now: Annotated[
        bool, typer.Option("--available-now", help="Replay the backlog, then stop")
    ] = False,
    sinks: Annotated[str, typer.Option(help="Comma-separated: postgres,delta")] = "postgres,delta",
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Checkpoint dir [default: $KAPPA_HOME/checkpoints/stream-<sinks>]"),
    ] = None,
    master: Annotated[
        str, typer.Option(help="Spark master URL", envvar="KAPPA_SPARK_MASTER")
    ] = "local[*]",
    max_captures_per_batch: Annotated[
        int, typer.Option(help="Cap per micro-batch (also under --available-now)", min=1)
    ] = 200,  # source.DEFAULT_MAX_CAPTURES (not imported: it loads pyspark)
    partitions: Annotated[int, typer.Option(help="Parallel reads of the raw log", min=1)] = 2,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop the checkpoint: replay from the first capture")
    ] = False,
) -> None:
    """Stream new raw-log captures through the dbt models into Postgres and Delta Lake."""
    from kappa.settings import Settings
    from spark_streaming.session import SparkSettings
    from spark_streaming.stream import StreamError, StreamSettings, run, start

    chosen = parse_sinks(sinks)
    settings = StreamSettings(
        sinks=chosen,
        checkpoint=(checkpoint or StreamSettings.default_checkpoint(chosen)).resolve(),
        lake=Settings.from_env().lake,
        trigger_seconds=parse_duration(trigger),
        available_now=available_now,
        max_captures_per_batch=max_captures_per_batch,
        partitions=partitions,
        reset=reset,
    )
    spark, processor = start(settings, SparkSettings.from_env(master=master))
    try:
        reports = run(settings, spark, processor=processor)
    except StreamError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    captures = sum(report.captures for report in reports)
    typer.echo(f"stream stopped: {len(reports)} batches, {captures} captures")


def parity(
    sinks: Annotated[str, typer.Option(help="Stream sinks to check: postgres,delta")] = (
        "postgres,delta"
    ),
    spark_dbt: Annotated[
        bool,
        typer.Option("--spark-dbt", help="Also build a lake with dbt --target spark and check it"),
    ] = False,
    master: Annotated[
        str, typer.Option(help="Spark master URL", envvar="KAPPA_SPARK_MASTER")
    ] = "local[*]",
) -> None:
    """Compare every serving table (stream: Postgres, Delta; dbt --target spark) with what
    `dbt build` produces from the same raw log; exit 1 on any difference."""
    import tempfile

    from kappa.settings import Settings
    from spark_streaming import parity as parity_module
    from spark_streaming import spark_build
    from spark_streaming.compile import compile_models

    chosen = parse_sinks(sinks)
    settings = Settings.from_env()
    tables = sorted(compile_models(settings.project_dir)[0])
    lakes: dict[str, Path] = {}
    spark = None
    if "delta" in chosen or spark_dbt:
        from spark_streaming.session import SparkSettings, build_session

        spark = build_session(SparkSettings.from_env(master=master))
    if "delta" in chosen:
        lakes["delta (stream)"] = settings.lake
    if spark_dbt:
        dbt_lake = Path(tempfile.mkdtemp(prefix="kappa-parity-lake-"))
        if not spark_build.build(spark, dbt_lake, ["run"], settings.project_dir):
            raise typer.Exit(1)
        lakes["delta (dbt --target spark)"] = dbt_lake
    results = parity_module.check(
        tables, settings.project_dir, postgres="postgres" in chosen, delta_lakes=lakes, spark=spark
    )
    for result in results:
        typer.echo(("ok   " if result.ok else "FAIL ") + result.line())
    failed = [result.table for result in results if not result.ok]
    typer.echo(f"{len(results) - len(failed)}/{len(results)} tables identical")
    if failed:
        raise typer.Exit(1)


def spark_build_command(
    ctx: typer.Context,
    master: Annotated[
        str, typer.Option(help="Spark master URL", envvar="KAPPA_SPARK_MASTER")
    ] = "local[*]",
) -> None:
    """`dbt build --target spark` over the Postgres raw log into the Delta lake ($KAPPA_LAKE);
    extra arguments go to dbt (default: build)."""
    from kappa.settings import Settings
    from spark_streaming import spark_build
    from spark_streaming.session import SparkSettings, build_session

    spark = build_session(SparkSettings.from_env(master=master))
    settings = Settings.from_env()
    if not spark_build.build(spark, settings.lake, list(ctx.args) or None, settings.project_dir):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add this package's commands to the kappa CLI."""
    from spark_streaming.bench import register as register_bench

    app.command("stream")(stream)
    app.command("parity")(parity)
    app.command(
        "spark-build",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(spark_build_command)
    register_bench(app)
