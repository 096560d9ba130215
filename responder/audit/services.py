from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.db import models, transaction

from responder.audit.models import AuditEvent


def audit_event(
    *,
    action: str,
    via: str,
    actor: Any = None,
    case: Any = None,
    from_state: str = "",
    to_state: str = "",
    subject: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit event, not saved yet: give it to `audit_record_many`."""
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent(
        action=action,
        via=via,
        actor=actor_obj,
        case=case,
        from_state=from_state,
        to_state=to_state,
        subject_type=(subject._meta.model_name or "") if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        details=details or {},
    )


def audit_record(
    *,
    action: str,
    via: str,
    actor: Any = None,
    case: Any = None,
    from_state: str = "",
    to_state: str = "",
    subject: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. Call inside the transaction of the change it records."""
    event = audit_event(
        action=action,
        via=via,
        actor=actor,
        case=case,
        from_state=from_state,
        to_state=to_state,
        subject=subject,
        details=details,
    )
    event.save(force_insert=True)
    return event


def audit_record_many(*, events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Append many audit events (made with `audit_event`) in one INSERT. Call inside
    the transaction of the changes they record."""
    if not events:
        return []
    return AuditEvent.objects.bulk_create(events)


class AuditRow(NamedTuple):
    """One audit event as plain values, for `audit_copy_many`."""

    created_at: dt.datetime
    via: str
    action: str
    case_id: int | None
    from_state: str
    to_state: str
    subject_type: str
    subject_id: int | None
    details: dict[str, Any]


_COPY_COLUMNS = AuditRow._fields


def audit_copy_many(*, rows: Sequence[AuditRow], batch_size: int = 500) -> None:
    """Append many system events (no actor) where speed needs it: on PostgreSQL with
    COPY, which costs a fraction of INSERT (ingest writes one per new case; see
    bench/ingest_bench.py), elsewhere with bulk_create. Call inside the transaction of
    the changes they record."""
    if not rows:
        return
    conn = transaction.get_connection()
    if conn.vendor != "postgresql":
        AuditEvent.objects.bulk_create(
            [AuditEvent(**row._asdict()) for row in rows], batch_size=batch_size
        )
        return
    table = conn.ops.quote_name(AuditEvent._meta.db_table)
    columns = ", ".join(conn.ops.quote_name(c) for c in _COPY_COLUMNS)
    with conn.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row[:-1], json.dumps(row.details)))
