"""Client-side token-bucket rate limiting (client-go's ``flowcontrol.NewTokenBucketRateLimiter``).

The bucket holds up to ``burst`` tokens and refills at ``qps`` tokens per second; each request takes
one. :meth:`TokenBucket.reserve` only does arithmetic under a lock and returns how long the caller
must wait, so the sync client sleeps with ``time.sleep`` and the async one with ``asyncio.sleep``
from the same bucket. A caller that gives up waiting (a cancelled task, a call out of time) hands
its token back with :meth:`TokenBucket.refund`, so that requests that never went out do not delay
the ones that follow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["TokenBucket"]


class TokenBucket:
    """A thread-safe token bucket: ``qps`` tokens per second, at most ``burst`` at once."""

    def __init__(
        self, qps: float, burst: int, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if qps <= 0:
            raise ValueError("qps must be positive (use no limiter to disable rate limiting)")
        self.qps = float(qps)
        self.burst = max(1, int(burst))
        self._clock = clock
        self._tokens = float(self.burst)
        self._last = clock()
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take one token; return the seconds to wait before using it (0 when one is ready)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
            self._last = now
            self._tokens -= 1.0
            if self._tokens >= 0:
                return 0.0
            return -self._tokens / self.qps

    def refund(self) -> None:
        """Give back a token :meth:`reserve` took for a request that was not sent after all
        (its wait was cancelled): the waits of later reservations shrink accordingly."""
        with self._lock:
            self._tokens = min(float(self.burst), self._tokens + 1.0)
