"""`kappa ingest live`: poll the day's games while they are played.

The day's games come from the schedule, re-checked every `schedule_interval`. Each game that is
live or about to start gets its own poller: it fetches feed/live at the cadence the feed asks
(`metaData.wait`, slower for Preview), appends a capture only when the content changed (the raw
log's content hash), and stops after a Final capture, a postponement, cancellation or
suspension (a suspended game is picked up again on the day it resumes), or a Live game whose
feed did not change for `idle_timeout`. The command ends when no game of the day is left, or at
SIGINT/SIGTERM: requests in flight are abandoned, a capture already received is still stored."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ingest.client import ApiError, FeedResult, MlbClient, Response
from ingest.refetch import refetch_final
from ingest.schedule import DEFAULT_GAME_TYPES, ScheduleGame, ScheduleQuery, fetch_schedule
from ingest.store import Store
from kappa.feed import parse_bytes
from kappa.ops import metrics

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveSettings:
    day: date
    schedule_interval: float = 300.0  # seconds between schedule re-checks
    min_wait: float = 2.0  # floor on metaData.wait
    default_wait: float = 10.0  # when the feed does not say
    preview_wait: float = 60.0  # Preview games are polled at least this far apart
    wait_override: float | None = None  # poll every X s whatever the feed says (tests, demos)
    idle_timeout: float = 3 * 3600.0  # stop a Live game whose feed has not changed this long
    max_failures: int = 30  # consecutive failed polls before a game is given up
    pregame_lead: float = 1800.0  # start polling a Preview game this long before first pitch
    diff_patch: bool = True  # probe diffPatch first; fetch the full feed only on a change
    flush_interval: float = 2.0  # how often a non-empty spool is offered to the database
    correction_window: float = 0.0  # re-poll a Final game this long after it (0: never)
    correction_first: float = 300.0  # the first re-poll after the Final; then twice as long
    game_pks: tuple[int, ...] = ()  # only these games (instead of the day's schedule)
    game_types: tuple[str, ...] = DEFAULT_GAME_TYPES

    def query(self) -> ScheduleQuery:
        if self.game_pks:
            return ScheduleQuery(game_pks=self.game_pks, game_types=())
        return ScheduleQuery(day=self.day, game_types=self.game_types)

    def interval(self, feed_wait: float | None, abstract_state: str | None) -> float:
        if self.wait_override is not None:
            wait = self.wait_override
        else:
            wait = max(self.min_wait, feed_wait if feed_wait is not None else self.default_wait)
        if abstract_state == "Preview":
            wait = max(wait, self.preview_wait)
        return wait


@dataclass
class GameReport:
    game_pk: int
    polls: int = 0
    stored: int = 0
    unchanged: int = 0
    failures: int = 0
    last_state: str = ""
    stopped: str = ""
    corrections: int = 0  # changed documents stored in the correction window


@dataclass
class LiveSummary:
    games: dict[int, GameReport] = field(default_factory=dict)
    interrupted: bool = False

    @property
    def stored(self) -> int:
        return sum(game.stored for game in self.games.values())

    def lines(self) -> list[str]:
        lines = [
            f"{len(self.games)} games: stored {self.stored} captures"
            + (" (interrupted)" if self.interrupted else "")
        ]
        for pk, game in sorted(self.games.items()):
            lines.append(
                f"  {pk}: {game.stored} stored, {game.unchanged} unchanged, {game.polls} polls,"
                f" {game.failures} failed; {game.last_state or '-'}; stopped: {game.stopped}"
            )
        return lines


def _diff_is_empty(body: bytes, _received_at: datetime) -> bool:
    document = parse_bytes(body, "diffPatch")
    if isinstance(document, list):
        return not document
    if isinstance(document, dict):
        return False  # a full document: something changed
    raise ValueError(f"diffPatch answer is a {type(document).__name__}, not a list or object")


class LiveIngest:
    def __init__(
        self, client: MlbClient, store: Store, settings: LiveSettings, stop: asyncio.Event
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.stop = stop
        self.summary = LiveSummary()
        self._tasks: dict[int, asyncio.Task[None]] = {}

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self.stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _raced(self, request: Coroutine[Any, Any, Response]) -> Response | None:
        """The response, or None when stopped first (the request is then abandoned)."""
        fetch = asyncio.create_task(request)
        stopped = asyncio.create_task(self.stop.wait())
        done, _ = await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if fetch in done:
            return fetch.result()  # received: stored even when a stop came at the same time
        fetch.cancel()
        return None

    async def _unchanged_since(self, game_pk: int, timecode: str) -> bool:
        """diffPatch probe: True when the API answers that nothing changed since `timecode`
        (2 bytes instead of a 1-2 MB feed). Any other answer, or a failure: fetch the feed.
        A full document in a diffPatch answer is not stored: it lacks the feed's copyright
        key, so its content hash would differ from the same state fetched from feed/live."""
        path = f"/api/v1.1/game/{game_pk}/feed/live/diffPatch"
        try:
            response = await self._raced(
                self.client.get(path, {"startTimecode": timecode}, _diff_is_empty)
            )
        except ApiError as error:
            logger.info("game %s: diffPatch probe failed (%s), fetching the feed", game_pk, error)
            return False
        return bool(response is not None and response.value)

    def _pregame_wait(self, game: ScheduleGame) -> float:
        """Seconds until a Preview game is `pregame_lead` from its first pitch (0 when near)."""
        if game.game_date is None:
            return 0.0
        until = (game.game_date - datetime.now(UTC)).total_seconds() - self.settings.pregame_lead
        return max(0.0, min(until, self.settings.schedule_interval))

    async def poll_game(self, game: ScheduleGame) -> None:
        pk = game.game_pk
        report = self.summary.games.setdefault(pk, GameReport(pk))
        last: FeedResult | None = None
        last_change = time.monotonic()
        wait = self.settings.interval(None, game.abstract_state)
        if game.abstract_state == "Preview":
            await self._sleep(self._pregame_wait(game))
        while not self.stop.is_set():
            report.polls += 1
            metrics.POLLS.labels(str(pk)).inc()
            timecode = last.capture.source_timecode if last else None
            if timecode and self.settings.diff_patch and await self._unchanged_since(pk, timecode):
                report.unchanged += 1
            else:
                try:
                    response = await self._raced(self.client.feed(pk))
                except ApiError as error:
                    report.failures += 1
                    logger.warning("game %s: %s", pk, error)
                    if error.bad_content:
                        await self.store.quarantine(error, pk)
                    if error.permanent or report.failures >= self.settings.max_failures:
                        report.stopped = f"failed: {error.reason}"
                        return
                    await self._sleep(wait)
                    continue
                if response is None:
                    break
                result: FeedResult = response.value
                report.failures = 0
                report.last_state = f"{result.capture.game_state}/{result.detailed_state}"
                if last is None or result.capture.content_sha256 != last.capture.content_sha256:
                    last_change = time.monotonic()
                    if await self.store.capture(result.capture):
                        report.stored += 1
                        metrics.record_capture(result.capture)
                        logger.info(
                            "game %s: stored capture %s (%s)",
                            pk,
                            result.capture.source_timecode,
                            report.last_state,
                        )
                    else:
                        report.unchanged += 1
                else:
                    report.unchanged += 1
                last = result
            reason = last.stop_reason
            idle = time.monotonic() - last_change
            if reason is None and last.capture.game_state == "Live":
                if idle >= self.settings.idle_timeout:
                    reason = f"no change for {idle:.0f}s"
            if reason is not None:
                report.stopped = reason
                logger.info("game %s: stopped polling: %s", pk, reason)
                if reason == "final" and self.settings.correction_window > 0:
                    await self._corrections(pk, report, since=time.time())
                return
            wait = self.settings.interval(last.wait, last.capture.game_state)
            await self._sleep(wait)
        report.stopped = "interrupted"

    async def _corrections(self, pk: int, report: GameReport, since: float) -> None:
        """The correction window: fetch the finished game again at widening intervals until
        `correction_window` after its Final; a changed document is stored as a new capture."""
        end = since + self.settings.correction_window
        wait = self.settings.correction_first
        while not self.stop.is_set() and time.time() + wait <= end:
            await self._sleep(wait)
            if self.stop.is_set():
                break
            report.polls += 1
            metrics.POLLS.labels(str(pk)).inc()
            result = await refetch_final(self.client, self.store, pk)
            report.corrections += result.stored
            wait *= 2
        if not self.stop.is_set():
            report.stopped = f"final; correction window over ({report.corrections} corrections)"

    async def _check_schedule(self, query: ScheduleQuery) -> None:
        response = await fetch_schedule(self.client, query)
        await self.store.schedule(response)
        new = [game for game in response.games if game.game_pk not in self.summary.games]
        finals = await self.store.final_stored([g.game_pk for g in new if g.is_final])
        for game in new:
            if game.no_game:
                self.summary.games[game.game_pk] = GameReport(
                    game.game_pk, last_state=game.detailed_state, stopped="no game today"
                )
            elif game.game_pk in finals:
                report = GameReport(
                    game.game_pk, last_state="Final", stopped="final already stored"
                )
                self.summary.games[game.game_pk] = report
                final_at = finals[game.game_pk].timestamp()
                if time.time() < final_at + self.settings.correction_window:
                    self._tasks[game.game_pk] = asyncio.create_task(
                        self._corrections(game.game_pk, report, since=final_at)
                    )
            else:
                logger.info("game %s (%s @ %s): polling", game.game_pk, game.away, game.home)
                self.summary.games[game.game_pk] = GameReport(game.game_pk)
                self._tasks[game.game_pk] = asyncio.create_task(self.poll_game(game))

    async def run(self) -> LiveSummary:
        await self.store.flush()  # captures spooled by an earlier run first
        query = self.settings.query()
        await self._check_schedule(query)  # the first check must succeed
        next_check = time.monotonic() + self.settings.schedule_interval
        while not self.stop.is_set():
            running = [task for task in self._tasks.values() if not task.done()]
            if not running:
                break
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + self.settings.schedule_interval
                try:
                    await self._check_schedule(query)
                except ApiError as error:
                    logger.warning("schedule re-check failed: %s", error)
                continue
            waiter = asyncio.create_task(self.stop.wait())
            await asyncio.wait(
                {waiter, *running},
                timeout=max(0.0, min(next_check - time.monotonic(), self.settings.flush_interval)),
                return_when=asyncio.FIRST_COMPLETED,
            )
            waiter.cancel()
            await self.store.flush()  # the database is back: the spool enters the raw log
        await asyncio.gather(*self._tasks.values())
        await self.store.flush()
        self.summary.interrupted = self.stop.is_set()
        return self.summary
