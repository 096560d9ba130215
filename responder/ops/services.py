"""Writes of the ops app: heartbeats and the scheduler lease."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from responder.channels.models import PlatformAccount
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


def field_keys_rotate() -> int:
    """Re-encrypt every platform account's stored secrets with the first key of
    FIELD_ENCRYPTION_KEYS (any listed key decrypts them). Returns how many accounts
    were rewritten. Safe to run twice, and while the app runs: each row is locked
    while it is rewritten, so a poll saving a session at the same moment waits."""

    count = 0
    for pk in PlatformAccount.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            account = PlatformAccount.objects.select_for_update().filter(pk=pk).first()
            if account is None:
                continue
            account.save(update_fields=["credentials", "session_state"])
            count += 1
    return count
