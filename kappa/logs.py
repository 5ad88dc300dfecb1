"""The one logging set-up of this project's processes: the CLI and the processes it starts
(the stream's Delta writer), so that their lines look the same in one log."""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(verbose: bool = False) -> None:
    """Log to stderr, INFO (DEBUG when `verbose`)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format=FORMAT, stream=sys.stderr
    )
    logging.getLogger("pgserver").setLevel(logging.WARNING)  # it logs every pg_ctl call
