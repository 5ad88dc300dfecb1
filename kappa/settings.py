"""Settings read from environment variables, resolved once per command."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    home: Path  # KAPPA_HOME: embedded Postgres, checkpoints, caches
    lake: Path  # KAPPA_LAKE: root of the Delta Lake tables
    project_dir: Path  # the dbt project (this repository)

    @property
    def pg_dir(self) -> Path:
        return self.home / "pg"

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get("KAPPA_HOME", PROJECT_DIR / ".kappa")).resolve()
        lake = Path(os.environ.get("KAPPA_LAKE", PROJECT_DIR / "lake")).resolve()
        return cls(home=home, lake=lake, project_dir=PROJECT_DIR)
