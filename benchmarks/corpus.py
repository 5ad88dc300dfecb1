"""A benchmark corpus of N games made from the real final feeds by re-keying them.

Each template (one real final feed/live document) is parsed once and serialised once with
placeholders in the few fields that identify the game (gamePk, link, gameData.game.pk/id/
calendarEventID, gameData.datetime dates, metaData.timeStamp). Game i is template i % k with a
new gamePk and its dates shifted by i // k days; the rest of the JSON is untouched. Documents
are produced one at a time (a generator), so memory stays flat whatever N is.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from kappa.errors import NotAFeedError
from kappa.feed import Capture, feed_files, file_game_and_state, parse_timecode, read_document

FIRST_GAME_PK = 9_000_000  # far above real gamePks (< 1,000,000): re-keyed games never collide
_SLOT = re.compile(rb'"__kappa_slot_([a-z_]+)__"')


def final_feed_files(feeds_dir: Path) -> list[Path]:
    """One real final capture file per game in `feeds_dir` (the first by name: stubs and
    ?timecode re-requests of the same capture are skipped), sorted by name."""
    chosen: dict[str, Path] = {}
    for path in feed_files([feeds_dir], distinct=True):
        game_and_state = file_game_and_state(path)
        if game_and_state is not None and game_and_state[1] == "final":
            chosen.setdefault(game_and_state[0], path)
    return list(chosen.values())


@dataclass(frozen=True)
class GameTemplate:
    """A real final document serialised once, split at the game-identifying fields."""

    source: str
    game_pk: int
    game_state: str | None
    captured_at: datetime  # metaData.timeStamp
    game_datetime: str | None  # gameData.datetime.dateTime (ISO, Z)
    official_date: date | None
    original_date: date | None
    game_id: str | None
    calendar_event_id: str | None
    link: str | None
    pieces: tuple[bytes, ...]  # literal JSON between the slots
    slots: tuple[str, ...]  # slot names, len(pieces) - 1

    @classmethod
    def from_file(cls, path: Path) -> GameTemplate:
        document = read_document(path)
        try:
            return cls.from_document(document, str(path))
        except (KeyError, TypeError, ValueError) as error:
            raise NotAFeedError(f"{path}: cannot be used as a template ({error!r})") from error

    @classmethod
    def from_document(cls, document: dict[str, Any], source: str) -> GameTemplate:
        game = document["gameData"]["game"]
        when = document["gameData"].get("datetime") or {}
        meta = document["metaData"]
        status = document["gameData"].get("status") or {}
        fields = {
            "game_pk": document["gamePk"],
            "captured_at": parse_timecode(meta["timeStamp"]),
            "game_datetime": when.get("dateTime"),
            "official_date": _date_or_none(when.get("officialDate")),
            "original_date": _date_or_none(when.get("originalDate")),
            "game_id": game.get("id"),
            "calendar_event_id": game.get("calendarEventID"),
            "link": document.get("link"),
        }
        document["gamePk"] = "__kappa_slot_game_pk__"
        game["pk"] = "__kappa_slot_game_pk__"
        meta["timeStamp"] = "__kappa_slot_timecode__"
        for key, slot in (
            ("dateTime", "game_datetime"),
            ("officialDate", "official_date"),
            ("originalDate", "original_date"),
        ):
            if key in when:
                when[key] = f"__kappa_slot_{slot}__"
        for container, key, slot in (
            (game, "id", "game_id"),
            (game, "calendarEventID", "calendar_event_id"),
            (document, "link", "link"),
        ):
            if key in container:
                container[key] = f"__kappa_slot_{slot}__"
        text = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        split = _SLOT.split(text)  # literal, slot, literal, slot, ..., literal
        return cls(
            source=source,
            game_state=status.get("abstractGameState"),
            pieces=tuple(split[0::2]),
            slots=tuple(name.decode() for name in split[1::2]),
            **fields,
        )

    def render(self, game_pk: int, shift_days: int) -> Capture:
        """This game as gamePk `game_pk`, every identifying date moved by `shift_days`."""
        shift = timedelta(days=shift_days)
        captured_at = self.captured_at + shift
        old_pk, new_pk = str(self.game_pk), str(game_pk)
        values = {
            "game_pk": new_pk.encode(),
            "timecode": _json(captured_at.strftime("%Y%m%d_%H%M%S")),
            "game_datetime": _json(_shift_iso(self.game_datetime, shift)),
            "official_date": _json(_shift_date(self.official_date, shift)),
            "original_date": _json(_shift_date(self.original_date, shift)),
            "game_id": _json(_shift_game_id(self.game_id, self.official_date, shift)),
            "calendar_event_id": _json(
                _shift_event_id(self.calendar_event_id, old_pk, new_pk, self.official_date, shift)
            ),
            "link": _json(self.link.replace(old_pk, new_pk) if self.link else self.link),
        }
        chunks = [self.pieces[0]]
        for slot, piece in zip(self.slots, self.pieces[1:], strict=True):
            chunks.append(values[slot])
            chunks.append(piece)
        document = b"".join(chunks)
        return Capture(
            game_pk=game_pk,
            captured_at=captured_at,
            source_timecode=captured_at.strftime("%Y%m%d_%H%M%S"),
            game_state=self.game_state,
            content_sha256=hashlib.sha256(document).hexdigest(),
            document=document,
        )


def rekeyed_games(
    templates: list[GameTemplate], indexes: Iterable[int], first_game_pk: int = FIRST_GAME_PK
) -> Iterator[Capture]:
    """Distinct games, one per index: game i is template i % k, gamePk first_game_pk + i, dates
    shifted by i // k days (a full cycle of k templates per day)."""
    if not templates:
        raise ValueError("rekeyed_games: no template documents (need at least one final feed)")
    for index in indexes:
        cycle, which = divmod(index, len(templates))
        yield templates[which].render(first_game_pk + index, cycle)


def _json(value: str | None) -> bytes:
    return orjson.dumps(value)


def _date_or_none(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _shift_date(value: date | None, shift: timedelta) -> str | None:
    return (value + shift).isoformat() if value else None


def _shift_iso(value: str | None, shift: timedelta) -> str | None:
    if not value:
        return value
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return (parsed + shift).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shift_game_id(value: str | None, official: date | None, shift: timedelta) -> str | None:
    """The date part of a game id ("2023/08/09/sdnmlb-seamlb-1") moves with the game."""
    if not value or official is None:
        return value
    return value.replace(official.strftime("%Y/%m/%d"), (official + shift).strftime("%Y/%m/%d"))


def _shift_event_id(
    value: str | None, old_pk: str, new_pk: str, official: date | None, shift: timedelta
) -> str | None:
    """gamePk and date of a calendarEventID ("14-717055-2023-08-09")."""
    if not value:
        return value
    value = value.replace(old_pk, new_pk)
    if official is not None:
        value = value.replace(official.isoformat(), (official + shift).isoformat())
    return value
