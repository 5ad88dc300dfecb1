"""`kappa db up | env | status | down`: the embedded server, or the one PGHOST names."""

from __future__ import annotations

import os
import shlex
import subprocess

from kappa.embedded_pg import PG_VARIABLES

from support.data import KAPPA_CLI, SAMPLE_FEEDS

KAPPA = KAPPA_CLI


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
        assert f"export PGHOST={shlex.quote(str(tmp_path / 'home' / 'pg'))}" in exports
        status = kappa("db", "status", env=env)
        assert status.returncode == 0 and "running, PostgreSQL 16" in status.stdout
        # other commands find the running embedded server without any PG* variable
        load = kappa("load", str(SAMPLE_FEEDS), env=env)
        assert load.returncode == 0 and "loaded 8" in load.stdout
        assert kappa("db", "up", env=env).returncode == 0  # idempotent
        # after `eval "$(kappa db env)"` PGHOST names the embedded server: still ours to stop
        # and to start again
        evaluated = dict(
            env, **dict(shlex.split(line)[1].split("=", 1) for line in exports.splitlines())
        )
        assert evaluated["PGHOST"] == str(tmp_path / "home" / "pg")
        down = kappa("db", "down", env=evaluated)
        assert down.returncode == 0 and "stopped" in down.stdout, down.stdout + down.stderr
        again = kappa("db", "up", env=evaluated)
        assert again.returncode == 0 and "embedded Postgres running" in again.stdout
        assert "running, PostgreSQL 16" in kappa("db", "status", env=evaluated).stdout
    finally:
        down = kappa("db", "down", env=env)
    assert down.returncode == 0 and "stopped" in down.stdout
    assert "not running" in kappa("db", "status", env=env).stdout


def test_external_server_is_used_and_never_started_or_stopped(pg_server, tmp_path):
    env = dict(os.environ, KAPPA_HOME=str(tmp_path / "home"), **pg_server)
    assert "starting nothing" in kappa("db", "up", env=env).stdout
    exports = kappa("db", "env", env=env).stdout
    assert f"export PGHOST={shlex.quote(pg_server['PGHOST'])}" in exports
    assert "running" in kappa("db", "status", env=env).stdout
    assert "not ours to stop" in kappa("db", "down", env=env).stdout
    assert not (tmp_path / "home" / "pg").exists()


def test_db_env_output_is_safe_to_eval(tmp_path):
    """Values with a space, `$`, quotes and a newline survive `eval` unchanged and run nothing."""
    tricky = "pa ss$HOME'\"`touch " + str(tmp_path / "pwned") + "`\n;x"
    env = dict(
        os.environ,
        KAPPA_HOME=str(tmp_path / "home"),
        PGHOST="db.example",
        PGPORT="5432",
        PGUSER="kappa user",
        PGDATABASE="mlb",
        PGPASSWORD=tricky,
    )
    exports = kappa("db", "env", env=env)
    assert exports.returncode == 0, exports.stderr
    script = exports.stdout + '\nprintf "%s\\0" "$PGPASSWORD" "$PGUSER" "$PGHOST"'
    shell = subprocess.run(
        ["bash", "-c", script], capture_output=True, env={"PATH": os.environ["PATH"]}
    )
    assert shell.returncode == 0, shell.stderr
    assert shell.stdout.decode().split("\0")[:3] == [tricky, "kappa user", "db.example"]
    assert not (tmp_path / "pwned").exists()
