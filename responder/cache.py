"""The Redis cache, made to fail soft.

Everything Responder keeps in the cache can be recomputed or read again from
PostgreSQL: sessions (cached_db: the database holds them too), saved views, filter
menus, the dashboard's figures, sign-in failure counts. So while Redis is restarting or
unreachable, a cache read is a miss and a cache write is skipped, with a warning in the
log, instead of a 500 on every page. Django's own RedisCache raises instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
# One warning per this many seconds while Redis stays down, not one per request.
_WARN_EVERY = 30.0
_last_warning = [0.0]


def _warn(operation: str, exc: BaseException) -> None:
    now = time.monotonic()
    if now - _last_warning[0] >= _WARN_EVERY:
        _last_warning[0] = now
        logger.warning("cache unavailable (%s: %s); carrying on without it", operation, exc)


def _soft(operation: str, fallback: Callable[..., Any]) -> Callable[..., Any]:
    method = getattr(RedisCacheClient, operation)

    def wrapped(self: RedisCacheClient, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except _DOWN as exc:
            _warn(operation, exc)
            return fallback(*args, **kwargs)

    wrapped.__name__ = operation
    wrapped.__doc__ = method.__doc__
    return wrapped


def _default(key: Any, default: Any = None) -> Any:
    return default


class ResilientRedisCacheClient(RedisCacheClient):
    # Reads miss, writes are skipped. incr counts as a first hit: the rate limits built
    # on it (review links) let people through while Redis is away rather than fail.
    get = _soft("get", _default)
    get_many = _soft("get_many", lambda keys: {})
    has_key = _soft("has_key", lambda key: False)
    add = _soft("add", lambda key, value, timeout: False)
    set = _soft("set", lambda key, value, timeout: None)
    set_many = _soft("set_many", lambda data, timeout: [])
    touch = _soft("touch", lambda key, timeout: False)
    delete = _soft("delete", lambda key: False)
    delete_many = _soft("delete_many", lambda keys: None)
    clear = _soft("clear", lambda: False)
    incr = _soft("incr", lambda key, delta: delta)


class ResilientRedisCache(RedisCache):
    """RedisCache whose operations survive Redis being down (see the module's doc)."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ResilientRedisCacheClient
