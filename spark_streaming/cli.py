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
    ] = 100,
    partitions: Annotated[int, typer.Option(help="Parallel reads of the raw log", min=1)] = 2,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop the checkpoint: replay from the first capture")
    ] = False,
) -> None:
    """Stream new raw-log captures through the dbt models into Postgres and Delta Lake."""
    from kappa.settings import Settings
    from spark_streaming.session import SparkSettings, build_session
    from spark_streaming.stream import StreamError, StreamSettings, run

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
    spark = build_session(SparkSettings.from_env(master=master))
    try:
        reports = run(settings, spark)
    except StreamError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    captures = sum(report.captures for report in reports)
    typer.echo(f"stream stopped: {len(reports)} batches, {captures} captures")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the kappa CLI."""
    app.command("stream")(stream)
