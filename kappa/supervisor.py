"""Supervising the parts of `kappa live` (the poller, the stream, the metrics): each part is a
child process; one that crashes is started again with exponential backoff (logged and
counted); a part that ends by itself with exit code 0 is done; SIGINT/SIGTERM stop every part
with its own stop signal and wait for it (then kill its process group).

Each child runs in its own process group (so a terminal's Ctrl-C reaches the supervisor
alone, which stops the parts in order) and gets SIGTERM if the supervisor dies (Linux
PR_SET_PDEATHSIG)."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Part:
    name: str
    command: tuple[str, ...]
    stop_signal: int = signal.SIGTERM
    env: Mapping[str, str] = field(default_factory=dict)
    stop_timeout: float = 60.0  # then the part's process group is killed


@dataclass
class PartState:
    part: Part
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    restarts: int = 0
    consecutive: int = 0  # crashes without a long enough run in between
    next_start: float = 0.0
    done: bool = False
    last_exit: int | None = None


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    os.setsid()
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
    def __init__(
        self,
        parts: list[Part],
        *,
        backoff_base: float = 1.0,
        backoff_max: float = 60.0,
        healthy_after: float = 60.0,
        log_dir: Path | None = None,
        on_restart: Callable[[str, int], None] | None = None,
        on_exit: Callable[[str, int, int], None] | None = None,
    ) -> None:
        self.states = {part.name: PartState(part) for part in parts}
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after  # a run this long resets the backoff
        self.log_dir = log_dir
        self.on_restart = on_restart
        self.on_exit = on_exit  # (part, pid, exit code) of every child that ended

    def _start(self, state: PartState) -> None:
        part = state.part
        out = None
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            out = open(self.log_dir / f"{part.name}.log", "ab")  # noqa: SIM115 - the child's
        try:
            state.process = subprocess.Popen(
                part.command,
                env={**os.environ, **part.env},
                stdout=out,
                stderr=subprocess.STDOUT if out is not None else None,
                preexec_fn=_die_with_parent,  # noqa: PLW1509 - setsid + pdeathsig only
            )
        finally:
            if out is not None:
                out.close()
        state.started_at = time.monotonic()
        logger.info("started %s (pid %s): %s", part.name, state.process.pid, " ".join(part.command))

    def _check(self, state: PartState, now: float) -> None:
        process = state.process
        if process is None or state.done:
            if not state.done and now >= state.next_start:
                self._start(state)
            return
        code = process.poll()
        if code is None:
            return
        state.last_exit = code
        state.process = None
        if self.on_exit is not None:
            self.on_exit(state.part.name, process.pid, code)
        if code == 0:
            state.done = True
            logger.info("%s finished (exit 0)", state.part.name)
            return
        ran = now - state.started_at
        state.consecutive = 1 if ran >= self.healthy_after else state.consecutive + 1
        delay = min(self.backoff_max, self.backoff_base * 2 ** (state.consecutive - 1))
        state.restarts += 1
        state.next_start = now + delay
        logger.warning(
            "%s crashed (exit %s after %.0f s): restart %d in %.1f s",
            state.part.name,
            code,
            ran,
            state.restarts,
            delay,
        )
        if self.on_restart is not None:
            self.on_restart(state.part.name, state.restarts)

    def run(self, stop: threading.Event, every: float = 0.5) -> None:
        """Keep the parts running until `stop` is set or every part is done; then stop them."""
        try:
            while not stop.is_set():
                now = time.monotonic()
                for state in self.states.values():
                    self._check(state, now)
                if all(state.done for state in self.states.values()):
                    logger.info("every part finished")
                    return
                stop.wait(every)
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        """Send each running part its stop signal, wait, kill what is left."""
        running = [s for s in self.states.values() if s.process and s.process.poll() is None]
        for state in running:
            logger.info("stopping %s (pid %s)", state.part.name, state.process.pid)
            try:
                state.process.send_signal(state.part.stop_signal)
            except ProcessLookupError:
                pass
        for state in running:
            try:
                state.last_exit = state.process.wait(timeout=state.part.stop_timeout)
            except subprocess.TimeoutExpired:
                logger.warning("%s did not stop in time: killed", state.part.name)
            # the part's own children (a JVM) too: its process group
            try:
                os.killpg(state.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            state.process.wait()
            if self.on_exit is not None:
                self.on_exit(state.part.name, state.process.pid, state.process.returncode)
            state.process = None

    def parts(self) -> dict[str, dict]:
        """name -> {pid, up, restarts, done, last_exit}: for the state file and metrics."""
        return {
            name: {
                "pid": state.process.pid if state.process is not None else None,
                "up": state.process is not None and state.process.poll() is None,
                "restarts": state.restarts,
                "done": state.done,
                "last_exit": state.last_exit,
            }
            for name, state in self.states.items()
        }
