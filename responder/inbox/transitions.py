"""The one way a case changes state: lock, check, transition, save, audit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, can_proceed

from responder.audit.services import audit_record
from responder.errors import ConflictError
from responder.inbox.models import Case


def case_lock(*, case_id: int, expected_version: int | None = None) -> Case:
    """Lock the case row for this transaction. Must be called inside atomic()."""
    assert transaction.get_connection().in_atomic_block, "case_lock needs a transaction"
    try:
        case = Case.objects.select_for_update().get(pk=case_id)
    except Case.DoesNotExist:
        raise ConflictError(_("This case does not exist."), code="not_found") from None
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            _("This case changed since you loaded it (now: %(state)s). Reload and try again.")
            % {"state": case.get_state_display()},
            code="stale",
        )
    return case


def case_transition(
    *,
    case: Case,
    name: str,
    actor: Any,
    via: str,
    details: dict[str, Any] | None = None,
    action: str | None = None,
    **kwargs: Any,
) -> Case:
    """Apply the FSM transition `name` to a locked case, save it, and audit it."""
    method: Callable[..., None] = getattr(case, name)
    if not can_proceed(method):
        raise ConflictError(
            _("A case that is %(state)s cannot be %(action)s.")
            % {"state": case.get_state_display().lower(), "action": _ACTION_WORDS.get(name, name)},
            code="invalid_transition",
        )
    from_state = case.state
    try:
        method(**kwargs)
    except TransitionNotAllowed as exc:  # a condition changed under us
        raise ConflictError(str(exc), code="invalid_transition") from exc
    case.version += 1
    case.save()
    audit_record(
        action=action or f"case.{name}",
        via=via,
        actor=actor,
        case=case,
        from_state=from_state,
        to_state=case.state,
        details=details,
    )
    return case


_ACTION_WORDS: dict[str, Any] = {
    "claim": gettext_lazy("claimed"),
    "release": gettext_lazy("released"),
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "request_changes": gettext_lazy("sent back"),
    "withdraw": gettext_lazy("withdrawn"),
    "close": gettext_lazy("closed"),
    "reopen": gettext_lazy("reopened"),
    "start_posting": gettext_lazy("posted"),
    "mark_replied": gettext_lazy("marked replied"),
    "fail_post": gettext_lazy("marked failed"),
    "retry": gettext_lazy("retried"),
}


def case_touch(
    *,
    case: Case,
    action: str,
    actor: Any,
    via: str,
    details: dict[str, Any] | None = None,
    subject: Any = None,
    fields: tuple[str, ...] = (),
) -> Case:
    """Record a change to a locked case that keeps its state (a self-loop the FSM
    cannot see): save `fields`, bump the version so stale forms are refused, audit."""
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    audit_record(
        action=action,
        via=via,
        actor=actor,
        case=case,
        from_state=case.state,
        to_state=case.state,
        subject=subject,
        details=details,
    )
    return case
