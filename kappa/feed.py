"""Recognising an MLB `feed/live` document and turning it into a raw-log capture."""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from kappa.errors import NotAFeedError

FEED_SUFFIXES = (".json", ".json.gz")
# a recorded API stub ({"response": ..., "url": ...}); its unwrapped copy may sit next to it
STUB_MARK = ".pymlb_stub"
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Capture:
    """One capture of one game's feed, ready for the raw log."""

    game_pk: int
    captured_at: datetime
    source_timecode: str | None
    game_state: str | None
    content_sha256: str
    document: bytes  # canonical JSON (sorted keys, compact): what is stored and hashed


def parse_timecode(timecode: str) -> datetime:
    """`metaData.timeStamp` (yyyyMMdd_HHmmss, UTC) as an aware datetime."""
    try:
        return datetime.strptime(timecode, "%Y%m%d_%H%M%S").replace(tzinfo=UTC)
    except (TypeError, ValueError) as error:
        raise NotAFeedError(f"metaData.timeStamp {timecode!r} is not yyyyMMdd_HHmmss") from error


def unwrap(document: Any) -> Any:
    """Recorded API stubs wrap the response as {"response": {...}, "url": ...}."""
    if isinstance(document, dict) and "gamePk" not in document and "response" in document:
        return document["response"]
    return document


def capture_from_document(document: Any, captured_at: datetime | None = None) -> Capture:
    """Validate a parsed feed/live document and build its capture.

    `captured_at` defaults to the document's own `metaData.timeStamp`.
    """
    document = unwrap(document)
    if not isinstance(document, dict):
        raise NotAFeedError(f"expected a JSON object, got {type(document).__name__}")
    game_pk = document.get("gamePk")
    if isinstance(game_pk, bool) or not isinstance(game_pk, int):
        raise NotAFeedError(f"gamePk missing or not an integer: {game_pk!r}")
    for section in ("gameData", "liveData"):
        if not isinstance(document.get(section), dict):
            raise NotAFeedError(f"section {section!r} missing or not an object")
    meta = document.get("metaData") if isinstance(document.get("metaData"), dict) else {}
    timecode = meta.get("timeStamp")
    if captured_at is None:
        captured_at = parse_timecode(timecode)
    elif captured_at.tzinfo is None:
        raise NotAFeedError(f"captured_at {captured_at.isoformat()} has no time zone")
    status = document["gameData"].get("status")
    game_state = status.get("abstractGameState") if isinstance(status, dict) else None
    canonical = orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
    return Capture(
        game_pk=game_pk,
        captured_at=captured_at,
        source_timecode=timecode if isinstance(timecode, str) else None,
        game_state=game_state if isinstance(game_state, str) else None,
        content_sha256=hashlib.sha256(canonical).hexdigest(),
        document=canonical,
    )


def gunzipped(raw: bytes, name: str) -> bytes:
    """The bytes, gunzipped when the content is gzip (whatever the name says)."""
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as error:
        raise NotAFeedError(f"{name}: broken gzip ({error})") from error


def parse_bytes(raw: bytes, name: str) -> Any:
    """JSON from raw bytes (gzip or not)."""
    raw = gunzipped(raw, name)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise NotAFeedError(f"{name}: invalid JSON ({error})") from error


def read_file(path: Path) -> bytes:
    """A recorded file's JSON bytes (gunzipped)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise NotAFeedError(f"{path}: cannot read ({error.strerror})") from error
    return gunzipped(raw, str(path))


def read_document(path: Path) -> Any:
    """A recorded file's JSON (a stub's wrapped response unwrapped)."""
    return unwrap(parse_bytes(read_file(path), str(path)))


def read_capture_file(path: Path, captured_at: datetime | None = None) -> Capture:
    document = read_document(path)
    try:
        return capture_from_document(document, captured_at)
    except NotAFeedError as error:
        raise NotAFeedError(f"{path}: {error}") from error


def feed_files(paths: list[Path], *, distinct: bool = False) -> list[Path]:
    """Files named directly, plus the feed files (.json, .json.gz) under directories, sorted.
    `distinct`: a stub next to its unwrapped copy is the same capture spelled twice; keep the
    copy."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and is_feed_name(p.name))
            if distinct:
                names = {p.name for p in found}
                found = [p for p in found if _unwrapped_name(p.name) not in names]
            files.extend(found)
        else:
            files.append(path)
    return files


def is_feed_name(name: str) -> bool:
    return name.endswith(FEED_SUFFIXES)


def _unwrapped_name(name: str) -> str | None:
    """The name of a stub's unwrapped copy (None for a file that is not a stub)."""
    return name.replace(STUB_MARK, "").removesuffix(".gz") if STUB_MARK in name else None


def file_game_and_state(path: Path) -> tuple[str, str] | None:
    """(gamePk, state) from a recording's name `<gamePk>_<state>_<timeStamp>...`."""
    parts = path.name.split("_")
    return (parts[0], parts[1]) if len(parts) >= 3 else None
