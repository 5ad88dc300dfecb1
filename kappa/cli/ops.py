"""`kappa status` and `kappa dashboard`: the operations view of `kappa live`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from kappa.settings import Settings

Day = Annotated[
    datetime | None,
    typer.Option("--date", formats=["%Y-%m-%d"], help="Games of this day [default: today, ET]"),
]


def _day(day: datetime | None):
    from zoneinfo import ZoneInfo

    return day.date() if day else datetime.now(ZoneInfo("America/New_York")).date()


def status(
    day: Day = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable")] = False,
    max_lag: Annotated[
        float | None,
        typer.Option(help="A sink lagging more is unhealthy (s) [default: 60 postgres, 300 delta]"),
    ] = None,
) -> None:
    """Parts running, lag per sink, the day's games, spool, quarantine, last error; exit code 1
    when unhealthy."""
    from kappa.ops.status import collect

    result = collect(Settings.from_env(), _day(day), max_lag)
    if as_json:
        typer.echo(json.dumps(result.as_dict(), indent=1, default=str))
    else:
        typer.echo("\n".join(result.lines()))
    if not result.healthy:
        raise typer.Exit(1)


def dashboard(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 8050,
    day: Day = None,
) -> None:
    """A self-refreshing page on 127.0.0.1: the day's games, each sink's lag and batch
    durations over time, spool depth, quarantine, errors."""
    from kappa.ops.dashboard import serve

    serve(Settings.from_env(), port, day.date() if day else None)


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("dashboard")(dashboard)
