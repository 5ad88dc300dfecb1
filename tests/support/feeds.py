"""Reading real feed files and deriving test captures from them (JSON otherwise untouched)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from kappa.feed import parse_timecode, read_document


def read_feed(path: Path) -> dict:
    return read_document(path)


def write_feed(document: dict, path: Path) -> Path:
    path.write_bytes(orjson.dumps(document))
    return path


def later(document: dict, seconds: int) -> dict:
    """A copy whose metaData.timeStamp is `seconds` later."""
    result = copy.deepcopy(document)
    stamp: datetime = parse_timecode(result["metaData"]["timeStamp"]) + timedelta(seconds=seconds)
    result["metaData"]["timeStamp"] = stamp.strftime("%Y%m%d_%H%M%S")
    return result


def all_plays(document: dict) -> list[dict]:
    return (((document.get("liveData") or {}).get("plays") or {}).get("allPlays")) or []


def expected_counts(document: dict) -> dict[str, int]:
    """Row counts of the first four serving tables, from the data model's rules
    (docs/data-model.md)."""
    plays = all_plays(document)
    events = [event for play in plays for event in play.get("playEvents") or []]
    return {
        "live_game_metadata": 1,
        "live_game_plays": len(plays),
        "live_game_pitch_events": sum(1 for event in events if event.get("isPitch") is True),
        "live_game_runners": sum(len(play.get("runners") or []) for play in plays),
    }
