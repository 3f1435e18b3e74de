"""Bounded waiting for tests: poll a condition until it holds or a deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable


def until(condition: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Whether ``condition()`` became true within ``timeout`` seconds (checked every
    ``interval``, and once more at the end)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()
