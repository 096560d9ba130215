"""One way for a test to wait for something another thread or process does."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for[T](
    probe: Callable[[], T], *, timeout: float = 30.0, every: float = 0.05, what: str = ""
) -> T:
    """Call `probe` until it returns something truthy, and return that.

    The timeout is a safety net for a broken build, never the assertion itself: how
    fast things happen is measured in bench/, not here.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"gave up waiting after {timeout:.0f} s for {what or probe}")
        time.sleep(every)
