"""Questions in, answered and closed unanswered."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q

from responder.analytics.selectors.filters import DIMENSIONS, Filters, cases_for
from responder.inbox.models import CaseState


def volumes_by(filters: Filters, dimension: str) -> list[dict[str, Any]]:
    """Questions in, answered (a reply was posted) and closed unanswered."""
    field = DIMENSIONS[dimension]
    rows = (
        cases_for(filters)
        .values(field)
        .annotate(
            received=Count("pk", distinct=dimension == "topic"),
            answered=Count("pk", filter=Q(replied_at__isnull=False), distinct=dimension == "topic"),
            closed=Count("pk", filter=Q(state=CaseState.CLOSED), distinct=dimension == "topic"),
        )
        .order_by(field)
    )
    return sorted(
        (
            {
                "key": r[field] if r[field] is not None else "—",
                "received": r["received"],
                "answered": r["answered"],
                "closed": r["closed"],
            }
            for r in rows
        ),
        key=lambda r: str(r["key"]),
    )
