"""`kappa bench ...`: benchmarks that print figures and ratios."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the benchmark commands to the kappa CLI."""
