"""Deliberate corruption of some games' serving rows, and per-game snapshots to compare with:
the same statements run on Postgres and on the Delta lake (Spark SQL), so a repair can be
checked on both targets."""

from __future__ import annotations

from collections.abc import Callable, Iterable

# plain SQL that Postgres and Delta (Spark SQL) both run on the relations named in braces:
# changed values, deleted rows (leaves: the data tests still pass), and a row that no model
# produces (a copy of at-bat 1 under at-bat index 999, same capture)
CORRUPTIONS = (
    "update {table} set attendance = -1 where game_pk in ({games})",
    "update {pitch_events} set start_speed = -1.0 where game_pk in ({games})",
    "delete from {credits} where game_pk in ({games}) and credit_index = 0",
    "insert into {plays} select * from (select game_pk, 999 as at_bat_index, {rest}"
    " from {plays} where game_pk in ({games}) and at_bat_index = 1) as phantom",
)


def corrupt(
    execute: Callable[[str], object],
    relation: Callable[[str], str],
    plays_columns: list[str],
    games: Iterable[int],
) -> None:
    """Run CORRUPTIONS with `execute` on the relations `relation(table)` names."""
    rest = ", ".join(c for c in plays_columns if c not in ("game_pk", "at_bat_index"))
    values = {
        "table": relation("live_game_metadata"),
        "pitch_events": relation("live_game_pitch_events"),
        "plays": relation("live_game_plays"),
        "credits": relation("live_game_fielding_credits"),
        "games": ", ".join(str(game) for game in games),
        "rest": rest,
    }
    for statement in CORRUPTIONS:
        execute(statement.format(**values))


def by_game(rows: Iterable[tuple], game_index: int) -> dict[int, list[str]]:
    """Rows (any order) as {game_pk: sorted reprs}."""
    games: dict[int, list[str]] = {}
    for row in rows:
        games.setdefault(row[game_index], []).append(repr(tuple(row)))
    return {game: sorted(reprs) for game, reprs in games.items()}
