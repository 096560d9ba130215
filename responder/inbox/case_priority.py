"""An officer's priority on a case: the incoming rules set it at ingest; an officer may
change it with a reason (audited), and the first-response deadline follows it
(responder/inbox/response_clock.py), counted again from the case's arrival."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.errors import ConflictError, ValidationError
from responder.inbox.models import Case, CaseState, Priority
from responder.inbox.response_clock import case_respond_by
from responder.inbox.transitions import case_lock, case_touch


def case_priority_set(
    *,
    case_id: int,
    actor: User,
    priority: str,
    reason: str,
    via: str,
    expected_version: int | None = None,
) -> Case:
    """Set a case's priority (until it is answered or closed); a reason is required."""
    if priority not in Priority.values:
        raise ValidationError(_("Unknown priority: %(priority)s.") % {"priority": priority})
    if not reason.strip():
        raise ValidationError(_("Say why you are changing the priority."), code="reason_required")
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        authz.require(
            actor,
            Action.CASE_WORK,
            case,
            message=_("Only communication officers of this department can do this."),
        )
        if case.state in (CaseState.CLOSED, CaseState.REPLIED):
            raise ConflictError(
                _("The priority can only change while the case is open and unanswered."),
                code="invalid_transition",
            )
        details = {
            "priority": {"from": case.priority, "to": priority},
            "reason": reason.strip()[:500],
        }
        case.priority = priority
        fields: tuple[str, ...] = ("priority",)
        if case.first_response_at is None:
            respond_by = case_respond_by(case=case)
            if respond_by != case.respond_by:
                details["respond_by"] = {
                    "from": case.respond_by.isoformat() if case.respond_by else None,
                    "to": respond_by.isoformat() if respond_by else None,
                }
                case.respond_by = respond_by
                # A new deadline gets its own reminder (each person is still e-mailed
                # at most once per case: workflows/response_reminders.py).
                case.respond_reminded_at = None
                fields += ("respond_by", "respond_reminded_at")
        return case_touch(
            case=case, action="case.priority", via=via, actor=actor, fields=fields, details=details
        )
