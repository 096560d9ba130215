"""When an approval step is due, counted in each department's business hours.

A department says its time zone, its workday (start and end) and its working
weekdays; holidays (its own and those for every department) count as days off.
`step_due_at` adds the step's SLA in working minutes only: a 2-hour SLA opened on
Friday at 16:00 is due on Monday at 10:00. With business hours switched off the SLA
runs around the clock.
"""

from __future__ import annotations

import datetime as dt

from responder.accounts.business_hours import (
    WorkCalendar,
    add_business_minutes,
    business_deadline,
    department_calendar,
    zone_named,
)
from responder.accounts.models import Department

__all__ = [
    "WorkCalendar",
    "add_business_minutes",
    "business_deadline",
    "department_calendar",
    "step_due_at",
    "step_remind_at",
    "zone_named",
]

# A reminder goes out once this share of the SLA (in business time) has passed.
REMIND_AT_FRACTION = 0.75


def step_due_at(*, department: Department, opened_at: dt.datetime, sla_minutes: int) -> dt.datetime:
    """When a step opened at `opened_at` with an SLA of `sla_minutes` is due."""
    return business_deadline(department=department, start=opened_at, minutes=sla_minutes)


def step_remind_at(
    *, department: Department, opened_at: dt.datetime, sla_minutes: int
) -> dt.datetime:
    """When reviewers get their one reminder: at 75% of the SLA, in business time."""
    return business_deadline(
        department=department, start=opened_at, minutes=sla_minutes * REMIND_AT_FRACTION
    )
