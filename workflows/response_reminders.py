"""Reminders of the first-response clock (responder/inbox/response_clock.py).

Once a waiting case is due soon (or already past its deadline), its owner is sent
one e-mail; a case nobody holds goes to the department's queue: each of its
officers. The case is stamped first (`respond_reminded_at`, set only where still
empty), so a second sweep, a second beat or a retried task sends nothing twice; the
e-mails themselves are EmailNotices with a unique key (workflows/notifications.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from responder.accounts.models import Role, User
from responder.inbox.models import Case
from responder.inbox.response_clock import DUE_SOON, waiting_q
from responder.queueing import enqueue_on_commit

SWEEP_BATCH = 500


def response_reminders_run(*, now: dt.datetime | None = None) -> int:
    """Stamp and queue a reminder for every waiting case due within DUE_SOON that was
    not reminded yet; returns how many were queued."""
    now = now or timezone.now()
    due = (
        Case.objects.filter(
            waiting_q(), respond_reminded_at__isnull=True, respond_by__lte=now + DUE_SOON
        )
        .order_by("respond_by", "id")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    queued = 0
    for case_id in list(due):
        with transaction.atomic():
            stamped = Case.objects.filter(pk=case_id, respond_reminded_at__isnull=True).update(
                respond_reminded_at=now
            )
            if stamped:
                enqueue_on_commit("workflows.tasks.response_reminder_notify", case_id)
                queued += 1
    return queued


def response_reminder_recipients(case: Case) -> list[User]:
    """The owner; without one, the department's officers (its queue)."""
    if case.owner_id is not None:
        return [case.owner] if case.owner is not None else []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__department_id=case.department_id,
            memberships__role=Role.OFFICER,
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )
