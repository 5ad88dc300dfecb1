"""A local stand-in for the MLB Stats API over real HTTP, serving recorded captures.

Each game advances through its recorded feed/live captures in time order (metaData.timeStamp),
its clock compressed by `speed`, from the moment the server started. A game never advances past
a capture that was not yet served whole once, so a slow or failing client slows the replay
instead of missing captures. The schedule reflects each game's current capture. Faults (429,
500, timeout, truncate, reset, html, wrong-game) are injected on a seeded share of requests.
Bound to 127.0.0.1 only."""

from __future__ import annotations

import json
import logging
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from ingest.replay.recording import RecordedCapture, Recording
from kappa.errors import ConfigError

logger = logging.getLogger(__name__)

FAULT_KINDS = ("429", "500", "timeout", "truncate", "reset", "html", "wrong-game")
FEED_PATH = re.compile(r"^/api/v1(?:\.1)?/game/(\d+)/feed/live(/timestamps|/diffPatch)?/?$")
SCHEDULE_PATH = re.compile(r"^/api/v1/schedule/?$")
HTML_PAGE = (
    b"<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head>"
    b"<body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>"
)


@dataclass(frozen=True)
class ReplaySettings:
    directory: Path
    speed: float = 1.0
    port: int = 0
    faults: tuple[str, ...] = ()
    fault_rate: float = 0.0
    seed: int = 0
    retry_after: int = 1  # seconds sent with an injected 429
    fault_delay: float = 30.0  # how long an injected timeout holds the request
    keep_unrecorded: bool = False  # list scheduled games that have no recorded feed
    fault_scope: str = "all"  # "all" requests, or only "feed" (game) endpoints

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.faults if kind not in FAULT_KINDS]
        if unknown:
            raise ConfigError(f"unknown fault kind(s) {unknown}; valid: {', '.join(FAULT_KINDS)}")
        if self.speed <= 0:
            raise ConfigError(f"speed {self.speed} must be > 0")
        if self.fault_scope not in ("all", "feed"):
            raise ConfigError(f"fault scope {self.fault_scope!r}: valid: all, feed")
        if not 0 <= self.fault_rate <= 1:
            raise ConfigError(f"fault rate {self.fault_rate} must be between 0 and 1")


@dataclass
class _GameClock:
    captures: list[RecordedCapture]
    served_max: int = -1  # highest capture index served whole at least once


@dataclass
class ReplayState:
    """What every request sees: the recording, the clocks, the fault dice (thread-safe)."""

    settings: ReplaySettings
    recording: Recording
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)
    clocks: dict[int, _GameClock] = field(default_factory=dict)
    requests: int = 0
    user_agents: set[str] = field(default_factory=set)
    hits: Counter[str] = field(default_factory=Counter)  # answered requests per endpoint
    faults_injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.clocks = {pk: _GameClock(caps) for pk, caps in self.recording.captures.items()}
        self._rng = random.Random(self.settings.seed)

    def position(self, pk: int) -> int:
        """Index of the game's current capture (call with the lock held)."""
        clock = self.clocks[pk]
        elapsed = (time.monotonic() - self.started) * self.settings.speed
        first = clock.captures[0].at
        due = 0
        for index, capture in enumerate(clock.captures):
            if (capture.at - first).total_seconds() <= elapsed:
                due = index
        return min(due, clock.served_max + 1)

    def current(self, pk: int) -> tuple[int, RecordedCapture] | None:
        with self.lock:
            if pk not in self.clocks:
                return None
            index = self.position(pk)
            return index, self.clocks[pk].captures[index]

    def mark_served(self, pk: int, index: int) -> None:
        with self.lock:
            clock = self.clocks[pk]
            clock.served_max = max(clock.served_max, index)

    def pick_fault(self) -> str | None:
        with self.lock:
            self.requests += 1
            faults = self.settings.faults
            if not faults or self._rng.random() >= self.settings.fault_rate:
                return None
            kind = self._rng.choice(faults)
            self.faults_injected[kind] = self.faults_injected.get(kind, 0) + 1
            return kind

    def schedule(self, query: dict[str, list[str]]) -> dict[str, Any]:
        """The /api/v1/schedule answer for `query`, each game as it stands now."""
        values = {key: ",".join(items) for key, items in query.items()}
        date = values.get("date")
        start, end = values.get("startDate", date), values.get("endDate", date)
        season = values.get("season")
        game_types = set(filter(None, values.get("gameType", "").split(",")))
        pk_list = values.get("gamePks", values.get("gamePk", ""))
        pks = {int(pk) for pk in re.split(r"[,\s]+", pk_list) if pk.isdigit()}
        teams = {int(t) for t in values.get("teamId", "").split(",") if t.isdigit()}
        by_date: dict[str, list[dict[str, Any]]] = {}
        for pk in sorted(set(self.recording.scheduled) | set(self.clocks)):
            now = self.current(pk)
            listed = self.recording.game_entry(
                pk, now[1] if now else None, self.settings.keep_unrecorded
            )
            if listed is None:
                continue
            day, entry = listed
            if (start and day < _iso(start)) or (end and day > _iso(end)):
                continue
            if season and str(entry.get("season")) != season:
                continue
            if game_types and entry.get("gameType") not in game_types:
                continue
            if pks and pk not in pks:
                continue
            team_ids = {
                entry.get("teams", {}).get(s, {}).get("team", {}).get("id")
                for s in ("away", "home")
            }
            if teams and not teams & team_ids:
                continue
            by_date.setdefault(day, []).append(entry)
        dates = []
        for day in sorted(by_date):
            games = sorted(by_date[day], key=lambda g: (g.get("gameDate") or "", g["gamePk"]))
            live = sum(g["status"].get("abstractGameState") == "Live" for g in games)
            dates.append(
                {
                    "date": day,
                    "totalItems": len(games),
                    "totalEvents": 0,
                    "totalGames": len(games),
                    "totalGamesInProgress": live,
                    "games": games,
                    "events": [],
                }
            )
        total = sum(d["totalGames"] for d in dates)
        return {
            "copyright": "replay of recorded MLB Stats API responses (kappa replay-server)",
            "totalItems": total,
            "totalEvents": 0,
            "totalGames": total,
            "totalGamesInProgress": sum(d["totalGamesInProgress"] for d in dates),
            "dates": dates,
        }


def _iso(value: str) -> str:
    """Schedule dates come as YYYY-MM-DD or MM/DD/YYYY."""
    match = re.fullmatch(r"(\d{2})/(\d{2})/(\d{4})", value)
    return f"{match[3]}-{match[1]}-{match[2]}" if match else value


class _Handler(BaseHTTPRequestHandler):
    server_version = "kappa-replay/0.1"
    protocol_version = "HTTP/1.1"

    @property
    def state(self) -> ReplayState:
        return self.server.state  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        logger.debug("replay %s " + format, self.client_address[0], *args)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        with self.state.lock:
            self.state.user_agents.add(self.headers.get("User-Agent", ""))
        scope = "/api/v1" if self.state.settings.fault_scope == "all" else "/api/v1.1/game/"
        fault = self.state.pick_fault() if url.path.startswith(scope) else None
        if fault in ("reset", "timeout"):
            self._drop(fault)
            return
        if fault == "429":
            self._send(
                429,
                b'{"message":"Too Many Requests"}',
                {"Retry-After": str(self.state.settings.retry_after)},
            )
            return
        if fault in ("500", "html"):
            self._send(500 if fault == "500" else 200, HTML_PAGE, content_type="text/html")
            return
        if SCHEDULE_PATH.match(url.path):
            with self.state.lock:
                self.state.hits["schedule"] += 1
            self._send(200, orjson.dumps(self.state.schedule(query)), fault=fault)
            return
        match = FEED_PATH.match(url.path)
        if match is None:
            self._not_found(f"no such endpoint {url.path}")
            return
        pk, endpoint = int(match[1]), match[2]
        with self.state.lock:
            self.state.hits[(endpoint or "/feed").lstrip("/")] += 1
        if fault == "wrong-game":
            others = [other for other in self.state.clocks if other != pk]
            if others:
                pk = others[0]
            fault = None  # the body is whole, just not the game asked for
        self._feed(pk, endpoint, query, fault)

    def _feed(self, pk: int, endpoint: str | None, query: dict[str, list[str]], fault) -> None:
        current = self.state.current(pk)
        if endpoint == "/timestamps":
            recorded = self.state.recording.timestamps.get(pk)
            if recorded is None and current is None:
                self._not_found(f"game {pk} has no recording")
                return
            if recorded is None:
                captures = self.state.clocks[pk].captures[: current[0] + 1]
                recorded = list(dict.fromkeys(c.timecode for c in captures))
            self._send(200, orjson.dumps(recorded), fault=fault)
            return
        if current is None:
            self._not_found(f"game {pk} has no recording")
            return
        index, capture = current
        if "timecode" in query:  # a past state of the game, when it was recorded
            wanted = query["timecode"][0]
            past = [c for c in self.state.clocks[pk].captures if c.timecode == wanted]
            if not past:
                self._not_found(f"game {pk} has no capture at timecode {wanted}")
                return
            self._send(200, self.state.recording.body(past[0]), fault=fault)
            return
        if endpoint == "/diffPatch" and query.get("startTimecode", [""])[0] == capture.timecode:
            self._send(200, b"[]", fault=fault)  # no change since the client's timecode
            return
        # feed/live, or a diffPatch answered with the full document (as the API may do);
        # only feed/live counts as delivering the capture
        sent = self._send(200, self.state.recording.body(capture), fault=fault)
        if sent and endpoint is None:
            self.state.mark_served(pk, index)

    def _not_found(self, message: str) -> None:
        body = json.dumps({"messageNumber": 10, "message": f"Object not found: {message}"})
        self._send(404, body.encode())

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json;charset=UTF-8",
        fault: str | None = None,
    ) -> bool:
        """Write a response; True when the whole body was sent."""
        if fault == "truncate":
            body = body[: len(body) // 2]
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError as error:  # the client went away
            logger.debug("replay: response not sent: %s", error)
            return False
        return fault is None

    def _drop(self, fault: str) -> None:
        """`reset`: abort the connection at once (RST); `timeout`: hold it, then close."""
        if fault == "timeout":
            self.server.closing.wait(self.state.settings.fault_delay)  # type: ignore[attr-defined]
        else:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass


class ReplayServer:
    """`with ReplayServer(settings) as server: server.url` (serves from a thread)."""

    def __init__(self, settings: ReplaySettings, recording: Recording | None = None) -> None:
        self.state = ReplayState(settings, recording or Recording.load(settings.directory))
        self._httpd = ThreadingHTTPServer(("127.0.0.1", settings.port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._httpd.state = self.state  # type: ignore[attr-defined]
        self._httpd.closing = threading.Event()  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def serve_forever(self) -> None:
        self._httpd.serve_forever(poll_interval=0.2)

    def start(self) -> ReplayServer:
        self._thread = threading.Thread(target=self.serve_forever, name="replay", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        self._httpd.closing.set()  # type: ignore[attr-defined]
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
