"""A throw-away copy of the dbt project, for tests that break it on purpose."""

from __future__ import annotations

import shutil
from pathlib import Path

from kappa.project import bundled_project_dir

PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "data_tests")


def copy_dbt_project(destination: Path) -> Path:
    source = bundled_project_dir()
    destination.mkdir(parents=True)
    for name in PROJECT_FILES:
        if (source / name).is_dir():
            shutil.copytree(source / name, destination / name)
        else:
            shutil.copy2(source / name, destination / name)
    return destination
