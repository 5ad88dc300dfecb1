"""Running dbt in-process (dbtRunner): ~0.4 s per reuse instead of ~3 s per CLI start."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kappa.settings import PROJECT_DIR

logger = logging.getLogger(__name__)


def project_args(project_dir: Path = PROJECT_DIR) -> list[str]:
    return ["--project-dir", str(project_dir), "--profiles-dir", str(project_dir)]


def target_dir(project_dir: Path = PROJECT_DIR) -> Path:
    """dbt's target directory: $DBT_TARGET_PATH (dbt's own variable; relative to the project)
    else `<project>/target`. Our other dbt outputs (the stream's compile, the lake build) live
    under it, so separate runs (parallel test workers) can each have their own."""
    return project_dir / os.environ.get("DBT_TARGET_PATH", "target")


def run(args: list[str], project_dir: Path = PROJECT_DIR):
    """Invoke dbt with `args`; returns dbt's result (truthy `.success`)."""
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke([*args, *project_args(project_dir)])
    if result.exception is not None:
        logger.error("dbt %s failed: %s", " ".join(args), result.exception)
    return result.success
