"""Removing citizens' personal data from old cases (per-department retention).

What is removed from a CLOSED or REPLIED case whose last activity (its last save,
`updated_at`) is older than its department's `retention_days`:
- the author's name, handle and platform id, the question's text and link;
- the text of every draft that was not posted (drafts quote the citizen and their
  handle, and were never public);
- the conversation ids that lead back to the citizen's thread.
What is kept: the reply we posted (public, and the public body's own record of what
it said), the decisions, comments and the audit trail (who did what, when), the
timings and categories the analytics need.

Skipped: cases under legal hold, open cases (any other state), departments with
retention 0 (keep forever). Safe to run twice at once: each case is locked with
SKIP LOCKED and re-checked inside the lock, so a case is cleaned, and audited, once.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.db.models.expressions import ExpressionWrapper
from django.db.models.fields import DateTimeField
from django.utils import timezone

from responder.inbox.erasure import case_personal_data_erase
from responder.inbox.models import Case, CaseState

REMOVABLE_STATES = (CaseState.CLOSED, CaseState.REPLIED)


def _candidates() -> QuerySet[Case]:
    return Case.objects.filter(
        state__in=REMOVABLE_STATES,
        legal_hold=False,
        personal_data_removed_at__isnull=True,
        department__retention_days__gt=0,
    )


def _expired(case: Case, now: dt.datetime) -> bool:
    return case.updated_at + dt.timedelta(days=case.department.retention_days) < now


def retention_due(*, now: dt.datetime | None = None) -> QuerySet[Case]:
    """Cases whose personal data is past their department's retention."""
    now = now or timezone.now()
    if connection.vendor != "postgresql":
        # SQLite cannot multiply an interval by a column: check in Python (small data).
        ids = [c.pk for c in _candidates().select_related("department") if _expired(c, now)]
        return Case.objects.filter(pk__in=ids)
    return (
        _candidates()
        .alias(
            expires_at=ExpressionWrapper(
                F("updated_at") + F("department__retention_days") * dt.timedelta(days=1),
                output_field=DateTimeField(),
            )
        )
        .filter(expires_at__lt=now)
    )


def case_personal_data_remove(*, case_id: int, now: dt.datetime | None = None) -> bool:
    """Remove one case's personal data if it is (still) due. True if removed."""
    now = now or timezone.now()
    with transaction.atomic():
        case = (
            _candidates()
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("department")
            .filter(pk=case_id)
            .first()
        )
        # Not due any more, already done, or another worker holds it right now.
        if case is None or not _expired(case, now):
            return False
        case_personal_data_erase(
            case=case,
            now=now,
            details={
                "retention_days": case.department.retention_days,
                "last_activity": case.updated_at.isoformat(),
            },
        )
        return True


def retention_apply(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Remove personal data from every case past retention; returns how many."""
    now = now or timezone.now()
    removed = 0
    ids = list(retention_due(now=now).order_by("pk").values_list("pk", flat=True)[:batch])
    while ids:
        for case_id in ids:
            removed += case_personal_data_remove(case_id=case_id, now=now)
        last = ids[-1]
        ids = list(
            retention_due(now=now)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
    return removed
