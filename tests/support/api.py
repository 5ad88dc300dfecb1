"""Talking to the local replay server in tests: fast retries, never the real API."""

from __future__ import annotations

from urllib.parse import urlsplit

from ingest.client import ClientSettings
from ingest.replay.server import ReplayServer

FAST_RETRIES = {
    "read_timeout": 0.5,
    "backoff_base": 0.02,
    "backoff_max": 0.2,
    "max_attempts": 10,
    "rate_per_second": 500.0,
}


def local_client_settings(server: ReplayServer, **overrides) -> ClientSettings:
    assert urlsplit(server.url).hostname == "127.0.0.1"
    return ClientSettings(base_url=server.url, **{**FAST_RETRIES, **overrides})
