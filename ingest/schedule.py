"""`/api/v1/schedule`: which games exist, when, in what state; every response is appended to
the raw schedule log game.schedule_log (DDL: macros/raw_log/create_schedule_log.sql)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
import psycopg

from ingest.client import MlbClient
from kappa import raw_log
from kappa.errors import ConfigError
from kappa.feed import parse_bytes
from kappa.game_state import is_no_game

logger = logging.getLogger(__name__)

SCHEDULE_PATH = "/api/v1/schedule"
# regular season and postseason (wild card, division series, league CS, World Series)
DEFAULT_GAME_TYPES = ("R", "F", "D", "L", "W")


@dataclass(frozen=True)
class ScheduleQuery:
    """One of: a date, a date range, a season, explicit game pks."""

    day: date | None = None
    start: date | None = None
    end: date | None = None
    season: int | None = None
    game_pks: tuple[int, ...] = ()
    game_types: tuple[str, ...] = DEFAULT_GAME_TYPES

    def __post_init__(self) -> None:
        chosen = [
            self.day is not None,
            self.start is not None or self.end is not None,
            self.season is not None,
            bool(self.game_pks),
        ]
        if sum(chosen) != 1:
            raise ConfigError(
                "give exactly one of: --date D, --start D --end D, --season YYYY, --game-pks"
            )
        if (self.start is None) != (self.end is None):
            raise ConfigError(f"--start {self.start} and --end {self.end} go together")
        if self.start and self.end and self.start > self.end:
            raise ConfigError(f"--start {self.start} is after --end {self.end}")

    def params(self) -> dict[str, str]:
        params = {"sportId": "1"}
        if self.game_types:
            params["gameType"] = ",".join(self.game_types)
        if self.day is not None:
            params["date"] = self.day.isoformat()
        elif self.start is not None and self.end is not None:
            params["startDate"], params["endDate"] = self.start.isoformat(), self.end.isoformat()
        elif self.season is not None:
            params["season"] = str(self.season)
        else:
            params["gamePks"] = ",".join(str(pk) for pk in self.game_pks)
        return params


@dataclass(frozen=True)
class ScheduleGame:
    game_pk: int
    listed_date: str  # the schedule date the game is listed under
    game_type: str | None
    game_date: datetime | None  # scheduled first pitch (UTC)
    abstract_state: str  # Preview, Live, Final
    detailed_state: str
    coded_state: str
    away: str
    home: str

    @property
    def no_game(self) -> bool:
        """Postponed or cancelled: nothing to fetch for this listing."""
        return is_no_game(self.coded_state, self.detailed_state)

    @property
    def is_final(self) -> bool:
        return self.abstract_state == "Final" and not self.no_game

    @classmethod
    def from_entry(cls, listed_date: str, entry: dict[str, Any]) -> ScheduleGame:
        status = entry.get("status") or {}
        teams = entry.get("teams") or {}
        when = entry.get("gameDate")
        try:
            game_date = datetime.fromisoformat(when.replace("Z", "+00:00")) if when else None
        except ValueError:
            game_date = None
        return cls(
            game_pk=int(entry["gamePk"]),
            listed_date=listed_date,
            game_type=entry.get("gameType"),
            game_date=game_date,
            abstract_state=status.get("abstractGameState") or "",
            detailed_state=status.get("detailedState") or "",
            coded_state=status.get("codedGameState") or "",
            away=((teams.get("away") or {}).get("team") or {}).get("name", "?"),
            home=((teams.get("home") or {}).get("team") or {}).get("name", "?"),
        )


def parse_schedule(body: bytes, url: str) -> dict[str, Any]:
    """A schedule response, or ValueError (retried by the client) if it is not one."""
    document = parse_bytes(body, url)
    if not isinstance(document, dict) or not isinstance(document.get("dates"), list):
        raise ValueError(f"{url}: not a schedule response (no 'dates' list)")
    return document


def games_of(document: dict[str, Any], game_types: tuple[str, ...] = ()) -> list[ScheduleGame]:
    """Games listed in a schedule response; a game listed twice (postponed, then played on
    another date) keeps its playable listing."""
    games: dict[int, ScheduleGame] = {}
    for day in document["dates"]:
        for entry in day.get("games", []):
            game = ScheduleGame.from_entry(day.get("date", ""), entry)
            if game_types and game.game_type not in game_types:
                continue
            known = games.get(game.game_pk)
            if known is None or (known.no_game and not game.no_game):
                games[game.game_pk] = game
    return sorted(
        games.values(),
        key=lambda g: (g.listed_date, g.game_date.isoformat() if g.game_date else "", g.game_pk),
    )


def ensure_schedule_log(conn: psycopg.Connection) -> None:
    ddl = raw_log.macro_ddl("create_schedule_log")
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtext('kappa.schedule_log_schema'))")
        conn.execute(ddl)


def store_schedule(
    conn: psycopg.Connection, url: str, fetched_at: datetime, document: dict[str, Any]
) -> bool:
    """Append a schedule response; False when the same URL already returned this content."""
    canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    pks = sorted({g["gamePk"] for d in document["dates"] for g in d.get("games", [])})
    with conn.transaction():
        row = conn.execute(
            "insert into game.schedule_log (fetched_at, request_url, game_pks, content_sha256,"
            " data) values (%s, %s, %s, %s, %s::jsonb)"
            " on conflict on constraint schedule_log_response_once do nothing returning 1",
            (fetched_at, url, pks, hashlib.sha256(canonical).hexdigest(), canonical.decode()),
        ).fetchone()
    return row is not None


@dataclass(frozen=True)
class ScheduleResponse:
    url: str
    received_at: datetime
    document: dict[str, Any]
    games: list[ScheduleGame]


async def fetch_schedule(client: MlbClient, query: ScheduleQuery) -> ScheduleResponse:
    """Fetch the schedule (a response that is not a schedule is retried like a 5xx)."""
    response = await client.get(
        SCHEDULE_PATH, query.params(), lambda body, _: parse_schedule(body, SCHEDULE_PATH)
    )
    games = games_of(response.value, query.game_types)
    return ScheduleResponse(response.url, response.received_at, response.value, games)
