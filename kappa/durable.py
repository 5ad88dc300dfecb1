"""Durable files: what the spool (kappa/spool.py) and the stream's Delta outbox
(spark_streaming/outbox.py) use so that data they acknowledged survives a crash."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_file(path: Path) -> None:
    """Make a written file's content durable."""
    with path.open("rb") as file:
        os.fsync(file.fileno())


def fsync_directory(directory: Path) -> None:
    """Make a created, renamed or deleted file name durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
