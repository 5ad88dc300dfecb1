"""Debian's chromium driven through chromedriver's WebDriver HTTP API (httpx; no browser
download): headless, its own empty profile, no network but 127.0.0.1."""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
requires_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="chromium and chromium-driver not installed (make browser installs them)",
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1600",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    def __init__(self, client: httpx.Client, session: str) -> None:
        self.client = client
        self.session = session

    def _call(self, method: str, path: str, body: dict | None = None) -> Any:
        response = self.client.request(method, f"/session/{self.session}{path}", json=body)
        response.raise_for_status()
        return response.json()["value"]

    def open(self, url: str) -> None:
        self._call("POST", "/url", {"url": url})

    def run(self, script: str, *args: Any) -> Any:
        return self._call("POST", "/execute/sync", {"script": script, "args": list(args)})

    def console(self) -> list[dict]:
        """The browser's console entries since the last call (chromedriver's log endpoint)."""
        return self._call("POST", "/se/log", {"type": "browser"})

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self._call("GET", "/screenshot")))


@contextmanager
def chromium() -> Iterator[Browser]:
    port = free_port()
    profile = Path(tempfile.mkdtemp(prefix="kappa-chromium-"))
    driver = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/status").json()["value"]["ready"]:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "chromedriver did not start"
            time.sleep(0.1)
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [*FLAGS, f"--user-data-dir={profile}"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        created = client.post("/session", json={"capabilities": {"alwaysMatch": capabilities}})
        created.raise_for_status()
        session = created.json()["value"]["sessionId"]
        try:
            yield Browser(client, session)
        finally:
            client.delete(f"/session/{session}")
            client.close()
    finally:
        driver.terminate()
        driver.wait(timeout=30)
        shutil.rmtree(profile, ignore_errors=True)
