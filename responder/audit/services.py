from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

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
