"""`kappa ingest schedule|backfill|live` and `kappa replay-server`: the ingest package, wired
from the command line."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kappa.settings import Settings

ingest_app = typer.Typer(no_args_is_help=True, help="Ingest from the MLB Stats API.")


@ingest_app.callback()
def _quiet_http_log() -> None:
    """Ingest from the MLB Stats API (base URL: $KAPPA_API_URL, default statsapi.mlb.com)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one INFO line per request


ApiUrl = Annotated[
    str | None,
    typer.Option(
        "--api-url", envvar="KAPPA_API_URL", help="API base URL (default statsapi.mlb.com)"
    ),
]
Rate = Annotated[
    float | None, typer.Option(help="Max requests per second", envvar="KAPPA_API_RATE")
]
Concurrency = Annotated[int | None, typer.Option(help="Max requests in flight")]
Attempts = Annotated[
    int | None, typer.Option(help="Attempts per request", envvar="KAPPA_API_ATTEMPTS")
]
Timeout = Annotated[float | None, typer.Option(help="Read timeout (s)", envvar="KAPPA_API_TIMEOUT")]
Day = Annotated[datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="One day")]
Start = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="First day")]
End = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Last day")]
Season = Annotated[int | None, typer.Option(help="A whole season, e.g. 2024")]
GameTypes = Annotated[
    str, typer.Option(help="gameType codes: R regular, F/D/L/W postseason, S spring, A all-star")
]


def _client_settings(api_url, rate, concurrency, attempts, timeout):
    from ingest.client import ClientSettings

    return ClientSettings.from_settings(
        Settings.from_env(),
        base_url=api_url.rstrip("/") if api_url else None,
        rate_per_second=rate,
        max_concurrency=concurrency,
        max_attempts=attempts,
        read_timeout=timeout,
    )


def _query(day, start, end, season, game_pks: str | None, game_types: str):
    from ingest.schedule import ScheduleQuery

    pks: tuple[int, ...] = ()
    if game_pks:
        try:
            pks = tuple(int(pk) for pk in game_pks.replace(" ", "").split(",") if pk)
        except ValueError as error:
            message = f"--game-pks {game_pks!r}: expected comma-separated integers"
            raise typer.BadParameter(message) from error
    try:
        return ScheduleQuery(
            day=day.date() if day else None,
            start=start.date() if start else None,
            end=end.date() if end else None,
            season=season,
            game_pks=pks,
            game_types=() if pks else tuple(t for t in game_types.split(",") if t),
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error


def _open_store(spooled: bool = False):
    """The raw log and schedule log, ready for writing. `spooled`: captures the database
    cannot take go to the spool under $KAPPA_HOME, and a database that is down at the start
    is waited for instead of an error."""
    from ingest.store import Store
    from kappa.errors import DatabaseUnavailable
    from kappa.spool import Spool

    spool = Spool(Settings.from_env().spool_dir) if spooled else None
    store = Store(spool=spool)
    try:
        store.ensure_schema()
    except DatabaseUnavailable as error:
        if spool is None:
            raise
        logging.getLogger(__name__).warning(
            "%s: captures go to the spool %s until it is back", error, spool.directory
        )
    return store


@ingest_app.command("schedule")
def schedule_command(
    day: Day = None,
    start: Start = None,
    end: End = None,
    season: Season = None,
    game_types: GameTypes = "R,F,D,L,W",
    store: Annotated[bool, typer.Option(help="Append the response to game.schedule_log")] = True,
    api_url: ApiUrl = None,
) -> None:
    """Fetch the schedule, log the response, list the games."""
    from rich.console import Console
    from rich.table import Table

    from ingest.client import MlbClient
    from ingest.schedule import fetch_schedule

    query = _query(day, start, end, season, None, game_types)
    settings = _client_settings(api_url, None, None, None, None)
    target = _open_store() if store else None

    async def main():
        async with MlbClient(settings) as client:
            response = await fetch_schedule(client, query)
        if target is not None:
            await target.schedule(response)
            target.close()
        return response.games

    games = asyncio.run(main())
    table = Table("gamePk", "date", "type", "first pitch (UTC)", "state", "away @ home")
    for game in games:
        table.add_row(
            str(game.game_pk),
            game.listed_date,
            game.game_type or "",
            game.game_date.strftime("%Y-%m-%d %H:%M") if game.game_date else "",
            game.detailed_state,
            f"{game.away} @ {game.home}",
        )
    Console().print(table)
    typer.echo(f"{len(games)} games")


@ingest_app.command("backfill")
def backfill_command(
    day: Day = None,
    start: Start = None,
    end: End = None,
    season: Season = None,
    game_pks: Annotated[str | None, typer.Option(help="Comma-separated gamePks")] = None,
    game_types: GameTypes = "R,F,D,L,W",
    api_url: ApiUrl = None,
    rate: Rate = None,
    concurrency: Concurrency = None,
    attempts: Attempts = None,
    timeout: Timeout = None,
    refetch: Annotated[
        bool,
        typer.Option(
            "--refetch", help="Fetch stored finals again; store only changed ones (corrections)"
        ),
    ] = False,
) -> None:
    """Store the final feed of every finished game (resumable: stored finals are skipped,
    or fetched again with --refetch)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from ingest.backfill import backfill
    from ingest.client import MlbClient

    query = _query(day, start, end, season, game_pks, game_types)
    settings = _client_settings(api_url, rate, concurrency, attempts, timeout)
    store = _open_store()
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    task = progress.add_task("final feeds", total=None)

    async def main():
        async with MlbClient(settings) as client:
            return await backfill(
                client,
                store,
                query,
                on_start=lambda total: progress.update(task, total=total),
                on_done=lambda _: progress.advance(task),
                refetch=refetch,
            )

    try:
        with progress:
            summary = asyncio.run(main())
    finally:
        store.close()
    for line in summary.lines():
        typer.echo(line)
    if summary.failed:
        raise typer.Exit(1)


@ingest_app.command("live")
def live_command(
    day: Annotated[
        datetime | None,
        typer.Option("--date", formats=["%Y-%m-%d"], help="Day (default: today, US Eastern)"),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", help="Day after day until stopped (kappa live uses it)")
    ] = False,
    game_pks: Annotated[
        str | None, typer.Option(help="Only these comma-separated gamePks (instead of a day)")
    ] = None,
    game_types: GameTypes = "R,F,D,L,W",
    wait: Annotated[
        float | None, typer.Option(help="Poll every X s instead of metaData.wait (demos, tests)")
    ] = None,
    min_wait: Annotated[float, typer.Option(help="Floor on metaData.wait (s)")] = 2.0,
    preview_wait: Annotated[float, typer.Option(help="Min seconds between Preview polls")] = 60.0,
    schedule_interval: Annotated[float, typer.Option(help="Schedule re-check (s)")] = 300.0,
    idle_timeout: Annotated[
        float, typer.Option(help="Stop a Live game whose feed is unchanged this long (s)")
    ] = 3 * 3600.0,
    pregame_lead: Annotated[
        float, typer.Option(help="Start polling a Preview game this long before first pitch (s)")
    ] = 1800.0,
    diff_patch: Annotated[
        bool, typer.Option(help="Probe diffPatch first; fetch the full feed only on a change")
    ] = True,
    correction_window: Annotated[
        float,
        typer.Option(help="Poll a Final game again for this long (s), storing changes only"),
    ] = 0.0,
    correction_first: Annotated[
        float, typer.Option(help="First re-poll after the Final (s), then twice as long")
    ] = 300.0,
    api_url: ApiUrl = None,
    rate: Rate = None,
    concurrency: Concurrency = None,
    attempts: Attempts = None,
    timeout: Timeout = None,
) -> None:
    """Poll the day's live games until each is final; SIGINT/SIGTERM stop cleanly. Captures
    the database cannot take go to the spool ($KAPPA_HOME/spool) and enter the raw log when
    it is back."""
    from ingest.client import MlbClient
    from ingest.follow import eastern_today, follow_days
    from ingest.live import LiveIngest, LiveSettings

    query = _query(day, None, None, None, game_pks, game_types) if day or game_pks else None
    if follow and query is not None:
        raise typer.BadParameter("--follow follows every day: leave out --date and --game-pks")
    the_day = day.date() if day else eastern_today()
    settings = LiveSettings(
        day=the_day,
        schedule_interval=schedule_interval,
        min_wait=min_wait,
        preview_wait=preview_wait,
        wait_override=wait,
        idle_timeout=idle_timeout,
        pregame_lead=pregame_lead,
        diff_patch=diff_patch,
        correction_window=correction_window,
        correction_first=correction_first,
        game_pks=query.game_pks if query else (),
        game_types=tuple(t for t in game_types.split(",") if t),
    )
    client_settings = _client_settings(api_url, rate, concurrency, attempts, timeout)
    store = _open_store(spooled=True)

    async def main():
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with MlbClient(client_settings) as client:
            if follow:
                return await follow_days(client, store, settings, stop)
            return await LiveIngest(client, store, settings, stop).run()

    try:
        summary = asyncio.run(main())
    finally:
        store.close()
    label = "following" if follow else (f"games {game_pks}" if game_pks else the_day.isoformat())
    typer.echo(f"live {label}: " + "\n".join(summary.lines()))


def replay_server_command(
    directory: Annotated[
        Path, typer.Option("--dir", help="Recordings (feed_live/, schedule/, timestamps/)")
    ] = Path("sample_data"),
    speed: Annotated[float, typer.Option(help="Time compression: 60 = a minute per second")] = 1.0,
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1; 0 picks a free one")] = 0,
    faults: Annotated[
        str, typer.Option(help="Comma list of 429,500,timeout,truncate,reset,html,wrong-game")
    ] = "",
    fault_rate: Annotated[float, typer.Option(help="Share of requests given a fault")] = 0.0,
    fault_scope: Annotated[str, typer.Option(help="Faults on: all requests, or feed")] = "all",
    seed: Annotated[int, typer.Option(help="Seed of the fault dice")] = 0,
    retry_after: Annotated[int, typer.Option(help="Retry-After (s) of injected 429s")] = 1,
    fault_delay: Annotated[float, typer.Option(help="Hold time (s) of injected timeouts")] = 30.0,
    keep_unrecorded: Annotated[
        bool, typer.Option(help="Also list scheduled games that have no recorded feed")
    ] = False,
) -> None:
    """Serve recorded MLB Stats API responses on 127.0.0.1 as the API would, game clocks
    running at --speed, with optional fault injection."""
    from ingest.replay.server import ReplayServer, ReplaySettings

    try:
        settings = ReplaySettings(
            directory=directory,
            speed=speed,
            port=port,
            faults=tuple(kind.strip() for kind in faults.split(",") if kind.strip()),
            fault_rate=fault_rate,
            fault_scope=fault_scope,
            seed=seed,
            retry_after=retry_after,
            fault_delay=fault_delay,
            keep_unrecorded=keep_unrecorded,
        )
        server = ReplayServer(settings)
    except ValueError as error:
        raise typer.BadParameter(str(error)) from error
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    server.start()
    games = len(server.state.clocks)
    typer.echo(f"replay server listening on {server.url} ({games} games, speed {speed})")
    sys.stdout.flush()
    typer.echo(f"export KAPPA_API_URL={server.url}", err=True)
    try:
        stopped.wait()
    finally:
        server.close()
        state = server.state
        typer.echo(f"served {state.requests} requests, faults {state.faults_injected}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the kappa CLI."""
    app.add_typer(ingest_app, name="ingest")
    app.command("replay-server")(replay_server_command)
