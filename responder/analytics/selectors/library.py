"""The answer library: how much of what we post comes from it, and what is due for review."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from responder.analytics.selectors.filters import Filters, case_q, cases_for
from responder.channels.models import OutboxItem, OutboxStatus
from responder.inbox.models import LibraryAnswer

DUE_SOON_DAYS = 30


def library_use(filters: Filters) -> dict[str, Any]:
    """Share of posted replies that were an unchanged library answer."""
    replied = cases_for(filters).filter(replied_at__isnull=False).count()
    # Counted from the outbox side: a join, not a subquery per case.
    from_library = (
        OutboxItem.objects.filter(
            case_q(filters, "case__"),
            case__replied_at__isnull=False,
            status=OutboxStatus.SENT,
            draft__library_unchanged=True,
        )
        .values("case_id")
        .distinct()
        .count()
    )
    counts = {"replied": replied, "from_library": from_library}
    total = counts["replied"] or 0
    return {
        "replied": total,
        "from_library": counts["from_library"] or 0,
        "share": round((counts["from_library"] or 0) / total, 4) if total else 0.0,
    }


def answers_due_for_review(
    *, today: dt.date | None = None, department_ids: frozenset[int] | set[int] | None = None
) -> QuerySet[LibraryAnswer]:
    """Active answers past their review date or due within DUE_SOON_DAYS: of
    `department_ids` only when given (shared answers are a site admin's)."""
    today = today or timezone.localdate()
    answers = LibraryAnswer.objects.filter(
        is_active=True, review_date__lte=today + dt.timedelta(days=DUE_SOON_DAYS)
    )
    if department_ids is not None:
        answers = answers.filter(department_id__in=sorted(department_ids))
    return answers.select_related("owner", "topic").order_by("review_date", "pk")
