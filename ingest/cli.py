"""Commands of the `ingest` package, added to the `kappa` CLI by kappa/cli.py."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the kappa CLI."""
