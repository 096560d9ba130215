"""The first-response clock in figures: the share of cases answered within their
department's target (responder/inbox/response_clock.py), by week, platform or topic.

A case counts when it has a deadline: met when its first response was posted no
later than the deadline; missed when it was posted later, or when it is still
waiting (not closed) past the deadline. Cases still waiting before their deadline,
and cases closed without an answer, are in neither (they are listed as "waiting").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone

from responder.analytics.selectors.filters import DIMENSIONS, Filters, cases_for
from responder.inbox.models import CaseState

#: The groupings of the "within target" figures: "week" or a dashboard dimension.
TARGET_GROUPS = ("week", "platform", "topic")


def target_q(now: dt.datetime) -> tuple[Q, Q, Q]:
    """Cases (with a deadline) that met their first-response target, missed it, and
    are still waiting before it, as of `now`."""
    met = Q(first_response_at__isnull=False, first_response_at__lte=F("respond_by"))
    missed = Q(first_response_at__gt=F("respond_by")) | Q(
        first_response_at__isnull=True, respond_by__lte=now
    ) & ~Q(state=CaseState.CLOSED)
    waiting = Q(first_response_at__isnull=True, respond_by__gt=now) & ~Q(state=CaseState.CLOSED)
    return met, missed, waiting


def first_response_within_target(
    filters: Filters, group: str, *, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Per week (Monday) or per platform/topic: cases met, missed and still waiting,
    and the share met of those decided (a percentage, one decimal; None if none)."""
    now = now or timezone.now()
    distinct = group == "topic"
    met, missed, waiting = target_q(now)
    qs = cases_for(filters).filter(respond_by__isnull=False)
    if group == "week":
        qs = qs.annotate(_group=TruncWeek("received_at"))
        field = "_group"
    else:
        field = DIMENSIONS[group]
    rows = (
        qs.values(field)
        .annotate(
            met=Count("pk", filter=met, distinct=distinct),
            missed=Count("pk", filter=missed, distinct=distinct),
            waiting=Count("pk", filter=waiting, distinct=distinct),
        )
        .order_by(field)
    )
    out = []
    for r in rows:
        key = r[field]
        if isinstance(key, dt.datetime):
            key = key.date().isoformat()
        decided = r["met"] + r["missed"]
        out.append(
            {
                "key": key if key is not None else "—",
                "met": r["met"],
                "missed": r["missed"],
                "waiting": r["waiting"],
                "share": round(100 * r["met"] / decided, 1) if decided else None,
            }
        )
    return sorted(out, key=lambda r: str(r["key"]))
