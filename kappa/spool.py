"""A durable local spool of captures that could not be written to the raw log (Postgres down).

Append-only segment files under `$KAPPA_HOME/spool/` (`<sequence>.spool`), each record fsync'd
before `append` returns: a header line (JSON: the capture's columns and the document's size),
the canonical document, a newline. A record cut short by a crash during its append is the last
of its segment and is ignored (it was never acknowledged). `drain` writes the spooled captures
into the raw log in arrival order through `raw_log.insert_captures` (the content hash skips
what is already stored, so a drain interrupted after a commit is harmless when it runs again)
and deletes a segment only after all its captures are committed. A file lock serialises
appends and drains across processes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import psycopg

from kappa import raw_log
from kappa.durable import fsync_directory
from kappa.feed import Capture

logger = logging.getLogger(__name__)

SUFFIX = ".spool"
SEGMENT_BYTES = 64 * 1024 * 1024  # a new segment once the current one is this large
DRAIN_CHUNK = 20  # captures per raw-log transaction while draining


@dataclass(frozen=True)
class SpoolStats:
    captures: int
    bytes: int
    oldest_spooled_at: float | None  # epoch seconds of the oldest spooled capture

    def age_seconds(self, now: float | None = None) -> float:
        if self.oldest_spooled_at is None:
            return 0.0
        return max(0.0, (now if now is not None else time.time()) - self.oldest_spooled_at)


@dataclass(frozen=True)
class _Record:
    spooled_at: float
    capture: Capture


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    # -- writing ---------------------------------------------------------------------------

    def append(self, capture: Capture) -> None:
        """Append one capture durably (written and fsync'd before this returns)."""
        header = orjson.dumps(
            {
                "game_pk": capture.game_pk,
                "captured_at": capture.captured_at.isoformat(),
                "source_timecode": capture.source_timecode,
                "game_state": capture.game_state,
                "content_sha256": capture.content_sha256,
                "size": len(capture.document),
                "spooled_at": time.time(),
            }
        )
        with self._locked():
            segments = self._segments()
            if not segments or segments[-1].stat().st_size >= SEGMENT_BYTES:
                number = int(segments[-1].stem) + 1 if segments else 1
                path = self.directory / f"{number:012d}{SUFFIX}"
                created = True
            else:
                path, created = segments[-1], False
            with open(path, "ab") as out:
                out.write(header + b"\n" + capture.document + b"\n")
                out.flush()
                os.fsync(out.fileno())
            if created:
                fsync_directory(self.directory)
        logger.info(
            "spooled capture of game %s (%s) to %s", capture.game_pk, capture.source_timecode, path
        )

    # -- reading ---------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not self._segments()

    def stats(self) -> SpoolStats:
        """Captures, bytes and the oldest capture's spool time (headers only are read)."""
        count, size, oldest = 0, 0, None
        for path in self._segments():
            try:
                size += path.stat().st_size
                for record in _read_segment(path, documents=False):
                    count += 1
                    if oldest is None:
                        oldest = record.spooled_at
            except FileNotFoundError:  # drained meanwhile
                continue
        return SpoolStats(count, size, oldest)

    def captures(self) -> list[Capture]:
        """Every spooled capture, in arrival order."""
        return [r.capture for path in self._segments() for r in _read_segment(path)]

    # -- draining --------------------------------------------------------------------------

    def drain(self, conn: psycopg.Connection) -> int:
        """Write every spooled capture into the raw log, in arrival order; a segment is deleted
        once all its captures are committed. Returns the captures inserted (duplicates of
        stored content are skipped). A database error propagates: what is not committed
        stays in the spool."""
        inserted = 0
        with self._locked():
            for path in self._segments():
                records = list(_read_segment(path))
                for start in range(0, len(records), DRAIN_CHUNK):
                    chunk = [record.capture for record in records[start : start + DRAIN_CHUNK]]
                    inserted += raw_log.insert_captures(conn, chunk).inserted
                path.unlink()
                fsync_directory(self.directory)
                logger.info("drained spool segment %s: %d captures", path.name, len(records))
        return inserted

    # -- internals -------------------------------------------------------------------------

    def _segments(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"*{SUFFIX}"))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / ".lock", "a+b") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def _read_segment(path: Path, documents: bool = True) -> Iterator[_Record]:
    """The complete records of a segment; a torn last record (crash mid-append) is skipped."""
    with open(path, "rb") as source:
        while True:
            line = source.readline()
            if not line:
                return
            try:
                header = orjson.loads(line)
                size = int(header["size"])
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                logger.warning("spool %s: an incomplete record at its end is ignored", path)
                return
            if documents:
                document = source.read(size + 1)
                if len(document) != size + 1 or document[-1:] != b"\n":
                    logger.warning("spool %s: an incomplete record at its end is ignored", path)
                    return
                body = document[:-1]
            else:
                position = source.tell()
                end = source.seek(0, os.SEEK_END)
                if end < position + size + 1:
                    return
                source.seek(position + size + 1)
                body = b""
            yield _Record(
                spooled_at=float(header.get("spooled_at") or 0.0),
                capture=Capture(
                    game_pk=int(header["game_pk"]),
                    captured_at=datetime.fromisoformat(header["captured_at"]),
                    source_timecode=header["source_timecode"],
                    game_state=header["game_state"],
                    content_sha256=header["content_sha256"],
                    document=body,
                ),
            )
