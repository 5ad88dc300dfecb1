"""`kappa ingest backfill`: the final feed of every finished game in a schedule range.

Resumable: a game whose Final capture is already in the raw log is skipped, so a re-run (or a
run after a crash) fetches only what is missing. Postponed and cancelled listings, and games
not final yet, are skipped with their reason."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Container
from dataclasses import dataclass, field

from ingest.client import ApiError, FeedResult, MlbClient
from ingest.refetch import refetch_final
from ingest.schedule import ScheduleGame, ScheduleQuery, fetch_schedule
from ingest.store import Store

logger = logging.getLogger(__name__)


@dataclass
class BackfillSummary:
    scheduled: int = 0  # games listed for the query
    fetched: int = 0  # feeds received
    stored: int = 0  # new captures appended (fetched - stored = content already stored)
    refetched: int = 0  # stored finals fetched again (--refetch)
    corrected: int = 0  # of those, changed documents stored as new captures
    skipped: dict[str, list[int]] = field(default_factory=dict)  # reason -> game pks
    failed: list[tuple[int, str]] = field(default_factory=list)  # (game pk, reason)

    def skip(self, reason: str, game_pk: int) -> None:
        self.skipped.setdefault(reason, []).append(game_pk)

    def lines(self) -> list[str]:
        skipped = sum(len(pks) for pks in self.skipped.values())
        lines = [
            f"{self.scheduled} games scheduled: fetched {self.fetched} (stored {self.stored} new),"
            f" skipped {skipped}, failed {len(self.failed)}"
        ]
        if self.refetched:
            lines.append(
                f"  refetched {self.refetched} stored finals: {self.corrected} changed (stored)"
            )
        for reason, pks in sorted(self.skipped.items()):
            lines.append(f"  skipped {len(pks)}: {reason}")
        for pk, reason in sorted(self.failed):
            lines.append(f"  failed {pk}: {reason}")
        return lines


def plan(
    games: list[ScheduleGame],
    final_stored: Container[int],
    summary: BackfillSummary,
    refetch: list[int] | None = None,
) -> list[int]:
    """The games to fetch; the others are recorded in `summary.skipped`. With a `refetch`
    list, games whose Final is stored go there instead of being skipped."""
    todo = []
    for game in games:
        if game.no_game:
            summary.skip(f"{game.detailed_state.lower() or 'postponed/cancelled'}", game.game_pk)
        elif not game.is_final:
            summary.skip(f"not final yet ({game.detailed_state})", game.game_pk)
        elif game.game_pk in final_stored:
            if refetch is None:
                summary.skip("final capture already stored", game.game_pk)
            else:
                refetch.append(game.game_pk)
        else:
            todo.append(game.game_pk)
    return todo


async def backfill(
    client: MlbClient,
    store: Store,
    query: ScheduleQuery,
    on_start: Callable[[int], None] | None = None,
    on_done: Callable[[int], None] | None = None,
    refetch: bool = False,
) -> BackfillSummary:
    """`refetch`: fetch stored finals again too, storing only changed documents (scoring
    corrections)."""
    summary = BackfillSummary()
    response = await fetch_schedule(client, query)
    await store.schedule(response)
    games = response.games
    summary.scheduled = len(games)
    if query.game_pks:
        missing = set(query.game_pks) - {game.game_pk for game in games}
        summary.failed.extend((pk, "not on the schedule") for pk in sorted(missing))
    again: list[int] | None = [] if refetch else None
    todo = plan(games, await store.final_stored(g.game_pk for g in games), summary, again)
    if on_start:
        on_start(len(todo) + len(again or []))

    async def once_more(game_pk: int) -> None:
        try:
            result = await refetch_final(client, store, game_pk)
            if result.error is not None:
                summary.failed.append((game_pk, result.error))
            else:
                summary.refetched += 1
                summary.corrected += result.stored
        finally:
            if on_done:
                on_done(game_pk)

    async def one(game_pk: int) -> None:
        try:
            response = await client.feed(game_pk)
        except ApiError as error:
            logger.warning("game %s: %s", game_pk, error)
            summary.failed.append((game_pk, error.reason))
            if error.bad_content:
                await store.quarantine(error, game_pk)
        else:
            result: FeedResult = response.value
            summary.fetched += 1
            inserted = await store.capture(result.capture)  # (not `+= await`: a race)
            summary.stored += inserted
            if result.capture.game_state != "Final":
                summary.failed.append(
                    (game_pk, f"schedule says Final, feed says {result.capture.game_state}")
                )
        finally:
            if on_done:
                on_done(game_pk)

    await asyncio.gather(*(one(pk) for pk in todo), *(once_more(pk) for pk in again or []))
    return summary
