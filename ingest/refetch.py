"""Fetching a finished game again and storing it only when its content changed: MLB corrects
scoring after the Final (an error becomes a hit, an earned run unearned). The raw log's content
hash decides: the same document is not stored twice, a changed one becomes a newer capture,
which the merge guard and the retraction then apply. Shared by the correction window of the
live poller and `kappa ingest backfill --refetch`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.client import ApiError, FeedResult, MlbClient
from ingest.store import Store
from kappa.ops import metrics

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refetched:
    game_pk: int
    stored: bool  # a changed document became a new capture
    state: str | None  # the feed's abstractGameState
    error: str | None = None  # the API failed for good (nothing stored)


async def refetch_final(client: MlbClient, store: Store, game_pk: int) -> Refetched:
    """Fetch the game's feed once more; store it only if its content changed."""
    try:
        response = await client.feed(game_pk)
    except ApiError as error:
        logger.warning("game %s: refetch failed: %s", game_pk, error)
        if error.bad_content:
            await store.quarantine(error, game_pk)
        return Refetched(game_pk, False, None, error.reason)
    result: FeedResult = response.value
    stored = await store.capture(result.capture)
    if stored:
        metrics.record_capture(result.capture)
        logger.info(
            "game %s: the finished game changed: stored a new capture %s",
            game_pk,
            result.capture.source_timecode,
        )
    return Refetched(game_pk, stored, result.capture.game_state)
