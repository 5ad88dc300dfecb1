"""`kappa live`: one supervised command for game days. The poller (`kappa ingest live
--follow`, or one --date / --game-pks) and the stream (`kappa stream`) run as child processes
of one supervisor (kappa.supervisor): a part that crashes is started again with backoff, and
Ctrl-C or SIGTERM stop every part cleanly."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kappa.cli.core import Master
from kappa.ops import multiproc
from kappa.settings import Settings
from kappa.spool import Spool
from kappa.supervisor import Part, Supervisor

logger = logging.getLogger(__name__)
KAPPA = (sys.executable, "-m", "kappa.cli")


def live(
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="One day instead of every day"),
    ] = None,
    game_pks: Annotated[
        str | None, typer.Option(help="Only these comma-separated gamePks (instead of days)")
    ] = None,
    game_types: Annotated[
        str, typer.Option(help="gameType codes, e.g. F,D,L,W for the postseason only")
    ] = "R,F,D,L,W",
    sinks: Annotated[str, typer.Option(help="Stream sinks: postgres,delta")] = "postgres,delta",
    trigger: Annotated[str, typer.Option(help="Postgres micro-batch interval")] = "500ms",
    delta_trigger: Annotated[
        str, typer.Option(help="How often the Delta writer merges the outbox")
    ] = "30s",
    master: Master = None,
    correction_hours: Annotated[
        float | None,
        typer.Option(help="Poll Final games again this long (h)", envvar="KAPPA_CORRECTION_HOURS"),
    ] = None,
    wait: Annotated[
        float | None, typer.Option(help="Poll every X s instead of metaData.wait (demos, tests)")
    ] = None,
    schedule_interval: Annotated[float, typer.Option(help="Schedule re-check (s)")] = 300.0,
    idle_timeout: Annotated[
        float, typer.Option(help="Stop a Live game whose feed is unchanged this long (s)")
    ] = 3 * 3600.0,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="Poll only (the stream runs elsewhere)")
    ] = False,
    backoff_max: Annotated[float, typer.Option(help="Longest restart backoff (s)")] = 60.0,
    log_dir: Annotated[
        Path | None, typer.Option(help="Write each part's output to <dir>/<part>.log")
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            help="Prometheus /metrics on 127.0.0.1 (0: a free port) [default: 9464]",
            envvar="KAPPA_METRICS_PORT",
        ),
    ] = None,
    sample_interval: Annotated[
        float, typer.Option(help="Seconds between metric samples written to kappa_ops")
    ] = 15.0,
) -> None:
    """Game days without a babysitter: poll every game from its pregame lead until Final (and
    its correction window), stream the captures into the serving tables, restart what
    crashes. Ctrl-C or SIGTERM stop every part."""
    settings = Settings.from_env()
    hours = settings.correction_hours if correction_hours is None else correction_hours
    poller = [*KAPPA, "ingest", "live", "--game-types", game_types]
    if day is not None:
        poller += ["--date", day.date().isoformat()]
    if game_pks:
        poller += ["--game-pks", game_pks]
    if day is None and not game_pks:
        poller.append("--follow")
    poller += ["--correction-window", str(hours * 3600), "--idle-timeout", str(idle_timeout)]
    poller += ["--schedule-interval", str(schedule_interval)]
    if wait is not None:
        poller += ["--wait", str(wait)]
    parts = [Part("poller", tuple(poller), signal.SIGTERM)]
    if not no_stream:
        stream = [*KAPPA, "stream", "--sinks", sinks, "--trigger", trigger]
        stream += ["--delta-trigger", delta_trigger] + (["--master", master] if master else [])
        # the stream stops cleanly on SIGINT (its query, then its sinks: stream.stop_on_interrupt)
        parts.append(Part("stream", tuple(stream), signal.SIGINT))
    # every part writes its metrics where this process serves them (before prometheus_client
    # is imported here or in a part)
    multiproc.prepare(settings.home / "live" / "metrics")
    from kappa.ops import history, metrics
    from kappa.ops.sampler import Sampler

    def restarted(part: str, count: int) -> None:
        metrics.PART_RESTARTS.labels(part).inc()
        history.record_event(part, "restart", f"{part} crashed: restart {count}")

    def ended(part: str, pid: int, code: int) -> None:
        metrics.process_ended(pid)
        metrics.PART_UP.labels(part).set(0)

    supervisor = Supervisor(
        parts, backoff_max=backoff_max, log_dir=log_dir, on_restart=restarted, on_exit=ended
    )
    port = metrics.serve(settings.metrics_port if metrics_port is None else metrics_port)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    sampler = Sampler(
        settings.home, Spool(settings.spool_dir), supervisor.parts, port, sample_interval
    )
    sampling = sampler.start(stop)
    supervisor.run(stop)
    stop.set()
    sampling.join(30)
    sampler.sample_once()  # the final state: every part stopped
    restarts = {name: state.restarts for name, state in supervisor.states.items()}
    typer.echo(f"live stopped; restarts: {restarts}")


def register(app: typer.Typer) -> None:
    app.command("live")(live)
