"""Embedded Postgres (pgserver wheel) for laptops; an external server when PGHOST is set.

Every other part of the product reads only the standard libpq variables (PGHOST, PGPORT,
PGUSER, PGPASSWORD, PGDATABASE). This module is the one place that may start a server.
"""

from __future__ import annotations

import logging
import os
import shlex
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from kappa.errors import DatabaseUnavailable

logger = logging.getLogger(__name__)
# pgserver's platformdirs warns on every start when XDG_RUNTIME_DIR is unset (containers, CI)
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", module="platformdirs")

# libpq keyword -> environment variable
LIBPQ_VARIABLES = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "dbname": "PGDATABASE",
}
PG_VARIABLES = tuple(LIBPQ_VARIABLES.values())


@dataclass(frozen=True)
class Connection:
    """libpq settings of the server in use."""

    host: str
    port: str
    user: str
    database: str
    password: str | None = None

    def as_libpq(self) -> dict[str, str]:
        """Keyword arguments for psycopg.connect (no password key when there is none)."""
        settings = {"host": self.host, "port": self.port, "user": self.user}
        settings["dbname"] = self.database
        if self.password:
            settings["password"] = self.password
        return settings

    def as_env(self) -> dict[str, str]:
        """The same as PG* environment variables."""
        return {LIBPQ_VARIABLES[key]: value for key, value in self.as_libpq().items()}


def external_server_configured(pg_dir: Path | None = None) -> bool:
    """PGHOST names a server other than the embedded one in `pg_dir`. The embedded server's
    socket directory is its data directory, which `eval "$(kappa db env)"` puts in PGHOST:
    that server stays ours to start and stop. Without `pg_dir`, any PGHOST is external."""
    host = os.environ.get("PGHOST")
    if not host:
        return False
    return pg_dir is None or Path(host).resolve() != pg_dir.resolve()


def from_env() -> Connection:
    return Connection(
        host=os.environ.get("PGHOST", ""),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        database=os.environ.get("PGDATABASE", "postgres"),
        password=os.environ.get("PGPASSWORD"),
    )


def start(pg_dir: Path) -> Connection:
    """Start (or reuse) the embedded server in pg_dir; it keeps running after we exit."""
    import pgserver  # imported lazily: only laptops without PGHOST need it

    pg_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pg_dir, cleanup_mode=None)
    if running_connection(pg_dir) is None:
        # pgserver caches one handle per data directory and process: a server stopped since
        # (kappa db down, an outage test) is started again through that handle
        server.ensure_postgres_running()
    connection = _connection_of(server.get_postmaster_info())
    logger.info("embedded Postgres running in %s (socket %s)", pg_dir, connection.host)
    return connection


def _connection_of(info) -> Connection:
    port = str(info.port or 5432)
    return Connection(host=str(info.socket_dir), port=port, user="postgres", database="postgres")


def running_connection(pg_dir: Path) -> Connection | None:
    """The embedded server's settings if it is running, without starting it."""
    from pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pg_dir) if (pg_dir / "postmaster.pid").exists() else None
    if info is None or not info.is_running():
        return None
    return _connection_of(info)


def stop(pg_dir: Path) -> bool:
    """Stop the embedded server; False if none was running."""
    from pgserver._commands import pg_ctl

    if running_connection(pg_dir) is None:
        return False
    user = "pgserver" if os.geteuid() == 0 else None  # pgserver runs the server as this user
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pg_dir, user=user)
    except subprocess.CalledProcessError as error:
        raise DatabaseUnavailable(
            f"could not stop the embedded Postgres in {pg_dir}: {error}"
        ) from error
    return True


def export_lines(connection: Connection) -> str:
    """`export NAME=value` lines for `eval`, every value shell-quoted."""
    return "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in connection.as_env().items()
    )
