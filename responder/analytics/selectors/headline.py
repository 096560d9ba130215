"""The dashboard's headline figures, readable at a glance: the median time to first
response today and this week, the share answered within target over the period, the
backlog (cases waiting for an answer now) and how long the oldest has waited."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.db.models import Min
from django.utils import timezone

from responder.analytics.selectors.filters import Filters, cases_for, this_week
from responder.analytics.selectors.first_response import first_response_within_target
from responder.analytics.selectors.percentiles import (
    PercentileCont,
    _hours,
    is_postgres,
    percentile,
    seconds_between,
)
from responder.inbox.models import CaseState

#: States in which a case still waits for its answer.
WAITING_STATES = [
    CaseState.NEW,
    CaseState.DRAFTING,
    CaseState.IN_REVIEW,
    CaseState.APPROVED,
    CaseState.POSTING,
    CaseState.POST_FAILED,
]


def _median_first_response(filters: Filters) -> float | None:
    qs = cases_for(filters).filter(first_response_at__isnull=False)
    if is_postgres():
        value = qs.annotate(_s=seconds_between("received_at", "first_response_at")).aggregate(
            m=PercentileCont("_s", 0.5)
        )["m"]
        return _hours(value)
    seconds = [
        (first - received).total_seconds()
        for received, first in qs.values_list("received_at", "first_response_at")
        if first is not None
    ]
    return _hours(percentile(seconds, 0.5))


def headline(filters: Filters, *, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today, monday = this_week(now)
    rows = first_response_within_target(filters, "week", now=now)
    met = sum(r["met"] for r in rows)
    decided = met + sum(r["missed"] for r in rows)
    # The backlog is now, whatever the period: every case of the reader's scope and
    # filters still waiting for its answer.
    waiting = cases_for(replace(filters, start=dt.date(1970, 1, 2), end=today)).filter(
        state__in=WAITING_STATES
    )
    oldest = waiting.aggregate(at=Min("received_at"))["at"]
    return {
        "median_today": _median_first_response(replace(filters, start=today, end=today)),
        "median_week": _median_first_response(replace(filters, start=monday, end=today)),
        "within_target": round(100 * met / decided, 1) if decided else None,
        "backlog": waiting.count(),
        # When the oldest waiting case arrived (the page says how long ago: cached
        # figures stay exact).
        "oldest_since": oldest,
    }
