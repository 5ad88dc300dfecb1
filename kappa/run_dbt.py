"""The one way this code runs dbt: in-process (dbtRunner, ~0.4 s per reuse instead of ~3 s per
CLI start), on the project of `Settings`, with artifacts and logs under $KAPPA_HOME (or
DBT_TARGET_PATH / DBT_LOG_PATH) and every value passed as an argument or `--vars`, never through
the environment. A failure is a `DbtError` naming the failed nodes.

(Not named `dbt_*`: dbt imports every top-level `dbt_*` module as a plugin.)"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from kappa import postgres
from kappa.errors import DbtError
from kappa.settings import Settings

logger = logging.getLogger(__name__)

TARGETS = ("postgres", "spark")
# What `kappa build` adds unless asked for unit tests (--unit-tests). dbt's guidance: unit tests
# check the SQL on fixed inputs, so they belong to development and CI (which run them), not to
# every build of real data. https://docs.getdbt.com/docs/build/unit-tests
WITHOUT_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def invoke(
    command: str,
    *args: str,
    settings: Settings,
    target: str = "postgres",
    variables: Mapping[str, Any] | None = None,
    database: str | None = None,
    target_path: Path | None = None,
    log_level: str | None = None,
):
    """Run `dbt <command> <args>` and return dbt's result; raise DbtError when it fails.

    `variables` go to `--vars`; `database` (Postgres) names the database instead of PGDATABASE;
    `target_path` defaults to the settings' dbt target directory."""
    from dbt.cli.main import dbtRunner

    if target not in TARGETS:
        raise DbtError(f"dbt target {target!r}: choose from {', '.join(TARGETS)}")
    merged = {"lake": str(settings.lake), **(variables or {})}
    if database is not None:
        merged["pg_database"] = database
    argv = [command, *args, *common_args(settings, target, target_path)]
    argv += ["--vars", json.dumps(merged)]
    if "--threads" not in args:  # both targets: dbt-spark's session runs queries concurrently
        argv += ["--threads", str(settings.dbt_threads)]
    if log_level is not None:
        argv += ["--log-level", log_level]
    if target == "postgres" and command not in ("compile", "parse", "ls", "list", "docs"):
        postgres.check_reachable()
    result = dbtRunner().invoke(argv)
    if not result.success:
        summary = failure_summary(result)
        raise DbtError(f"dbt {command} --target {target} failed: {summary}", result)
    return result


def common_args(settings: Settings, target: str, target_path: Path | None) -> list[str]:
    project = str(settings.project_dir)
    return [
        "--project-dir",
        project,
        "--profiles-dir",
        project,
        "--target",
        target,
        "--target-path",
        str(target_path or settings.dbt_target_dir()),
        "--log-path",
        str(settings.dbt_log_dir),
    ]


def failure_summary(result) -> str:
    """The failed nodes of a dbt result and their first message line, or dbt's exception."""
    if result.exception is not None:
        return _first_lines(str(result.exception))
    failed = [
        f"{node_result.node.name} ({_status(node_result)}: {_first_lines(node_result.message)})"
        for node_result in node_results(result)
        if _status(node_result) in {"error", "fail"}
    ]
    return "; ".join(failed) or "see dbt's log"


def node_results(result) -> Sequence:
    """The per-node results of an invocation (empty for commands without nodes)."""
    return getattr(getattr(result, "result", None), "results", None) or []


def _status(node_result) -> str:
    return str(getattr(node_result.status, "value", node_result.status))


def _first_lines(text: str | None, lines: int = 3) -> str:
    kept = [line.strip() for line in (text or "").strip().splitlines() if line.strip()]
    return " ".join(kept[:lines])
