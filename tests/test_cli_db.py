"""`kappa db up | env | status | down`: the embedded server, or the one PGHOST names."""

from __future__ import annotations

import os
import subprocess

from kappa.embedded_pg import PG_VARIABLES
from kappa.settings import PROJECT_DIR

KAPPA = str(PROJECT_DIR / ".venv" / "bin" / "kappa")


def kappa(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([KAPPA, *args], capture_output=True, text=True, env=env, timeout=120)


def test_embedded_lifecycle(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in PG_VARIABLES}
    env["KAPPA_HOME"] = str(tmp_path / "home")

    assert kappa("db", "status", env=env).returncode == 1
    assert "run `kappa db up` first" in kappa("db", "env", env=env).stderr

    up = kappa("db", "up", env=env)
    assert up.returncode == 0, up.stderr
    try:
        exports = kappa("db", "env", env=env).stdout
        assert f"export PGHOST={tmp_path / 'home' / 'pg'}" in exports
        status = kappa("db", "status", env=env)
        assert status.returncode == 0 and "running, PostgreSQL 16" in status.stdout
        # other commands find the running embedded server without any PG* variable
        load = kappa("load", str(PROJECT_DIR / "sample_data" / "feed_live"), env=env)
        assert load.returncode == 0 and "loaded 8" in load.stdout
        assert kappa("db", "up", env=env).returncode == 0  # idempotent
    finally:
        down = kappa("db", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert "not running" in kappa("db", "status", env=env).stdout


def test_external_server_is_used_and_never_started_or_stopped(pg_server, tmp_path):
    env = dict(os.environ, KAPPA_HOME=str(tmp_path / "home"), **pg_server)
    assert "starting nothing" in kappa("db", "up", env=env).stdout
    assert f"export PGHOST={pg_server['PGHOST']}" in kappa("db", "env", env=env).stdout
    assert "running" in kappa("db", "status", env=env).stdout
    assert "not ours to stop" in kappa("db", "down", env=env).stdout
    assert not (tmp_path / "home" / "pg").exists()
