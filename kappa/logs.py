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
    # libraries that log routine work at INFO: every pg_ctl call (pgserver), every callback
    # connection of each micro-batch's foreachBatch (py4j)
    for name in ("pgserver", "py4j"):
        logging.getLogger(name).setLevel(logging.WARNING)
