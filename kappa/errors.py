"""The errors a user can cause or meet. Every expected failure is a `KappaError`: the CLI turns
it into one line (`error: ...`) and exit code 1; anything else is a bug and keeps its traceback.

Messages name the value, the place and the valid choices (docs/operations.md)."""

from __future__ import annotations


class KappaError(Exception):
    """An expected failure, reported to the user in one line."""


class ConfigError(KappaError, ValueError):
    """A setting or argument has a value we cannot use."""


class DatabaseUnavailable(KappaError):
    """No Postgres to talk to: the embedded one is not running, or the server is unreachable."""


class NotAFeedError(KappaError, ValueError):
    """The input is not a feed/live document; the message says why."""


class DbtError(KappaError):
    """A dbt invocation failed; the message names the failed nodes. `result` is dbt's own
    result (None when dbt did not run)."""

    def __init__(self, message: str, result=None) -> None:
        super().__init__(message)
        self.result = result


class SinkError(KappaError):
    """A stream sink cannot be written (missing tables, bad settings)."""


class StreamError(KappaError):
    """The streaming query failed; the failed batch's error is the cause."""
