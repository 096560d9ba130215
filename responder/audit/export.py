"""The audit log as records officers read it: which events a reader may export, and
their rows (CSV and JSON share them).

A department's events are those of its cases, and those that name it in
`details["department_ids"]` (sign-ins, failed sign-ins and sign-outs of its people,
roles given or removed there: responder.audit.account_events). A department admin
exports the departments they administer; a site admin every event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from responder.audit.labels import audit_action_label
from responder.audit.models import AuditEvent

COLUMNS = (
    "id",
    "when",
    "action",
    "action_label",
    "via",
    "actor",
    "case",
    "department",
    "from_state",
    "to_state",
    "subject_type",
    "subject_id",
    "details",
)
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class AuditFilters:
    start: dt.date
    end: dt.date
    person: str = ""  # a username: events they did, or that concern their account
    action: str = ""
    department_id: int | None = None

    def as_query(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "person": self.person,
            "action": self.action,
            "department": self.department_id,
        }


def default_filters(*, today: dt.date | None = None) -> AuditFilters:
    today = today or timezone.localdate()
    return AuditFilters(start=today - dt.timedelta(days=DEFAULT_DAYS), end=today)


def _department_q(department_ids: Iterable[int]) -> Q:
    ids = sorted(set(department_ids))
    if not ids:
        return Q(pk__in=[])
    named = reduce(or_, (Q(details__department_ids__contains=[d]) for d in ids))
    return Q(case__department_id__in=ids) | named


def audit_events_for(
    *, departments: set[int] | None, filters: AuditFilters
) -> QuerySet[AuditEvent]:
    """The events of `departments` (None: every event) that match `filters`, oldest
    first. `departments` comes from authz (the departments the reader administers)."""
    events = AuditEvent.objects.all()
    if departments is not None:
        events = events.filter(_department_q(departments))
    if filters.department_id is not None:
        events = events.filter(_department_q([filters.department_id]))
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    events = events.filter(created_at__gte=start, created_at__lt=end)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.person:
        events = events.filter(
            Q(actor__username=filters.person) | Q(details__username=filters.person)
        )
    return events.select_related("actor", "case").order_by("created_at", "id")


def event_row(event: AuditEvent) -> dict[str, Any]:
    department = event.case.department_id if event.case is not None else None
    return {
        "id": event.pk,
        "when": event.created_at.isoformat(),
        "action": event.action,
        "action_label": audit_action_label(event.action),
        "via": event.via,
        "actor": event.actor.get_username() if event.actor is not None else "",
        "case": event.case_id,
        "department": department
        if department is not None
        else event.details.get("department_ids", []),
        "from_state": event.from_state,
        "to_state": event.to_state,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "details": event.details,
    }


def event_rows(events: QuerySet[AuditEvent]) -> Iterator[dict[str, Any]]:
    for event in events.iterator(chunk_size=1000):
        yield event_row(event)
