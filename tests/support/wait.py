"""Waiting for a condition in tests that run something in the background."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(check: Callable[[], bool], timeout: float = 60.0, every: float = 0.05) -> float:
    """Poll `check()` until it is true; seconds waited (TimeoutError after `timeout`)."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"condition not met within {timeout} s")
        time.sleep(every)
    return time.monotonic() - started
