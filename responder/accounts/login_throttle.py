"""Too many wrong passwords: a pause before the next try.

Password guessing is slowed per username, on every door that takes a password (the
sign-in page and the API's auth/token/): after LOGIN_FAILURE_LIMIT wrong passwords
within LOGIN_FAILURE_WINDOW_SECONDS, that username cannot sign in until the oldest of
those failures leaves the window, even with the right password, and the person is told
how long to wait. A success clears the count. Counting is per username, not per
address: behind a proxy every officer shares one address, and one person's typos must
not lock out a whole team.

The failures are kept in the cache (Redis in a deployment, shared by every web
process), keyed by a hash of the normalised username, so no username is stored in the
clear there.
"""

from __future__ import annotations

import hashlib
import math
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.dispatch import receiver
from django.utils.translation import ngettext


def _now() -> float:
    return time.time()


def _limit() -> int:
    return int(settings.LOGIN_FAILURE_LIMIT)


def _window() -> int:
    return int(settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return f"login-failures:v1:{digest}"


def _recent(username: str) -> list[float]:
    stamps = cache.get(_key(username))
    if not isinstance(stamps, list):
        return []
    since = _now() - _window()
    return [t for t in stamps if isinstance(t, int | float) and t > since]


def login_wait_seconds(*, username: str) -> int:
    """Seconds before `username` may try a password again; 0 when it may now."""
    if not username:
        return 0
    recent = _recent(username)
    if len(recent) < _limit():
        return 0
    # Allowed again once enough failures have left the window.
    unlock_at = sorted(recent)[len(recent) - _limit()] + _window()
    return max(1, math.ceil(unlock_at - _now()))


def login_wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many wrong passwords for this username. Try again in %(minutes)d minute.",
        "Too many wrong passwords for this username. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def login_failure_record(*, username: str) -> None:
    if not username:
        return
    recent = _recent(username)
    recent.append(_now())
    # Keep no more than the limit needs, for the window.
    cache.set(_key(username), recent[-_limit() :], _window())


def login_failures_clear(*, username: str) -> None:
    if username:
        cache.delete(_key(username))


@receiver(user_login_failed, dispatch_uid="login_throttle_failed")
def _on_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    login_failure_record(username=str(credentials.get("username") or ""))


@receiver(user_logged_in, dispatch_uid="login_throttle_succeeded")
def _on_success(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    login_failures_clear(username=user.get_username())


__all__ = [
    "login_failure_record",
    "login_failures_clear",
    "login_wait_message",
    "login_wait_seconds",
]
