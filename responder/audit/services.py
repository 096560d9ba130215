from __future__ import annotations

from typing import Any

from django.db import models

from responder.audit.models import AuditEvent


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
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
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
