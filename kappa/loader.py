"""`kappa load`: feed files and directories into the raw log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import psycopg

from kappa import raw_log
from kappa.errors import NotAFeedError
from kappa.feed import Capture, feed_files, read_capture_file

logger = logging.getLogger(__name__)

FILES_PER_TRANSACTION = 50  # bounds memory: at most this many documents are held at once


@dataclass
class LoadSummary:
    loaded: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)

    def line(self) -> str:
        return (
            f"loaded {self.loaded}, skipped {self.duplicates} duplicates, "
            f"rejected {len(self.rejected)}"
        )


def _chunks(files: list[Path], size: int) -> Iterator[list[Path]]:
    for start in range(0, len(files), size):
        yield files[start : start + size]


def load_paths(
    conn: psycopg.Connection,
    paths: list[Path],
    captured_at: datetime | None = None,
    on_file: Callable[[Path], None] | None = None,
) -> LoadSummary:
    """Load every feed file under `paths`; a bad file is reported and quarantined, the
    others still load."""
    raw_log.ensure_schema(conn)
    summary = LoadSummary()
    for chunk in _chunks(feed_files(paths), FILES_PER_TRANSACTION):
        captures: list[Capture] = []
        for path in chunk:
            try:
                captures.append(read_capture_file(path, captured_at))
            except NotAFeedError as error:
                logger.warning("rejected %s", error)
                summary.rejected.append((str(path), str(error)))
                raw_log.quarantine(conn, str(error), source=str(path))
            if on_file:
                on_file(path)
        result = raw_log.insert_captures(conn, captures)
        summary.loaded += result.inserted
        summary.duplicates += result.duplicates
    return summary
