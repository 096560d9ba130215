"""Writes of the ops app: heartbeats and the scheduler lease."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from responder.ops.models import Heartbeat, SchedulerLease


def heartbeat_record(*, name: str, kind: str, holder: str, task: str = "") -> None:
    """Say that `holder` is alive for `name` (a queue, or "beat") as of now."""
    Heartbeat.objects.update_or_create(
        name=name,
        defaults={"kind": kind, "holder": holder[:200], "task": task[:200], "at": timezone.now()},
    )


def scheduler_lease_acquire(*, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the lease `name` for `holder` for `seconds`. True if `holder` now
    holds it; False if somebody else holds an unexpired one. Atomic: of two callers
    racing for a free lease, exactly one wins."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    with transaction.atomic():
        taken = (
            SchedulerLease.objects.filter(name=name)
            .filter(Q(holder=holder) | Q(expires_at__lt=now))
            .update(holder=holder, expires_at=until)
        )
        if taken:
            return True
        _, created = SchedulerLease.objects.get_or_create(
            name=name, defaults={"holder": holder, "expires_at": until}
        )
        return created


def scheduler_lease_release(*, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so a standby takes over."""
    SchedulerLease.objects.filter(name=name, holder=holder).update(expires_at=timezone.now())
