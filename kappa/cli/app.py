"""`kappa`: the command line of the platform. Every expected failure (a `KappaError`) ends in
one line `error: ...` and exit code 1; anything else keeps its traceback."""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from kappa import embedded_pg, logs
from kappa.errors import KappaError
from kappa.settings import Settings, variables_help

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Kappa-architecture MLB data platform: raw log, dbt, Spark stream.",
    epilog="Environment variables (default in parentheses):\n\n"
    + variables_help().replace("\n", "\n\n"),
    pretty_exceptions_show_locals=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logs.configure(verbose)
    # Without PGHOST, commands use the embedded server if it runs: export its PG* variables
    # here, at the entry point, so that everything below (psycopg, dbt, Spark workers) reads
    # only the standard ones.
    if ctx.invoked_subcommand != "db" and not embedded_pg.external_server_configured():
        running = embedded_pg.running_connection(Settings.from_env().pg_dir)
        if running is not None:
            os.environ.update(running.as_env())


def main() -> None:
    """Console entry point: `kappa ...`."""
    try:
        app()
    except KappaError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(1)


def _register() -> None:
    from kappa.cli import bench, core, db, ingest, live, ops, stream

    for module in (db, core, ingest, stream, live, ops, bench):
        module.register(app)


_register()
