"""Where the test data is: the real MLB feeds of ../shared (tests that need them are skipped
without it) and the sample bundled with the project."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kappa.feed import feed_files, file_game_and_state
from kappa.project import PACKAGE_DIR, sample_feeds_dir

PROJECT_DIR = PACKAGE_DIR.parent  # the source checkout the tests run from
SHARED_MLB = PROJECT_DIR.parent / "shared" / "data" / "mlb"
SHARED_FEEDS = SHARED_MLB / "feed_live"
SAMPLE_FEEDS = sample_feeds_dir()
KAPPA_CLI = str(Path(sys.executable).with_name("kappa"))  # the installed command

requires_shared = pytest.mark.skipif(
    not SHARED_FEEDS.is_dir(), reason=f"real feeds not found at {SHARED_FEEDS}"
)


def shared_feed_files(state: str | None = None) -> list[Path]:
    """Real feed/live files of ../shared, one per capture (a raw pymlb stub and its unwrapped
    copy are the same capture spelled twice), optionally of one state (final, live, ...); none
    without ../shared (feed_files would take the missing directory for a file name, and module
    level uses such as a parametrisation would fail to collect instead of being skipped)."""
    if not SHARED_FEEDS.is_dir():
        return []
    files = feed_files([SHARED_FEEDS], distinct=True)
    if state is not None:
        files = [path for path in files if (file_game_and_state(path) or ("", ""))[1] == state]
    return files
