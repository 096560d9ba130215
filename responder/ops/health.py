"""Readiness checks: is this web process able to serve? Each check is cheap (one
round trip) so a load balancer may ask every few seconds.

- database: a `SELECT 1` on the default connection;
- migrations: none left to apply (read from disk once, then remembered as true);
- cache: a PING to the cache's Redis (REDIS_URL; skipped with the in-process cache);
- broker: a PING to the Celery broker when it is Redis, a look at the folder when it
  is the filesystem broker.

Worker and beat heartbeats are reported as warnings, not failures: a web process
cannot fix a missing worker, and a load balancer that took every web process out
because workers were late would turn a delay into an outage. `?deep=1` turns them into
failures, for a monitor that pages someone.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from urllib.parse import urlparse

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from responder.ops.models import Heartbeat
from responder.ops.queues import QUEUES

_TIMEOUT = 1.0
_migrations_ok = [False]
_clients: dict[str, redis.Redis] = {}


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


def _redis_ping(url: str) -> None:
    client = _clients.get(url)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=_TIMEOUT, socket_timeout=_TIMEOUT)
        _clients[url] = client
    client.ping()


def check_database() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as exc:
        # The next request must reconnect, not reuse the broken connection.
        connection.close_if_unusable_or_obsolete()
        return Check("database", False, type(exc).__name__)
    return Check("database", True)


def check_migrations() -> Check:
    if _migrations_ok[0]:
        return Check("migrations", True)
    try:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        connection.close_if_unusable_or_obsolete()
        return Check("migrations", False, type(exc).__name__)
    if plan:
        return Check("migrations", False, f"{len(plan)} not applied")
    _migrations_ok[0] = True
    return Check("migrations", True)


def check_cache() -> Check:
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return Check("cache", True, "in-process")
    try:
        _redis_ping(url)
    except (redis.RedisError, OSError) as exc:
        return Check("cache", False, type(exc).__name__)
    return Check("cache", True)


def check_broker() -> Check:
    url = str(settings.CELERY_BROKER_URL)
    scheme = urlparse(url).scheme
    if scheme in {"redis", "rediss"}:
        try:
            _redis_ping(url)
        except (redis.RedisError, OSError) as exc:
            return Check("broker", False, type(exc).__name__)
        return Check("broker", True)
    if scheme == "filesystem":
        folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", ""))
        if not os.access(folder, os.W_OK):
            return Check("broker", False, "folder not writable")
    return Check("broker", True, scheme)


def readiness() -> list[Check]:
    database = check_database()
    checks = [database]
    if database.ok:
        checks.append(check_migrations())
    return [*checks, check_cache(), check_broker()]


def stale_after() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "OPS_HEARTBEAT_STALE_SECONDS", 300)))


def heartbeat_warnings(*, now: dt.datetime | None = None) -> list[Check]:
    """One failed Check per queue no worker has finished a task from lately, and for
    beat if it has not ticked lately (a database error gives none: the database check
    already says so)."""
    now = now or timezone.now()
    try:
        beats = {h.name: h.at for h in Heartbeat.objects.all()}
    except DatabaseError:
        connection.close_if_unusable_or_obsolete()
        return []
    limit = stale_after()
    warnings = []
    for name in (*QUEUES, "beat"):
        at = beats.get(name)
        what = "beat has not ticked" if name == "beat" else f"no worker has taken {name} work"
        if at is None:
            warnings.append(Check(f"heartbeat:{name}", False, f"{what} yet"))
        elif now - at > limit:
            age = int((now - at).total_seconds() // 60)
            warnings.append(Check(f"heartbeat:{name}", False, f"{what} for {age} minutes"))
    return warnings
