"""One rule for what a game's status means to ingestion: no game (postponed, cancelled),
suspended (resumes on another date), final. Codes are `codedGameState`; the detailed state is
checked too because some listings carry only it."""

from __future__ import annotations

NO_GAME_CODES = frozenset({"D", "C"})  # postponed, cancelled: no game (and no feed) that day
SUSPENDED_CODES = frozenset({"T", "U"})


def is_no_game(coded: str | None, detailed: str | None) -> bool:
    return (coded or "") in NO_GAME_CODES or (detailed or "").startswith(("Postponed", "Cancelled"))


def is_suspended(coded: str | None, detailed: str | None) -> bool:
    return (coded or "") in SUSPENDED_CODES or (detailed or "").startswith("Suspended")


def stop_reason(abstract: str | None, coded: str | None, detailed: str | None) -> str | None:
    """Why polling a game can stop, or None while it goes on."""
    if is_no_game(coded, detailed):
        return detailed or "postponed/cancelled"
    if is_suspended(coded, detailed):
        return f"{detailed or 'suspended'} (resumes on another date)"
    if abstract == "Final":
        return "final"
    return None
