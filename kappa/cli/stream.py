"""`kappa stream`: the Spark stream, wired from the command line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from kappa.cli.core import Master
from kappa.settings import Settings
from spark_streaming.plan import parse_sinks

DURATION = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|m)?$")


def parse_duration(value: str) -> float:
    """'2s', '500ms', '1m', '3' -> seconds."""
    match = DURATION.match(value.strip())
    if match is None:
        raise typer.BadParameter(f"{value!r} is not a duration (e.g. 2s, 500ms, 1m)")
    number, unit = float(match.group(1)), match.group(2) or "s"
    return number * {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]


def stream(
    trigger: Annotated[
        str, typer.Option(help="Micro-batch interval, Postgres commits (500ms, 2s, 1m)")
    ] = "500ms",  # a busy stream runs batches back to back; an idle one polls the log twice/s
    delta_trigger: Annotated[
        str,
        typer.Option(help="How often the Delta writer merges the batches waiting in its outbox"),
    ] = "30s",
    available_now: Annotated[
        bool, typer.Option("--available-now", help="Replay the backlog, then stop")
    ] = False,
    sinks: Annotated[str, typer.Option(help="Comma-separated: postgres,delta")] = "postgres,delta",
    checkpoint: Annotated[
        Path | None,
        typer.Option(
            help="Checkpoint dir, a sub-dir per choice of sinks"
            " [default: $KAPPA_HOME/checkpoints/stream]"
        ),
    ] = None,
    master: Master = None,
    max_captures_per_batch: Annotated[
        int, typer.Option(help="Cap per micro-batch (also under --available-now)", min=1)
    ] = 200,  # source.DEFAULT_MAX_CAPTURES (not imported: it loads pyspark)
    partitions: Annotated[int, typer.Option(help="Parallel reads of the raw log", min=1)] = 2,
    reset: Annotated[
        bool,
        typer.Option(
            "--reset",
            help="Exact replay: drop the checkpoints and empty the sinks' serving tables,"
            " then replay from the first capture",
        ),
    ] = False,
) -> None:
    """Stream new raw-log captures through the dbt models into Postgres and Delta Lake."""
    from spark_streaming.delta_process import child_process_master
    from spark_streaming.session import SparkSettings
    from spark_streaming.stream import StreamSettings, prepare_with_session, run

    chosen = parse_sinks(sinks)
    settings = Settings.from_env()
    spark_settings = SparkSettings.from_settings(settings, master)
    stream_settings = StreamSettings(
        sinks=chosen,
        checkpoint=(checkpoint or StreamSettings.default_checkpoint(settings)).resolve(),
        settings=settings,
        trigger_seconds=parse_duration(trigger),
        delta_trigger_seconds=parse_duration(delta_trigger),
        available_now=available_now,
        max_captures_per_batch=max_captures_per_batch,
        partitions=partitions,
        reset=reset,
        delta_child_master=child_process_master(spark_settings.master),
    )
    spark, pipeline = prepare_with_session(stream_settings, spark_settings)
    reports = run(stream_settings, spark, pipeline=pipeline)
    typer.echo(f"stream stopped: {summary(reports)}")


def summary(reports: dict) -> str:
    """'postgres 3 batches, 8 captures; delta 1 batch, 8 captures'"""
    return "; ".join(
        f"{sink} {len(batches)} batch{'es' if len(batches) != 1 else ''},"
        f" {sum(batch.captures for batch in batches)} captures"
        for sink, batches in reports.items()
    )


def register(app: typer.Typer) -> None:
    app.command("stream")(stream)
