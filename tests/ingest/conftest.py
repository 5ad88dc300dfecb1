"""Ingestion tests talk to the replay server of the real recordings, never to the real API."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest

from ingest.replay.recording import Recording

from support.data import SHARED_MLB


@pytest.fixture(autouse=True)
def _local_api_only(monkeypatch):
    """No test may reach the real API: a KAPPA_API_URL elsewhere than 127.0.0.1 fails."""
    url = os.environ.get("KAPPA_API_URL")
    if url and urlsplit(url).hostname != "127.0.0.1":
        pytest.fail(f"KAPPA_API_URL={url}: tests only talk to a local replay server")
    monkeypatch.delenv("KAPPA_API_URL", raising=False)


@pytest.fixture(scope="module")
def recording() -> Recording:
    return Recording.load(SHARED_MLB)
