"""The recordings a replay server serves: feed/live captures per game in time order, recorded
schedule entries, recorded timestamps lists. Read from a directory laid out like
../shared/data/mlb (feed_live/, schedule/, timestamps/) or a flat folder of feed files."""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from kappa.errors import ConfigError, NotAFeedError
from kappa.feed import (
    STUB_MARK,
    capture_from_document,
    feed_files,
    is_feed_name,
    read_document,
    read_file,
    unwrap,
)
from kappa.game_state import is_no_game

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecordedCapture:
    game_pk: int
    timecode: str  # metaData.timeStamp
    at: datetime
    path: Path
    status: dict[str, Any]
    scores: tuple[Any, Any]  # (away runs, home runs) from the linescore
    entry: dict[str, Any]  # a schedule entry derived from the feed

    @property
    def is_final(self) -> bool:
        return self.status.get("abstractGameState") == "Final"


def _team(team: dict[str, Any]) -> dict[str, Any]:
    return {key: team[key] for key in ("id", "name", "link") if key in team}


def schedule_entry_from_feed(document: dict[str, Any]) -> dict[str, Any]:
    """What /api/v1/schedule says about a game, derived from one of its feed/live captures."""
    game_data = document["gameData"]
    game = game_data.get("game", {})
    when = game_data.get("datetime", {})
    teams = game_data.get("teams", {})
    line = document["liveData"].get("linescore", {}).get("teams", {})
    pk = document["gamePk"]
    return {
        "gamePk": pk,
        "link": f"/api/v1.1/game/{pk}/feed/live",
        "gameType": game.get("type"),
        "season": game.get("season"),
        "gameDate": when.get("dateTime"),
        "officialDate": when.get("officialDate"),
        "status": game_data.get("status", {}),
        "teams": {
            side: {"team": _team(teams.get(side, {})), "score": line.get(side, {}).get("runs")}
            for side in ("away", "home")
        },
        "venue": _team(game_data.get("venue", {})),
        "gameNumber": game.get("gameNumber"),
        "doubleHeader": game.get("doubleHeader"),
    }


@dataclass
class Recording:
    captures: dict[int, list[RecordedCapture]] = field(default_factory=dict)
    # gamePk -> (date it was listed under, entry) from recorded schedule responses
    scheduled: dict[int, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    timestamps: dict[int, list[str]] = field(default_factory=dict)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, root: Path) -> Recording:
        if not root.is_dir():
            raise ConfigError(f"replay directory {root} does not exist")
        feed_dir = root / "feed_live" if (root / "feed_live").is_dir() else root
        recording = cls()
        for path in feed_files([feed_dir], distinct=True):
            recording._add_feed(path)
        for pk in recording.captures:
            recording.captures[pk].sort(key=lambda c: (c.at, c.path.name))
        if (root / "schedule").is_dir():
            for path in sorted((root / "schedule").iterdir()):
                if is_feed_name(path.name) and STUB_MARK not in path.name:
                    recording._add_schedule(path)
        if (root / "timestamps").is_dir():
            for path in sorted((root / "timestamps").glob("*.json")):
                if path.stem.isdigit():
                    recording.timestamps[int(path.stem)] = list(read_document(path))
        logger.info(
            "replay: %d captures of %d games, %d scheduled games, %d rejected files",
            sum(len(c) for c in recording.captures.values()),
            len(recording.captures),
            len(recording.scheduled),
            len(recording.rejected),
        )
        return recording

    def _add_feed(self, path: Path) -> None:
        try:
            document = read_document(path)
            capture = capture_from_document(document)
        except (NotAFeedError, OSError) as error:
            self.rejected.append((str(path), str(error)))
            logger.warning("replay: not serving %s: %s", path, error)
            return
        line = document["liveData"].get("linescore", {}).get("teams", {})
        recorded = RecordedCapture(
            game_pk=capture.game_pk,
            timecode=capture.source_timecode or "",
            at=capture.captured_at,
            path=path,
            status=document["gameData"].get("status", {}),
            scores=(line.get("away", {}).get("runs"), line.get("home", {}).get("runs")),
            entry=schedule_entry_from_feed(document),
        )
        self.captures.setdefault(capture.game_pk, []).append(recorded)

    def _add_schedule(self, path: Path) -> None:
        try:
            document = read_document(path)
        except (NotAFeedError, OSError) as error:
            self.rejected.append((str(path), str(error)))
            return
        if not isinstance(document, dict) or not isinstance(document.get("dates"), list):
            return  # e.g. postseason series listings
        for day in document["dates"]:
            for game in day.get("games", []):
                pk = game.get("gamePk")
                if isinstance(pk, int):
                    # the most detailed recording of the game wins (hydrated > filtered)
                    known = self.scheduled.get(pk)
                    if known is None or len(orjson.dumps(game)) > len(orjson.dumps(known[1])):
                        self.scheduled[pk] = (day.get("date") or game.get("officialDate"), game)

    def body(self, capture: RecordedCapture) -> bytes:
        """The response body: the recorded JSON (a stub's unwrapped response re-serialised)."""
        raw = read_file(capture.path)
        if STUB_MARK in capture.path.name:
            return orjson.dumps(unwrap(orjson.loads(raw)))
        return raw

    def game_entry(
        self, pk: int, current: RecordedCapture | None, keep_unrecorded: bool
    ) -> tuple[str, dict[str, Any]] | None:
        """(listing date, schedule entry) of a game as it stands at `current`."""
        listed = self.scheduled.get(pk)
        if current is None:
            if listed is None:
                return None
            status = listed[1].get("status", {})
            no_feed = is_no_game(status.get("codedGameState"), status.get("detailedState"))
            return listed if keep_unrecorded or no_feed else None
        if listed is None:
            return current.entry["officialDate"], copy.deepcopy(current.entry)
        date, entry = listed[0], copy.deepcopy(listed[1])
        entry["status"] = copy.deepcopy(current.status)
        for side, score in zip(("away", "home"), current.scores, strict=True):
            if score is not None and isinstance(entry.get("teams", {}).get(side), dict):
                entry["teams"][side]["score"] = score
        return date, entry
