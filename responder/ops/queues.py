"""Celery's queues by kind of work, and how many messages wait in each."""

from __future__ import annotations

from urllib.parse import urlparse

import redis
from django.conf import settings

INGEST = "ingest"
POSTING = "posting"
EMAIL = "email"
HOUSEKEEPING = "housekeeping"
QUEUES = (INGEST, POSTING, EMAIL, HOUSEKEEPING)


def depths() -> dict[str, int | None]:
    """Messages waiting per queue when the broker is Redis (a list per queue, Celery's
    priority lists included); None for each queue otherwise or when unreachable."""
    url = str(settings.CELERY_BROKER_URL)
    if urlparse(url).scheme not in {"redis", "rediss"}:
        return dict.fromkeys(QUEUES)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=1.0)
        pipe = client.pipeline(transaction=False)
        for name in QUEUES:
            pipe.llen(name)
        found = pipe.execute()
        client.close()
    except (redis.RedisError, OSError):
        return dict.fromkeys(QUEUES)
    return {name: int(n) for name, n in zip(QUEUES, found, strict=True)}
