"""`kappa`: the command line of the platform."""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from kappa import embedded_pg
from kappa.settings import Settings

app = typer.Typer(no_args_is_help=True, add_completion=False, help=__doc__)
db_app = typer.Typer(no_args_is_help=True, help="The Postgres server: embedded or external.")
app.add_typer(db_app, name="db")


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call
    # Without PGHOST, commands use the embedded server if it runs: export its PG* variables
    # so that everything below (psycopg, dbt, Spark workers) reads only the standard ones.
    if ctx.invoked_subcommand != "db" and not embedded_pg.external_server_configured():
        running = embedded_pg.running_connection(Settings.from_env().pg_dir)
        if running is not None:
            os.environ.update(running.as_env())


@db_app.command("up")
def db_up() -> None:
    """Start the embedded Postgres under $KAPPA_HOME/pg (nothing to do when PGHOST is set)."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured():
        typer.echo(f"PGHOST={os.environ['PGHOST']} is set: using that server, starting nothing")
        return
    connection = embedded_pg.start(settings.pg_dir)
    typer.echo(f"embedded Postgres running in {settings.pg_dir} (socket {connection.host})")


@db_app.command("env")
def db_env() -> None:
    """Print `export PG...=` lines for the server in use: eval "$(kappa db env)"."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured():
        typer.echo(embedded_pg.export_lines(embedded_pg.from_env()))
        return
    running = embedded_pg.running_connection(settings.pg_dir)
    if running is None:
        raise typer.BadParameter("the embedded Postgres is not running: run `kappa db up` first")
    typer.echo(embedded_pg.export_lines(running))


@db_app.command("status")
def db_status() -> None:
    """Say which server is in use and whether it answers."""
    from kappa import raw_log

    settings = Settings.from_env()
    if embedded_pg.external_server_configured():
        where, connection = f"external server PGHOST={os.environ['PGHOST']}", embedded_pg.from_env()
    else:
        where = f"embedded server in {settings.pg_dir}"
        connection = embedded_pg.running_connection(settings.pg_dir)
        if connection is None:
            typer.echo(f"{where}: not running")
            raise typer.Exit(1)
    try:
        with raw_log.connect(**connection.as_libpq()) as conn:
            version = conn.execute("show server_version").fetchone()[0]
    except Exception as error:  # noqa: BLE001 - report any connection failure as status
        typer.echo(f"{where}: not reachable ({error})")
        raise typer.Exit(1) from error
    typer.echo(f"{where}: running, PostgreSQL {version}")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded Postgres (never an external server)."""
    settings = Settings.from_env()
    if embedded_pg.external_server_configured():
        typer.echo("PGHOST is set: an external server is not ours to stop")
        return
    stopped = embedded_pg.stop(settings.pg_dir)
    typer.echo("stopped" if stopped else "embedded Postgres was not running")


def _parse_captured_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as error:
        raise typer.BadParameter(
            f"{value!r} is not an ISO 8601 timestamp (e.g. 2024-07-01T21:44:04+00:00)"
        ) from error
    if parsed.tzinfo is None:
        raise typer.BadParameter(f"{value!r} has no time zone (add +00:00 or Z)")
    return parsed


@app.command("load")
def load(
    paths: Annotated[list[Path], typer.Argument(help="feed/live files (.json, .json.gz) or dirs")],
    captured_at: Annotated[
        str | None,
        typer.Option(help="Capture time (ISO 8601 with zone); default: metaData.timeStamp"),
    ] = None,
) -> None:
    """Append feed/live captures to the raw log game.live_game_v1 (COPY, duplicates skipped)."""
    from kappa import loader, raw_log

    missing = [str(path) for path in paths if not path.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(missing)}")
    when = _parse_captured_at(captured_at)
    with raw_log.connect() as conn:
        summary = loader.load_paths(conn, paths, when)
    for file, reason in summary.rejected:
        typer.echo(f"rejected {file}: {reason}", err=True)
    typer.echo(summary.line())
    if summary.rejected:
        raise typer.Exit(1)


TARGETS = ("postgres", "spark")


@app.command("build", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def build(
    ctx: typer.Context,
    target: Annotated[str, typer.Option(help="dbt target: postgres or spark")] = "postgres",
) -> None:
    """`dbt build` of the serving tables; extra arguments go to dbt. On Spark it builds the
    Delta lake ($KAPPA_LAKE) from the Postgres raw log (same as `kappa spark-build`)."""
    if target not in TARGETS:
        raise typer.BadParameter(f"target {target!r}: choose from {', '.join(TARGETS)}")
    if target == "spark":
        from spark_streaming import spark_build
        from spark_streaming.session import SparkSettings, build_session

        spark = build_session(SparkSettings.from_env())
        settings = Settings.from_env()
        ok = spark_build.build(spark, settings.lake, ["build", *ctx.args], settings.project_dir)
    else:
        from kappa import dbt_invoke

        ok = dbt_invoke.run(["build", "--target", target, *ctx.args])
    if not ok:
        raise typer.Exit(1)


@app.command("demo")
def demo(
    data: Annotated[Path, typer.Option(help="Feed files to load")] = Path("sample_data/feed_live"),
) -> None:
    """The main job on the bundled real games: raw log, stream into Postgres and Delta, parity
    with dbt build, a per-game summary."""
    from kappa import demo as demo_module

    raise typer.Exit(demo_module.run(data))


def _register_package_commands() -> None:
    from ingest.cli import register as register_ingest
    from kappa.bench_cli import register as register_bench
    from spark_streaming.cli import register as register_streaming

    for register in (register_ingest, register_streaming, register_bench):
        register(app)


_register_package_commands()

if __name__ == "__main__":
    app()
