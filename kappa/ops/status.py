"""What `kappa status` and the dashboard show: which parts of `kappa live` run, each sink's
lag, the games of a day, spool, quarantine and the last error, with the reasons the platform
is unhealthy (none: healthy). Read from the supervisor's state file, the spool directory and
Postgres (serving tables, kappa_ops); nothing here writes."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import psycopg

from kappa import postgres
from kappa.errors import DatabaseUnavailable
from kappa.ops.sampler import state_file
from kappa.settings import Settings
from kappa.spool import Spool

STALE_STATE = 120.0  # a state file older than this: kappa live is not running
MAX_LAG_MS = {"postgres": 60_000, "delta": 300_000}  # a last batch slower than this: behind
MAX_SPOOL_AGE = 300.0  # captures waiting longer than this for the database


@dataclass
class Status:
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    supervisor: str = "not running"
    database_up: bool = False
    sinks: dict[str, dict[str, Any]] = field(default_factory=dict)  # sink -> lag, last batch
    games: list[dict[str, Any]] = field(default_factory=list)
    spool_captures: int = 0
    spool_age_seconds: float = 0.0
    quarantined: int | None = None
    last_error: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "healthy": self.healthy}

    def lines(self) -> list[str]:
        lines = [f"kappa live: {self.supervisor}"]
        for name, part in self.parts.items():
            state = "running" if part.get("up") else ("done" if part.get("done") else "DOWN")
            lines.append(
                f"  {name}: {state} (pid {part.get('pid') or '-'},"
                f" restarts {part.get('restarts', 0)})"
            )
        lines.append(f"database: {'up' if self.database_up else 'DOWN'}")
        for sink, info in self.sinks.items():
            lines.append(
                f"  {sink}: lag {info['lag_ms'] / 1000:.1f} s, last batch"
                f" {info['age_seconds']:.0f} s ago ({info['captures']} captures,"
                f" {info['millis']} ms)"
            )
        lines.append(
            f"spool: {self.spool_captures} captures"
            + (f", oldest {self.spool_age_seconds:.0f} s" if self.spool_captures else "")
        )
        lines.append(f"quarantine: {self.quarantined if self.quarantined is not None else '?'}")
        lines.append(f"games: {len(self.games)}")
        for game in self.games:
            lines.append(
                f"  {game['game_pk']} {game['away']} {game['away_score']} @ {game['home']}"
                f" {game['home_score']}: {game['detailed_state']}"
                + (f", {game['inning_state']} {game['current_inning']}" if game["live"] else "")
            )
        if self.last_error:
            lines.append(
                f"last error: {self.last_error['at']} {self.last_error['part']}"
                f" {self.last_error['kind']}: {self.last_error['message']}"
            )
        lines.append("healthy" if self.healthy else "UNHEALTHY: " + "; ".join(self.problems))
        return lines


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _supervisor(settings: Settings, status: Status) -> None:
    path = state_file(settings.home)
    if not path.exists():
        status.problems.append(f"kappa live is not running (no {path})")
        return
    state = json.loads(path.read_text())
    age = time.time() - float(state.get("updated_at", 0))
    if not _pid_alive(state.get("pid")) or age > STALE_STATE:
        status.problems.append(f"kappa live is not running (state {age:.0f} s old)")
        return
    status.supervisor = f"running (pid {state['pid']}, metrics port {state.get('metrics_port')})"
    status.parts = state.get("parts", {})
    for name, part in status.parts.items():
        if not part.get("done") and not (part.get("up") and _pid_alive(part.get("pid"))):
            status.problems.append(f"{name} is down (restarts {part.get('restarts', 0)})")


GAMES_SQL = """
select m.game_pk, m.abstract_game_state, m.detailed_state, m.away_score, m.home_score,
       m.current_inning, m.inning_state, a.abbreviation, h.abbreviation, m.captured_at
from game.live_game_metadata m
left join game.live_game_teams a on a.game_pk = m.game_pk and a.team_side = 'away'
left join game.live_game_teams h on h.game_pk = m.game_pk and h.team_side = 'home'
where m.game_date = %s
order by m.game_datetime, m.game_pk
"""


def _database(status: Status, day: date, max_lag_ms: dict[str, int]) -> None:
    try:
        with postgres.connect(autocommit=True, connect_timeout=5) as conn:
            status.database_up = True
            if conn.execute("select to_regclass('game.live_game_metadata')").fetchone()[0]:
                for row in conn.execute(GAMES_SQL, (day,)).fetchall():
                    status.games.append(
                        {
                            "game_pk": row[0],
                            "live": row[1] == "Live",
                            "abstract_state": row[1],
                            "detailed_state": row[2],
                            "away_score": row[3],
                            "home_score": row[4],
                            "current_inning": row[5],
                            "inning_state": row[6],
                            "away": row[7],
                            "home": row[8],
                            "captured_at": row[9].isoformat() if row[9] else None,
                        }
                    )
            if conn.execute("select to_regclass('game.live_game_quarantine')").fetchone()[0]:
                count = conn.execute("select count(*) from game.live_game_quarantine").fetchone()
                status.quarantined = int(count[0])
            if conn.execute("select to_regclass('kappa_ops.batches')").fetchone()[0]:
                rows = conn.execute(
                    "select distinct on (sink) sink, lag_ms, millis, captures,"
                    " extract(epoch from now() - recorded_at)"
                    " from kappa_ops.batches order by sink, recorded_at desc"
                ).fetchall()
                for sink, lag_ms, millis, captures, age in rows:
                    status.sinks[sink] = {
                        "lag_ms": int(lag_ms),
                        "millis": int(millis),
                        "captures": int(captures),
                        "age_seconds": float(age),
                    }
                    if lag_ms > max_lag_ms.get(sink, 60_000):
                        status.problems.append(f"{sink} is behind: lag {lag_ms / 1000:.0f} s")
            if conn.execute("select to_regclass('kappa_ops.events')").fetchone()[0]:
                row = conn.execute(
                    "select at, part, kind, message from kappa_ops.events order by at desc limit 1"
                ).fetchone()
                if row:
                    status.last_error = {
                        "at": row[0].isoformat(timespec="seconds"),
                        "part": row[1],
                        "kind": row[2],
                        "message": row[3],
                    }
    except (psycopg.Error, DatabaseUnavailable) as error:
        status.database_up = False
        status.problems.append(f"database unreachable: {str(error).splitlines()[0]}")


def collect(settings: Settings, day: date, max_lag_seconds: float | None = None) -> Status:
    """`max_lag_seconds`: the lag above which a sink is behind (default: 60 s for Postgres,
    300 s for Delta)."""
    status = Status()
    max_lag_ms = (
        {sink: int(max_lag_seconds * 1000) for sink in MAX_LAG_MS}
        if max_lag_seconds is not None
        else MAX_LAG_MS
    )
    _supervisor(settings, status)
    stats = Spool(settings.spool_dir).stats()
    status.spool_captures = stats.captures
    status.spool_age_seconds = stats.age_seconds()
    if stats.captures and status.spool_age_seconds > MAX_SPOOL_AGE:
        status.problems.append(
            f"{stats.captures} captures waiting in the spool for {status.spool_age_seconds:.0f} s"
        )
    _database(status, day, max_lag_ms)
    return status
