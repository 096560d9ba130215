"""The first-response clock: by when a new case must have its first answer.

A department sets targets per priority (and optionally per platform) in business
minutes (ResponseTarget); a case's deadline (`Case.respond_by`) is its arrival plus
that target, counted in the department's business hours by the same code as
approval SLAs (responder/accounts/business_hours.py). Ingest sets it for a whole
batch with one query for the targets and one for the holidays; an officer changing
the priority sets it again from the arrival time.

A case waits for its first response while nothing was posted and it is not closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Q

from responder.accounts.business_hours import (
    business_deadline,
    deadline_in,
    department_calendar,
)
from responder.accounts.models import Department
from responder.inbox.incoming_models import ResponseTarget

if TYPE_CHECKING:
    from responder.inbox.models import Case

#: A waiting case is "due soon" this long before its deadline.
DUE_SOON = dt.timedelta(minutes=30)

#: Targets as read once for a batch: (priority, platform) -> minutes ("" = any platform).
Targets = dict[tuple[str, str], int]


def department_targets(department_id: int) -> Targets:
    rows = ResponseTarget.objects.filter(department_id=department_id).values_list(
        "priority", "platform", "minutes"
    )
    return {(priority, platform): minutes for priority, platform, minutes in rows}


def target_minutes(targets: Targets, *, priority: str, platform: str) -> int | None:
    """The platform's own target for the priority, else the department's for every
    platform, else none (the case has no deadline)."""
    found = targets.get((priority, platform))
    return found if found is not None else targets.get((priority, ""))


def cases_respond_by_set(*, department: Department, cases: Iterable[Case]) -> None:
    """Set `respond_by` on unsaved cases of one department (ingest, before insert)."""
    cases = list(cases)
    targets = department_targets(department.pk)
    if not cases or not targets:
        return
    first = min(c.received_at for c in cases).date()
    last = max(c.received_at for c in cases).date()
    longest = max(targets.values())
    horizon = last + dt.timedelta(days=max(30, longest // 60 * 3 + 30))
    calendar = department_calendar(department, start=first - dt.timedelta(days=1), end=horizon)
    for case in cases:
        minutes = target_minutes(targets, priority=case.priority, platform=case.platform)
        if minutes is not None:
            case.respond_by = deadline_in(calendar, start=case.received_at, minutes=minutes)


def case_respond_by(*, case: Case) -> dt.datetime | None:
    """The deadline of one case from its arrival, e.g. after its priority changed."""
    targets = department_targets(case.department_id)
    minutes = target_minutes(targets, priority=case.priority, platform=case.platform)
    if minutes is None:
        return None
    return business_deadline(department=case.department, start=case.received_at, minutes=minutes)


def waiting_q() -> Q:
    """Cases still waiting for their first response, with a deadline (the partial
    index case_dept_respond_by holds exactly these)."""
    return Q(first_response_at__isnull=True, respond_by__isnull=False) & ~Q(state="closed")


def clock_status(
    *,
    respond_by: dt.datetime | None,
    first_response_at: dt.datetime | None,
    state: str,
    now: dt.datetime,
) -> str:
    """ "overdue", "due_soon" or "" for a case's first-response clock."""
    if respond_by is None or first_response_at is not None or state == "closed":
        return ""
    if respond_by <= now:
        return "overdue"
    if respond_by - now <= DUE_SOON:
        return "due_soon"
    return ""
