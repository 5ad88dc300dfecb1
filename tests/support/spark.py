"""Spark fixtures (pytest plugin, listed in conftest.pytest_plugins): ONE SparkSession with
Delta Lake for the whole test run (startup costs ~10 s), and a fresh Delta lake per test.

dbt's `--target spark` (method: session) reuses the same session in-process (getOrCreate)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """The SparkSession of the run: local[2], Delta, UTC, warehouse and Derby in a temp dir."""
    from spark_streaming.session import SparkSettings, build_session

    scratch = tmp_path_factory.mktemp("spark")
    session = build_session(
        SparkSettings(
            master="local[2]", app_name="kappa-tests", scratch_dir=scratch, fast_start=True
        )
    )
    yield session
    session.stop()


@pytest.fixture
def lake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty Delta lake root for one test; KAPPA_LAKE points at it (dbt's
    location_root and the stream's Delta sink read it)."""
    root = tmp_path / "lake"
    root.mkdir()
    monkeypatch.setenv("KAPPA_LAKE", str(root))
    return root
