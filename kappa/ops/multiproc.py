"""prometheus_client's multiprocess mode for `kappa live` (no prometheus_client import here:
the mode must be chosen before it is imported)."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare(directory: Path) -> None:
    """This process and the children it starts write their metrics to `directory` (emptied)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_VARIABLE] = str(directory)
