"""One async HTTP client for the MLB Stats API: timeouts, bounded concurrency, a request rate
limit, retries with exponential backoff and jitter (honouring Retry-After), a User-Agent.

A response is only returned once it passed its validator: an HTML error page, truncated JSON
or a feed of the wrong game is retried like a 5xx, and reported (`ApiError.bad_content`) when
it stays bad."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from kappa.errors import ConfigError, KappaError, NotAFeedError
from kappa.feed import Capture, capture_from_document, parse_bytes
from kappa.game_state import stop_reason
from kappa.ops import metrics
from kappa.settings import Settings

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://statsapi.mlb.com"
USER_AGENT = "kappa-mlb/0.1 (+https://github.com/; MLB Stats API ingestion)"
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})

T = TypeVar("T")


@dataclass(frozen=True)
class ClientSettings:
    """How the client talks to the API; `from_settings` takes the KAPPA_API_* variables."""

    base_url: str = DEFAULT_API_URL
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    max_concurrency: int = 8
    rate_per_second: float = 10.0
    max_attempts: int = 5
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    retry_after_max: float = 120.0
    user_agent: str = USER_AGENT

    def __post_init__(self) -> None:
        scheme = urlsplit(self.base_url).scheme
        if scheme not in ("http", "https"):
            raise ConfigError(f"API base URL {self.base_url!r}: scheme must be http or https")
        if self.max_attempts < 1 or self.max_concurrency < 1 or self.rate_per_second <= 0:
            raise ConfigError(
                f"max_attempts ({self.max_attempts}) and max_concurrency "
                f"({self.max_concurrency}) must be >= 1, rate_per_second "
                f"({self.rate_per_second}) > 0"
            )

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> ClientSettings:
        """The KAPPA_API_* settings; overrides that are not None win (command-line options)."""
        values: dict[str, Any] = {
            "base_url": settings.api_url,
            "read_timeout": settings.api_timeout,
            "rate_per_second": settings.api_rate,
            "max_attempts": settings.api_attempts,
            "backoff_base": settings.api_backoff,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)


class ApiError(KappaError):
    """A request that failed for good: after the last attempt, or at once for a 4xx."""

    def __init__(
        self, url: str, reason: str, *, attempts: int, status: int | None = None, bad_content=False
    ):
        super().__init__(f"GET {url} failed after {attempts} attempt(s): {reason}")
        self.url = url
        self.reason = reason
        self.attempts = attempts
        self.status = status
        self.bad_content = bad_content  # the server answered, but not with what was asked

    @property
    def permanent(self) -> bool:
        """A 4xx other than 429: asking again will not help (e.g. 404 unknown game)."""
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None, bad_content=False):
        super().__init__(reason)
        self.retry_after = retry_after
        self.bad_content = bad_content


@dataclass(frozen=True)
class Response:
    url: str
    received_at: datetime  # when the body was complete (UTC)
    value: Any  # what the validator returned


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


@dataclass
class _RateLimiter:
    """At most `rate` request starts per second, spaced evenly."""

    rate: float
    _next: float = 0.0
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + 1.0 / self.rate
        if start > now:
            await asyncio.sleep(start - now)


class MlbClient:
    """`async with MlbClient(settings) as client: await client.feed(745218)`."""

    def __init__(self, settings: ClientSettings, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(settings.max_concurrency)
        self._limiter = _RateLimiter(settings.rate_per_second)
        self._http = httpx.AsyncClient(
            base_url=settings.base_url,
            timeout=httpx.Timeout(
                settings.read_timeout, connect=settings.connect_timeout, pool=None
            ),
            limits=httpx.Limits(max_connections=settings.max_concurrency),
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )
        self.requests = 0  # HTTP requests sent, retries included
        self.retries = 0

    async def __aenter__(self) -> MlbClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    def url(self, path: str, params: Mapping[str, Any] | None = None) -> str:
        return str(self._http.build_request("GET", path, params=params).url)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        cap = min(self.settings.backoff_max, self.settings.backoff_base * 2 ** (attempt - 1))
        delay = cap / 2 + self._rng.uniform(0, cap / 2)  # "equal jitter"
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.settings.retry_after_max))
        return delay

    async def _attempt(self, path: str, params: Mapping[str, Any] | None) -> httpx.Response:
        await self._limiter.wait()
        async with self._semaphore:
            self.requests += 1
            try:
                response = await self._http.get(path, params=params)
            except httpx.TimeoutException as error:
                raise _Retryable(f"timeout ({type(error).__name__})") from error
            except httpx.TransportError as error:
                raise _Retryable(f"connection error ({type(error).__name__}: {error})") from error
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(
                f"HTTP {response.status_code}",
                parse_retry_after(response.headers.get("Retry-After")),
            )
        return response

    async def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        validate: Callable[[bytes, datetime], T] | None = None,
    ) -> Response:
        """GET with retries; `validate(body, received_at)` raises ValueError (NotAFeedError)
        for a body that is not what was asked, which is retried too."""
        url = self.url(path, params)
        reason = "no attempt"
        bad_content = False
        for attempt in range(1, self.settings.max_attempts + 1):
            try:
                response = await self._attempt(path, params)
                received_at = datetime.now(UTC)
                if response.status_code >= 400:
                    raise ApiError(
                        url,
                        f"HTTP {response.status_code}",
                        attempts=attempt,
                        status=response.status_code,
                    )
                try:
                    value = validate(response.content, received_at) if validate else None
                except ValueError as error:
                    raise _Retryable(str(error), bad_content=True) from error
                return Response(url=url, received_at=received_at, value=value)
            except _Retryable as error:
                reason, bad_content = str(error), error.bad_content
                if attempt == self.settings.max_attempts:
                    break
                delay = self._backoff(attempt, error.retry_after)
                self.retries += 1
                metrics.API_RETRIES.labels(metrics.game_of(path)).inc()
                logger.info(
                    "GET %s: %s; retry %d/%d in %.2fs",
                    url,
                    reason,
                    attempt,
                    self.settings.max_attempts - 1,
                    delay,
                )
                await asyncio.sleep(delay)
        metrics.API_ERRORS.labels(metrics.game_of(path)).inc()
        raise ApiError(url, reason, attempts=self.settings.max_attempts, bad_content=bad_content)

    async def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Response:
        """A JSON object or array (anything else is bad content, retried)."""
        return await self.get(path, params, lambda body, _: parse_bytes(body, self.url(path)))

    async def feed(self, game_pk: int) -> Response:
        """GET /api/v1.1/game/{pk}/feed/live: `value` is a `FeedResult` whose capture is of
        that game, with `captured_at` = the time the response was received."""
        path = f"/api/v1.1/game/{game_pk}/feed/live"
        return await self.get(path, None, lambda body, at: feed_result(body, at, game_pk))


@dataclass(frozen=True)
class FeedResult:
    capture: Capture
    wait: float | None  # metaData.wait: seconds the API asks clients to wait between polls
    detailed_state: str
    coded_state: str

    @property
    def stop_reason(self) -> str | None:
        """Why polling this game can stop (final, postponed, ...), or None."""
        return stop_reason(self.capture.game_state, self.coded_state, self.detailed_state)


def feed_result(body: bytes, received_at: datetime, game_pk: int) -> FeedResult:
    """The capture in a feed/live response body, or NotAFeedError (never a partial one)."""
    document = parse_bytes(body, f"feed/live of {game_pk}")
    capture = capture_from_document(document, received_at)
    if capture.game_pk != game_pk:
        raise NotAFeedError(f"asked for gamePk {game_pk}, the response is gamePk {capture.game_pk}")
    meta = document.get("metaData") or {}
    status = document["gameData"].get("status") or {}
    wait = meta.get("wait") if isinstance(meta, dict) else None
    return FeedResult(
        capture=capture,
        wait=float(wait) if isinstance(wait, int | float) and not isinstance(wait, bool) else None,
        detailed_state=str(status.get("detailedState") or ""),
        coded_state=str(status.get("codedGameState") or ""),
    )
