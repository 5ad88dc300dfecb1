"""`kappa bench-stream ...`: streaming benchmarks (latency, replay)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the streaming benchmarks to the kappa CLI."""
