"""`kappa demo`: the bundled real games through the whole platform, and what came out."""

from __future__ import annotations

import logging
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from kappa import dbt_invoke, loader, raw_log

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
    """Load `data`, build every serving table with dbt, print the games; 0 when all went well."""
    console = Console(width=None if Console().is_terminal else 160)
    with raw_log.connect(autocommit=True) as conn:
        summary = loader.load_paths(conn, [data])
        console.print(f"[bold]raw log[/]: {summary.line()} (from {data})")
        console.print("[bold]dbt build[/] (Postgres): 17 serving tables + data tests")
        if not dbt_invoke.run(["build", "--quiet"]):
            console.print("[red]dbt build failed[/]")
            return 1
        print_summary(conn, console)
    return 1 if summary.rejected else 0
