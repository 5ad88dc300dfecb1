"""`kappa bench ...`: benchmarks that print figures and ratios (wired by kappa/cli/bench.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Master = Annotated[
    str | None,
    typer.Option(help="Spark master URL [default: local[*]]", envvar="KAPPA_SPARK_MASTER"),
]
bench_app = typer.Typer(no_args_is_help=True, help="Benchmarks (print figures, change nothing).")


@bench_app.command("backfill")
def backfill(
    games: Annotated[int, typer.Option("--games", "-n", min=1, help="Games in the corpus")] = 500,
    feeds: Annotated[
        Path | None,
        typer.Option(help="Real feed/live files to re-key (default: ../shared, else sample_data)"),
    ] = None,
    connections: Annotated[int, typer.Option(min=1, help="Parallel COPY connections")] = 2,
    threads: Annotated[
        int | None,
        typer.Option(
            min=1, envvar="KAPPA_DBT_THREADS", help="dbt threads (default: the CPU cores)"
        ),
    ] = None,
    keep: Annotated[bool, typer.Option(help="Keep the benchmark database (default: drop)")] = False,
    raw_storage: Annotated[
        str,
        typer.Option(
            help="Raw log document storage: external (uncompressed, the default) or compressed"
        ),
    ] = "external",
    rebuild: Annotated[
        bool, typer.Option(help="Also time a second dbt build with nothing new")
    ] = False,
    select: Annotated[
        str | None, typer.Option(help="dbt --select (default: every model and test)")
    ] = None,
    compare_etl: Annotated[
        Path | None,
        typer.Option(
            help="A hand-written ETL to time on the same raw log in the same run"
            " (run as `PATH --from-raw`), e.g. ../shared/tools/baseline_etl.py"
        ),
    ] = None,
    etl_rounds: Annotated[
        int,
        typer.Option(
            min=1,
            help="With --compare-etl: rounds of (build, ETL) in turn, the first build then"
            " `dbt build --full-refresh`; prints each ratio and the median",
        ),
    ] = 1,
) -> None:
    """Re-key N real final games into a fresh database, `dbt build` all serving models, and
    print games/s, MB/s, peak memory and the ratio to a read floor."""
    from benchmarks import backfill as bench_backfill

    settings = bench_backfill.BackfillSettings(
        games=games,
        load_connections=connections,
        dbt_threads=threads,
        keep_database=keep,
        raw_storage=raw_storage,
        rebuild=rebuild,
        dbt_args=("--select", select) if select else (),
        compare_etl=compare_etl.resolve() if compare_etl is not None else None,
        etl_rounds=etl_rounds,
        **({"feeds_dir": feeds} if feeds is not None else {}),
    )
    report = bench_backfill.run(settings, on_progress=lambda line: typer.echo(line, err=True))
    typer.echo(bench_backfill.format_report(report))
    if not report.dbt_success:
        raise typer.Exit(1)


DeltaThread = Annotated[
    bool,
    typer.Option(
        "--delta-thread",
        help="Write Delta from a driver thread, not from the child process"
        " that `kappa stream` uses on a local master (to compare the two)",
    ),
]


@bench_app.command("stream-latency")
def stream_latency(
    games: Annotated[int, typer.Option(min=1, help="Games written concurrently")] = 15,
    interval: Annotated[float, typer.Option(help="Seconds between captures of a game")] = 10,
    duration: Annotated[
        float,
        typer.Option(help="Seconds of writing, measured (writing goes on until they are visible)"),
    ] = 60,
    warmup: Annotated[
        float,
        typer.Option(help="Seconds of writing first, not measured (JVM and JIT warm-up)"),
    ] = 0,
    trigger: Annotated[float, typer.Option(help="Postgres query trigger, seconds")] = 0.5,
    sinks: Annotated[str, typer.Option(help="postgres,delta")] = "postgres,delta",
    delta_trigger: Annotated[
        float | None, typer.Option(help="Delta query trigger, seconds [default: the stream's]")
    ] = None,
    feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
    master: Master = None,
    delta_thread: DeltaThread = False,
) -> None:
    """Commit-to-visible latency of each sink of the stream, p50/p95/max."""
    from benchmarks.stream import latency
    from spark_streaming.plan import parse_sinks

    latency(
        games,
        interval,
        duration,
        trigger,
        feeds,
        master,
        warmup,
        parse_sinks(sinks),
        delta_trigger,
        delta_thread,
    )


@bench_app.command("stream-replay")
def stream_replay(
    games: Annotated[int, typer.Option(min=1, help="Re-keyed games in the corpus")] = 200,
    sinks: Annotated[str, typer.Option(help="postgres,delta")] = "postgres,delta",
    max_captures_per_batch: Annotated[int, typer.Option(min=1)] = 200,  # the stream's
    feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
    master: Master = None,
    with_startup: Annotated[
        bool,
        typer.Option(
            "--with-startup",
            help="Time the user's `kappa stream --available-now` process, start-up included",
        ),
    ] = False,
    delta_thread: DeltaThread = False,
) -> None:
    """`kappa stream --available-now` over N re-keyed real games: captures/s, MB/s, memory."""
    from benchmarks.stream import replay, replay_command
    from spark_streaming.plan import parse_sinks

    if with_startup:
        if delta_thread:
            raise typer.BadParameter("--delta-thread: not with --with-startup (the user's command)")
        replay_command(games, parse_sinks(sinks), max_captures_per_batch, feeds, master)
    else:
        replay(games, parse_sinks(sinks), max_captures_per_batch, feeds, master, delta_thread)


@bench_app.command("spark-build")
def spark_build(
    games: Annotated[int, typer.Option(min=1, help="Re-keyed games in the corpus")] = 200,
    feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
    master: Master = None,
) -> None:
    """`kappa build` and `kappa build --target spark` over the same games: seconds and ratio."""
    from benchmarks.spark_build import run

    typer.echo(run(games, feeds, master))


@bench_app.command("spark-models")
def spark_models(
    games: Annotated[int, typer.Option(min=1, help="Re-keyed final games")] = 100,
    rounds: Annotated[int, typer.Option(min=1, help="Runs of each model; the best counts")] = 3,
    feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
    master: Master = None,
) -> None:
    """Spark's CPU for the 17 models per final game (one task, no sink, plans reused), and the
    captures/s that the transform alone allows on this machine's cores."""
    from benchmarks.spark_models import run

    run(games, rounds, feeds, master, echo=typer.echo)


@bench_app.command("delta-write")
def delta_write(
    games: Annotated[
        list[int] | None, typer.Option("--games", "-n", min=1, help="Games per group (repeat)")
    ] = None,
    others: Annotated[
        int, typer.Option(min=0, help="Other games in the second lake (0: only the first)")
    ] = 200,
    rounds: Annotated[int, typer.Option(min=1, help="Rounds of each write per case")] = 2,
    feeds: Annotated[Path | None, typer.Option(help="Real final feeds to re-key")] = None,
    master: Master = None,
) -> None:
    """The Delta sink's write of one group: guarded MERGE of every table vs the watermark's
    MERGE plus per-game replacements, A/B alternating, seconds per round and the ratio."""
    from benchmarks.delta_write import run

    run(games or [15, 200], others, rounds, feeds, master, echo=typer.echo)
