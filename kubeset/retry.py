"""When the REST clients retry a request, and how long they wait first: throttling (429) and
transient server failures (5xx) of reads, connection errors of reads, 429 of writes; the server's
``Retry-After``, else an exponential backoff."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import httpx

__all__ = ["MAX_BACKOFF", "RETRY_STATUS", "SAFE_METHODS", "retry_delay"]

#: Status codes worth retrying: throttling and transient server-side failures.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Methods that are safe to repeat whatever the server did with the first attempt.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BACKOFF = 10.0


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            import email.utils  # only for the rare HTTP-date form of Retry-After

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
