"""The request latency histogram, shared by every web process.

With Redis (REDIS_URL) each request adds to one Redis hash (one pipelined round trip),
so a scrape through the load balancer sees all web processes together; without it
(make run) each process counts for itself. If Redis is unreachable, observations are
dropped for a while rather than slowing requests down.
"""

from __future__ import annotations

import bisect
import threading
import time

import redis
from django.conf import settings

BOUNDS: tuple[float, ...] = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_KEY = "responder:ops:latency"
_PAUSE_AFTER_ERROR = 30.0

_lock = threading.Lock()
_local: dict[str, float] = {}
_state: dict[str, object] = {"client": None, "url": "", "paused_until": 0.0}


def _client() -> redis.Redis | None:
    url = getattr(settings, "REDIS_URL", "")
    if not url or time.monotonic() < float(_state["paused_until"]):  # type: ignore[arg-type]
        return None
    if _state["client"] is None or _state["url"] != url:
        _state["client"] = redis.Redis.from_url(
            url, socket_connect_timeout=0.25, socket_timeout=0.25
        )
        _state["url"] = url
    return _state["client"]  # type: ignore[return-value]


def _bucket(seconds: float) -> str:
    index = bisect.bisect_left(BOUNDS, seconds)
    return repr(BOUNDS[index]) if index < len(BOUNDS) else "inf"


def observe(*, method: str, seconds: float) -> None:
    fields = {f"{method}|{_bucket(seconds)}": 1, f"{method}|count": 1}
    client = _client()
    if client is not None:
        try:
            pipe = client.pipeline(transaction=False)
            for name, amount in fields.items():
                pipe.hincrby(_KEY, name, amount)
            pipe.hincrbyfloat(_KEY, f"{method}|sum", seconds)
            pipe.execute()
            return
        except (redis.RedisError, OSError):
            _state["paused_until"] = time.monotonic() + _PAUSE_AFTER_ERROR
    with _lock:
        for name, amount in fields.items():
            _local[name] = _local.get(name, 0) + amount
        _local[f"{method}|sum"] = _local.get(f"{method}|sum", 0.0) + seconds


def snapshot() -> dict[str, dict[str, float]]:
    """{method: {bucket bound as text | "inf" | "sum" | "count": value}}."""
    raw: dict[str, float] = {}
    client = _client()
    if client is not None:
        try:
            raw = {
                (k.decode() if isinstance(k, bytes) else k): float(v)
                for k, v in client.hgetall(_KEY).items()
            }
        except (redis.RedisError, OSError):
            raw = {}
    with _lock:
        for name, value in _local.items():
            raw[name] = raw.get(name, 0) + value
    result: dict[str, dict[str, float]] = {}
    for name, value in raw.items():
        method, _, part = name.partition("|")
        result.setdefault(method, {})[part] = value
    return result


def reset() -> None:
    """Forget every observation (tests)."""
    with _lock:
        _local.clear()
    client = _client()
    if client is not None:
        client.delete(_KEY)
