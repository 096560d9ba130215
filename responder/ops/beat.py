"""Exactly one scheduler, however many beat processes run.

Configured as Celery's `beat_scheduler` (settings.CELERY_BEAT_SCHEDULER). Each beat
takes a lease in the database (SchedulerLease) before it sends anything, and renews it
every third of its length; a beat that does not hold the lease sends nothing and says
once in its log that it is standing by. When the active beat stops (cleanly: it gives
the lease up; or it dies: the lease expires), a standby takes over within one lease
length. The active beat also records its tick (Heartbeat "beat") for /readyz and the
status page.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import Any

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections

from responder.ops.models import HeartbeatKind
from responder.ops.services import (
    heartbeat_record,
    scheduler_lease_acquire,
    scheduler_lease_release,
)

logger = logging.getLogger(__name__)

LEASE_NAME = "beat"


def beat_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SingleBeatScheduler(PersistentScheduler):
    """PersistentScheduler that only sends periodic tasks while it holds the lease."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.holder = beat_holder()
        self.lease_seconds = float(getattr(settings, "BEAT_LEASE_SECONDS", 30))
        self.is_active = False
        self._check_at = 0.0
        super().__init__(*args, **kwargs)

    def _check_lease(self) -> None:

        # A long-lived process: drop a connection the database has closed meanwhile.
        close_old_connections()
        was_active = self.is_active
        try:
            self.is_active = scheduler_lease_acquire(
                name=LEASE_NAME, holder=self.holder, seconds=self.lease_seconds
            )
            if self.is_active:
                heartbeat_record(name=LEASE_NAME, kind=HeartbeatKind.BEAT, holder=self.holder)
        except DatabaseError as exc:
            # Without the database nobody can know who is active: send nothing.
            self.is_active = False
            logger.warning("beat %s: database unreachable (%s); not scheduling", self.holder, exc)
        if self.is_active and not was_active:
            logger.warning("beat %s took the scheduler lease: sending periodic tasks", self.holder)
        elif not self.is_active and (was_active or self._check_at == 0.0):
            logger.warning(
                "beat %s: another beat holds the scheduler lease; standing by", self.holder
            )

    def tick(self, *args: Any, **kwargs: Any) -> float:
        now = time.monotonic()
        if now >= self._check_at:
            self._check_lease()
            self._check_at = now + self.lease_seconds / 3
        until_check = max(0.1, self._check_at - now)
        if not self.is_active:
            return until_check
        return float(min(super().tick(*args, **kwargs), until_check))

    def close(self) -> None:
        super().close()
        if self.is_active:
            # If the database is away, the lease will expire on its own.
            with contextlib.suppress(DatabaseError):
                scheduler_lease_release(name=LEASE_NAME, holder=self.holder)
