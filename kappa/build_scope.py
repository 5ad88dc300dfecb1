"""The scope of a scoped build (`kappa build --game-pks A,B | --start DATE --end DATE |
--season YEAR`), checked here and handed to dbt as the vars the models read (game_pks,
start_date, end_date, season: macros/build_scope). In a scoped build the newest capture of
every scoped game is applied again, the scoped games' rows that no model produces any more
are removed, and every other game is left as it was; no table is dropped, also with
--full-refresh."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kappa.errors import ConfigError

FIRST_SEASON, LAST_SEASON = 1876, 2200


@dataclass(frozen=True)
class BuildScope:
    game_pks: tuple[int, ...] = ()
    start: date | None = None
    end: date | None = None
    season: int | None = None

    def variables(self) -> dict[str, Any]:
        """The dbt vars of this scope (only the ones set)."""
        found: dict[str, Any] = {}
        if self.game_pks:
            found["game_pks"] = list(self.game_pks)
        if self.start is not None:
            found["start_date"] = self.start.isoformat()
        if self.end is not None:
            found["end_date"] = self.end.isoformat()
        if self.season is not None:
            found["season"] = self.season
        return found


def parse_game_pks(value: str) -> tuple[int, ...]:
    """'747175, 744914' -> (744914, 747175)."""
    parts = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in parts if not part.isdigit()]
    if bad or not parts:
        raise ConfigError(
            f"--game-pks {value!r}: {bad[0] if bad else 'no game id'!r} is not a game id;"
            " give whole numbers separated by commas, e.g. 747175,744914"
        )
    return tuple(sorted({int(part) for part in parts}))


def parse_date(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a date; give YYYY-MM-DD, e.g. 2024-10-01"
        ) from None


def parse_scope(
    game_pks: str | None = None,
    start: str | None = None,
    end: str | None = None,
    season: int | None = None,
) -> BuildScope | None:
    """The scope the options give, or None when none is given; one kind of scope only."""
    kinds = [
        name
        for name, given in (
            ("--game-pks", game_pks is not None),
            ("--start/--end", start is not None or end is not None),
            ("--season", season is not None),
        )
        if given
    ]
    if not kinds:
        return None
    if len(kinds) > 1:
        raise ConfigError(
            f"{' and '.join(kinds)} given together; choose one of --game-pks, --start/--end,"
            " --season"
        )
    if game_pks is not None:
        return BuildScope(game_pks=parse_game_pks(game_pks))
    if season is not None:
        if not FIRST_SEASON <= season <= LAST_SEASON:
            raise ConfigError(
                f"--season {season}: not a season; give a year from {FIRST_SEASON} to {LAST_SEASON}"
            )
        return BuildScope(season=season)
    first = parse_date("--start", start) if start is not None else None
    last = parse_date("--end", end) if end is not None else None
    if first is not None and last is not None and first > last:
        raise ConfigError(f"--start {first} is after --end {last}; give start <= end")
    return BuildScope(start=first, end=last)
