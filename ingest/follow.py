"""Following the schedule day after day (`kappa live`, `kappa ingest live --follow`): each day
gets its own `LiveIngest` run (its games from the pregame lead until Final, then their
correction window); a new day starts its run while the previous day's may still be in its
correction window. A day whose run ended is run again at each re-check (a game added to the
schedule, a suspended game resuming): games whose Final is stored are not polled again."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from ingest.client import MlbClient
from ingest.live import LiveIngest, LiveSettings, LiveSummary
from ingest.store import Store

logger = logging.getLogger(__name__)
MLB_TIMEZONE = ZoneInfo("America/New_York")  # the schedule's days are US Eastern


def eastern_today() -> date:
    return datetime.now(MLB_TIMEZONE).date()


async def follow_days(
    client: MlbClient,
    store: Store,
    settings: LiveSettings,
    stop: asyncio.Event,
    today: Callable[[], date] = eastern_today,
) -> LiveSummary:
    """Run until `stop`; the summary of every game polled."""
    summary = LiveSummary()
    runs: dict[date, tuple[LiveIngest, asyncio.Task[LiveSummary]]] = {}

    def collect(day: date) -> None:
        live, task = runs.pop(day)
        summary.games.update(live.summary.games)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("live %s ended with an error: %s", day, task.exception())

    while not stop.is_set():
        day = today()
        for other in [d for d, (_, task) in runs.items() if task.done()]:
            collect(other)
        if day not in runs:
            live = LiveIngest(client, store, replace(settings, day=day), stop)
            runs[day] = (live, asyncio.create_task(live.run()))
            logger.debug("live %s: schedule checked", day)
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.schedule_interval)
        except TimeoutError:
            pass
    await asyncio.gather(*(task for _, task in runs.values()), return_exceptions=True)
    for day in list(runs):
        collect(day)
    summary.interrupted = True
    return summary
