"""Too many wrong passwords: a pause before the next try, for that address only.

Password guessing is slowed on every door that takes a password (the sign-in page,
the admin's and the API's auth/token/), with two counts kept together:

- per (username, client address): after LOGIN_FAILURE_LIMIT wrong passwords within
  LOGIN_FAILURE_WINDOW_SECONDS, that username cannot sign in *from that address*
  until the oldest of those failures leaves the window, even with the right password;
- per client address: after LOGIN_FAILURE_LIMIT_PER_ADDRESS wrong passwords for any
  usernames, that address waits the same way (password spraying).

So a stranger's wrong passwords never lock the person out: from any other address
the right password works. A success clears only its own (username, address) count,
so an attacker cannot reset the address count by signing in to their own account.

The failures are kept in the cache, which must be shared by every web process (Redis
in a deployment; production refuses a per-process cache: responder/accounts/checks.py),
keyed by hashes, so no username nor address is stored in the clear there.
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

from responder.client_address import client_address


def _now() -> float:
    return time.time()


def _window() -> int:
    return int(settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:32]


def _pair_key(username: str, address: str) -> str:
    return f"login-failures:v2:pair:{_digest(username.strip().casefold(), address)}"


def _address_key(address: str) -> str:
    return f"login-failures:v2:addr:{_digest(address)}"


def _counts(username: str, address: str) -> list[tuple[str, int]]:
    """(cache key, limit) of each count a sign-in attempt belongs to."""
    counts = [(_address_key(address), int(settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))]
    if username:
        counts.append((_pair_key(username, address), int(settings.LOGIN_FAILURE_LIMIT)))
    return counts


def _recent(key: str) -> list[float]:
    stamps = cache.get(key)
    if not isinstance(stamps, list):
        return []
    since = _now() - _window()
    return [t for t in stamps if isinstance(t, int | float) and t > since]


def _wait(key: str, limit: int) -> int:
    recent = _recent(key)
    if len(recent) < limit:
        return 0
    # Allowed again once enough failures have left the window.
    unlock_at = sorted(recent)[len(recent) - limit] + _window()
    return max(1, math.ceil(unlock_at - _now()))


def login_wait_seconds(*, username: str, address: str) -> int:
    """Seconds before `username` may try a password again from `address`; 0 when it
    may now."""
    return max(_wait(key, limit) for key, limit in _counts(username, address))


def login_wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many wrong passwords from this address. Try again in %(minutes)d minute.",
        "Too many wrong passwords from this address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def login_failure_record(*, username: str, address: str) -> None:
    for key, limit in _counts(username, address):
        recent = _recent(key)
        recent.append(_now())
        # Keep no more than the limit needs, for the window.
        cache.set(key, recent[-limit:], _window())


def login_failures_clear(*, username: str, address: str) -> None:
    if username:
        cache.delete(_pair_key(username, address))


@receiver(user_login_failed, dispatch_uid="login_throttle_failed")
def _on_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    login_failure_record(
        username=str(credentials.get("username") or ""), address=client_address(request)
    )


@receiver(user_logged_in, dispatch_uid="login_throttle_succeeded")
def _on_success(sender: Any, request: Any, user: Any, **kw: Any) -> None:
    login_failures_clear(username=user.get_username(), address=client_address(request))


__all__ = [
    "client_address",
    "login_failure_record",
    "login_failures_clear",
    "login_wait_message",
    "login_wait_seconds",
]
