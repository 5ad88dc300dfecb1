"""The sampler of `kappa live`: every `interval` seconds it refreshes the gauges nothing else
sets (spool depth and age, quarantine count, which parts run), writes every `kappa_*` sample
to `kappa_ops.samples`, and writes the supervisor's state file that `kappa status` reads
(`$KAPPA_HOME/live/state.json`)."""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from kappa import postgres
from kappa.errors import DatabaseUnavailable
from kappa.ops import history, metrics
from kappa.spool import Spool

logger = logging.getLogger(__name__)


def state_file(home: Path) -> Path:
    return home / "live" / "state.json"


def quarantine_count() -> int | None:
    try:
        with postgres.connect(autocommit=True, connect_timeout=5) as conn:
            found = conn.execute("select to_regclass('game.live_game_quarantine')").fetchone()[0]
            if found is None:
                return 0
            return int(conn.execute("select count(*) from game.live_game_quarantine").fetchone()[0])
    except (psycopg.Error, DatabaseUnavailable):
        return None


@dataclass
class Sampler:
    home: Path
    spool: Spool
    parts: Callable[[], dict[str, dict[str, Any]]]  # name -> {pid, restarts, up}
    metrics_port: int
    interval: float = 15.0

    def sample_once(self) -> None:
        stats = self.spool.stats()
        metrics.SPOOL_CAPTURES.set(stats.captures)
        metrics.SPOOL_BYTES.set(stats.bytes)
        metrics.SPOOL_AGE.set(stats.age_seconds())
        quarantined = quarantine_count()
        if quarantined is not None:
            metrics.QUARANTINE.set(quarantined)
        parts = self.parts()
        for name, part in parts.items():
            metrics.PART_UP.labels(name).set(1 if part.get("up") else 0)
        history.record_samples(list(metrics.samples()))
        self.write_state(parts, database_up=quarantined is not None)

    def write_state(self, parts: dict[str, dict[str, Any]], database_up: bool) -> None:
        path = state_file(self.home)
        path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "pid": os.getpid(),
            "updated_at": time.time(),
            "metrics_port": self.metrics_port,
            "database_up": database_up,
            "parts": parts,
        }
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1))
        temporary.replace(path)

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self.sample_once()
            except Exception:  # noqa: BLE001 - sampling must never stop kappa live
                logger.exception("sampling the metrics failed")
            stop.wait(self.interval)

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name="kappa-sampler", daemon=True)
        thread.start()
        return thread
