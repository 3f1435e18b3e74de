"""What the sync and async REST clients share: httpx settings, auth headers, retry decisions,
``Warning`` header parsing. Nothing here does I/O except reading a token file."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from typing import Any

import httpx

from kubeset.config import Config
from kubeset.ratelimit import TokenBucket

__all__ = [
    "AuthHeaders",
    "RETRY_STATUS",
    "client_options",
    "make_limiter",
    "parse_warnings",
    "retry_delay",
]

#: Status codes worth retrying: throttling and transient server-side failures.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Methods that are safe to repeat whatever the server did with the first attempt.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOKEN_FILE_REFRESH = 60.0
MAX_BACKOFF = 10.0


def client_options(config: Config) -> dict[str, Any]:
    """Keyword arguments for ``httpx.Client`` / ``httpx.AsyncClient`` from a :class:`Config`."""
    headers = {"User-Agent": config.user_agent, "Accept": "application/json"}
    if config.disable_compression:
        headers["Accept-Encoding"] = "identity"
    options: dict[str, Any] = {
        "base_url": config.host,
        "verify": config.ssl_context(),
        "headers": headers,
        "timeout": httpx.Timeout(config.timeout),
        "follow_redirects": False,
    }
    if config.proxy_url:
        options["proxy"] = config.proxy_url
    return options


def make_limiter(config: Config) -> TokenBucket | None:
    """The shared token bucket, or ``None`` when ``qps <= 0`` disables rate limiting."""
    return TokenBucket(config.qps, config.burst) if config.qps > 0 else None


class AuthHeaders:
    """The ``Authorization`` header for a config; a token file is re-read every minute."""

    def __init__(self, config: Config, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._cached: dict[str, str] = {}
        self._expires = 0.0 if config.bearer_token_file else float("inf")
        if not config.bearer_token_file:
            self._cached = config.auth_headers()

    def headers(self) -> dict[str, str]:
        """The headers to send now."""
        if self._clock() >= self._expires:
            self._cached = self._config.auth_headers()
            self._expires = self._clock() + TOKEN_FILE_REFRESH
        return self._cached

    def invalidate(self) -> None:
        """Forget a cached file token (after a 401), so the next request re-reads it."""
        if self._config.bearer_token_file:
            self._expires = 0.0


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, float(parsed.timestamp()) - time.time())


def retry_delay(
    method: str, status_code: int | None, headers: httpx.Headers | None, attempt: int
) -> float | None:
    """Seconds to wait before retrying, or ``None`` not to retry.

    Reads (GET/HEAD) are retried on 429 and 5xx and on connection errors (``status_code=None``);
    writes only on 429, which API priority and fairness sends before doing anything. A
    ``Retry-After`` header sets the delay; otherwise it backs off exponentially from 0.2 s.
    """
    safe = method in SAFE_METHODS
    if status_code is None:
        if not safe:
            return None
    elif status_code not in RETRY_STATUS or (not safe and status_code != 429):
        return None
    hinted = _retry_after(headers) if headers is not None else None
    if hinted is not None:
        return min(hinted, MAX_BACKOFF * 3)
    return min(0.2 * 2.0**attempt, MAX_BACKOFF)


_WARNING = re.compile(r'\s*(\d{3})\s+(\S+)\s+"((?:[^"\\]|\\.)*)"')


def parse_warnings(values: list[str]) -> list[str]:
    """The messages of RFC 7234 ``Warning`` headers (``299 - "message"``)."""
    messages = []
    for value in values:
        pos = 0
        while pos < len(value):
            match = _WARNING.match(value, pos)
            if not match:
                break
            messages.append(re.sub(r"\\(.)", r"\1", match.group(3)))
            pos = match.end()
            rest = value[pos:].lstrip()
            if rest.startswith('"'):  # an optional warn-date
                end = rest.find('"', 1)
                rest = rest[end + 1 :] if end > 0 else ""
            rest = rest.lstrip()
            if not rest.startswith(","):
                break
            pos = len(value) - len(rest) + 1
    return messages
