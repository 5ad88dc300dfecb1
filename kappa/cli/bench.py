"""`kappa bench ...`: the benchmarks of benchmarks/, which live in the source checkout only
(not in the wheel); from an installed wheel `kappa bench` says so."""

from __future__ import annotations

import sys

import typer

from kappa.errors import ConfigError
from kappa.project import PACKAGE_DIR


def _benchmarks_app() -> typer.Typer | None:
    checkout = PACKAGE_DIR.parent
    if not (checkout / "benchmarks" / "cli.py").is_file():
        return None
    if str(checkout) not in sys.path:
        sys.path.append(str(checkout))  # the checkout's benchmarks/, not an installed package
    from benchmarks.cli import bench_app

    return bench_app


def register(app: typer.Typer) -> None:
    bench_app = _benchmarks_app()
    if bench_app is not None:
        app.add_typer(bench_app, name="bench")
        return

    @app.command("bench", context_settings={"allow_extra_args": True})
    def bench_unavailable() -> None:
        """Benchmarks (run them from a source checkout)."""
        raise ConfigError(
            f"kappa bench: the benchmarks are not installed with the package ({PACKAGE_DIR});"
            " run them from a source checkout of the project"
        )
