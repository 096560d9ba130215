"""The one way an approval step or an outbox reply changes status: check the named
transition (django-fsm-2, on a protected `status` field), run it, save, audit it as
"<prefix>.<transition>" with the status it left and reached in the event's details.
Locking the row is the caller's (select_for_update in the caller's transaction).
Cases have their own form of this, with a version lock (responder.inbox.transitions).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed, can_proceed

from responder.audit.models import AuditEvent
from responder.audit.services import audit_event, audit_record_many
from responder.db import rows_update
from responder.errors import ConflictError

STATUS = "status"


def status_transition(
    *,
    obj: models.Model,
    name: str,
    prefix: str,
    actor: Any,
    via: str,
    fields: Sequence[str] = (),
    details: dict[str, Any] | None = None,
    **kwargs: Any,
) -> str:
    """Apply the transition `name` to one locked row, save its status and `fields`
    (those the transition changes), and audit it. Returns the status it left."""
    from_status, event = _apply(
        obj=obj, name=name, prefix=prefix, actor=actor, via=via, details=details, kwargs=kwargs
    )
    obj.save(update_fields=[STATUS, *fields])
    audit_record_many(events=[event])
    return from_status


def status_transition_many(
    *,
    objs: Sequence[models.Model],
    name: str,
    prefix: str,
    actor: Any,
    via: str,
    fields: Sequence[str] = (),
    details: Sequence[dict[str, Any] | None] | None = None,
    arguments: Sequence[dict[str, Any]] | None = None,
) -> None:
    """The batch form of `status_transition` (the bulk service where speed needs it):
    every row is checked and moved first (a row that may not make the transition
    raises ConflictError before anything is saved), then all are saved in one UPDATE
    and audited in one INSERT, one event per row."""
    if not objs:
        return
    events = [
        _apply(
            obj=obj,
            name=name,
            prefix=prefix,
            actor=actor,
            via=via,
            details=details[i] if details is not None else None,
            kwargs=arguments[i] if arguments is not None else {},
        )[1]
        for i, obj in enumerate(objs)
    ]
    rows_update(objs, [STATUS, *fields])
    audit_record_many(events=events)


def _apply(
    *,
    obj: models.Model,
    name: str,
    prefix: str,
    actor: Any,
    via: str,
    details: dict[str, Any] | None,
    kwargs: dict[str, Any],
) -> tuple[str, AuditEvent]:
    method: Callable[..., None] = getattr(obj, name)
    from_status = str(getattr(obj, STATUS))
    if not can_proceed(method):
        raise ConflictError(
            _("This cannot be done now: it is %(status)s.")
            % {"status": str(getattr(obj, f"get_{STATUS}_display")()).lower()},
            code="invalid_transition",
        )
    try:
        method(**kwargs)
    except TransitionNotAllowed as exc:  # a condition changed under us
        raise ConflictError(str(exc), code="invalid_transition") from exc
    # The event's from_state/to_state columns are the case's states (analytics reads
    # them so); the row's own status change goes in the details.
    event = audit_event(
        action=f"{prefix}.{name}",
        via=via,
        actor=actor,
        subject=obj,
        details={**(details or {}), "from_status": from_status, "to_status": getattr(obj, STATUS)},
    )
    event.case_id = getattr(obj, "case_id", None)
    return from_status, event
