"""`kappa demo`: the bundled real games through the whole platform, and what came out."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from kappa import loader, postgres
from kappa.settings import Settings

logger = logging.getLogger(__name__)

GAME_SUMMARY_SQL = """
with fastest as (
    select distinct on (pitch.game_pk)
        pitch.game_pk, pitch.start_speed, pitch.pitch_type_description, play.pitcher_id
    from game.live_game_pitch_events as pitch
    inner join game.live_game_plays as play using (game_pk, at_bat_index)
    where pitch.start_speed is not null
    order by pitch.game_pk, pitch.start_speed desc
)

select
    metadata.game_pk,
    metadata.game_date,
    away.abbreviation || ' @ ' || home.abbreviation as matchup,
    metadata.away_score || '-' || metadata.home_score as score,
    metadata.detailed_state,
    (select count(*) from game.live_game_plays as p where p.game_pk = metadata.game_pk) as plays,
    (select count(*) from game.live_game_pitch_events as e where e.game_pk = metadata.game_pk)
        as pitches,
    fastest.start_speed || ' mph ' || coalesce(fastest.pitch_type_description, '')
        || ' by ' || coalesce(pitcher.full_name, fastest.pitcher_id::text) as fastest_pitch
from game.live_game_metadata as metadata
left join game.live_game_teams as home
    on home.game_pk = metadata.game_pk and home.team_side = 'home'
left join game.live_game_teams as away
    on away.game_pk = metadata.game_pk and away.team_side = 'away'
left join fastest on fastest.game_pk = metadata.game_pk
left join game.live_game_players as pitcher
    on pitcher.game_pk = metadata.game_pk and pitcher.player_id = fastest.pitcher_id
order by metadata.game_date, metadata.game_pk
"""


def print_summary(conn: psycopg.Connection, console: Console) -> None:
    cursor = conn.execute(GAME_SUMMARY_SQL)
    table = Table(title="Games in the serving tables (schema game)")
    for column in cursor.description:
        table.add_column(column.name)
    for row in cursor.fetchall():
        table.add_row(*("" if value is None else str(value) for value in row))
    console.print(table)


def run(data: Path) -> int:
    """The main job on the bundled games: load them into the raw log, stream the log through
    the dbt models into Postgres and the Delta lake, check both sinks against `dbt build`,
    print the games. 0 when everything went well."""
    from kappa.cli.stream import summary
    from spark_streaming import parity
    from spark_streaming.plan import compile_models
    from spark_streaming.session import SparkSettings
    from spark_streaming.stream import StreamSettings, prepare_with_session
    from spark_streaming.stream import run as run_stream

    console = Console(width=None if Console().is_terminal else 160)
    settings = Settings.from_env()
    with postgres.connect(autocommit=True) as conn:
        loaded = loader.load_paths(conn, [data])
    console.print(f"[bold]1. raw log[/] game.live_game_v1: {loaded.line()} (from {data})")

    sinks = ("postgres", "delta")
    stream_settings = StreamSettings(
        sinks=sinks,
        checkpoint=StreamSettings.default_checkpoint(settings),
        settings=settings,
        available_now=True,
    )
    spark, pipeline = prepare_with_session(stream_settings, SparkSettings.from_settings(settings))
    reports = run_stream(stream_settings, spark, pipeline=pipeline)
    console.print(
        f"[bold]2. kappa stream --available-now[/]: {summary(reports)}"
        f" -> Postgres schema game + Delta lake {settings.lake}/game"
    )

    tables = compile_models(settings).tables
    results = parity.check(tables, settings, delta_lakes={"delta": settings.lake}, spark=spark)
    identical = sum(result.ok for result in results)
    console.print(
        f"[bold]3. kappa parity[/]: {identical}/{len(results)} tables identical in Postgres"
        " and Delta to a `dbt build` of the same raw log"
    )
    for result in results:
        if not result.ok:
            console.print(f"[red]   differs: {result.line()}[/]")

    with postgres.connect(autocommit=True) as conn:
        print_summary(conn, console)
    return 0 if identical == len(results) and not loaded.rejected else 1
