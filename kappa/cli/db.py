"""`kappa db up | env | status | down`: the embedded Postgres, or the server PGHOST names."""

from __future__ import annotations

import os

import typer

from kappa import embedded_pg, postgres
from kappa.errors import DatabaseUnavailable
from kappa.settings import Settings

db_app = typer.Typer(no_args_is_help=True, help="The Postgres server: embedded or external.")


@db_app.command("up")
def db_up() -> None:
    """Start the embedded Postgres under $KAPPA_HOME/pg (nothing to do when PGHOST names another
    server)."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured(settings.pg_dir):
        typer.echo(f"PGHOST={os.environ['PGHOST']} is set: using that server, starting nothing")
        return
    connection = embedded_pg.start(settings.pg_dir)
    typer.echo(f"embedded Postgres running in {settings.pg_dir} (socket {connection.host})")


@db_app.command("env")
def db_env() -> None:
    """Print shell-quoted `export PG...=` lines for the server in use: eval "$(kappa db env)"."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured(settings.pg_dir):
        typer.echo(embedded_pg.export_lines(embedded_pg.from_env()))
        return
    running = embedded_pg.running_connection(settings.pg_dir)
    if running is None:
        raise DatabaseUnavailable(
            f"the embedded Postgres in {settings.pg_dir} is not running: run `kappa db up` first"
        )
    typer.echo(embedded_pg.export_lines(running))


@db_app.command("status")
def db_status() -> None:
    """Say which server is in use and whether it answers (exit 1 when it does not)."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured(settings.pg_dir):
        where, connection = f"external server PGHOST={os.environ['PGHOST']}", embedded_pg.from_env()
    else:
        where = f"embedded server in {settings.pg_dir}"
        connection = embedded_pg.running_connection(settings.pg_dir)
        if connection is None:
            typer.echo(f"{where}: not running")
            raise typer.Exit(1)
    try:
        with postgres.connect(**connection.as_libpq()) as conn:
            version = conn.execute("show server_version").fetchone()[0]
    except DatabaseUnavailable as error:
        typer.echo(f"{where}: not reachable ({error})")
        raise typer.Exit(1) from error
    typer.echo(f"{where}: running, PostgreSQL {version}")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded Postgres (never an external server)."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured(settings.pg_dir):
        typer.echo("PGHOST is set: an external server is not ours to stop")
        return
    stopped = embedded_pg.stop(settings.pg_dir)
    typer.echo("stopped" if stopped else "embedded Postgres was not running")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
