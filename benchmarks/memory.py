"""Peak memory while a benchmark runs: this process's RSS and the private memory of the
Postgres backends connected to the benchmark database (when the server runs on this machine)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg


@dataclass
class MemoryPeaks:
    python_mb: float = 0.0
    backends_total_mb: float | None = None  # sum over backends at one instant
    backend_max_mb: float | None = None  # largest single backend


class MemorySampler(threading.Thread):
    """Samples, every 0.1 s, this process's RSS and the private (RssAnon) memory of every
    backend connected to `database`, keeping the peaks per phase. Backends' memory is only
    visible when the server runs on this machine (/proc readable)."""

    def __init__(self, database: str, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.interval = interval
        self.peaks: dict[str, MemoryPeaks] = {}
        self._phase = "setup"
        self._stop_event = threading.Event()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._phase = name
        self.peaks.setdefault(name, MemoryPeaks())
        try:
            yield
        finally:
            self._sample(self._admin_pids())
            self._phase = "between"

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)

    def run(self) -> None:
        self._admin = psycopg.connect(dbname="postgres", autocommit=True)
        try:
            while not self._stop_event.wait(self.interval):
                self._sample(self._admin_pids())
        finally:
            self._admin.close()

    def _admin_pids(self) -> list[int]:
        try:
            rows = self._admin.execute(
                "select pid from pg_stat_activity where datname = %s", (self.database,)
            ).fetchall()
        except (psycopg.Error, AttributeError):
            return []
        return [row[0] for row in rows]

    def _sample(self, pids: list[int]) -> None:
        peaks = self.peaks.setdefault(self._phase, MemoryPeaks())
        peaks.python_mb = max(peaks.python_mb, _status_kb("self", "VmRSS") / 1024)
        sizes = [_status_kb(str(pid), "RssAnon") for pid in pids]
        visible = [size for size in sizes if size >= 0]
        if visible:
            total, largest = sum(visible) / 1024, max(visible) / 1024
            peaks.backends_total_mb = max(peaks.backends_total_mb or 0.0, total)
            peaks.backend_max_mb = max(peaks.backend_max_mb or 0.0, largest)


def _status_kb(pid: str, key: str) -> int:
    """A /proc/<pid>/status field in kB; -1 when not readable (process gone, other host)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return -1
    return -1
