"""Undo within the department's hold: a reply sent on its way (a submit with no
approval layers, "Send this answer", or the last approval) waits `undo_hold_seconds`
in the outbox (its row's `not_before`); until then the person who sent it on its way,
or an officer of the department, may take it back. The reply is never posted, and
the case returns to its officer's draft, or its last approval step opens again; the
draft text is kept.

One home for the rule, which the case page, the review pages, the e-mailed link's
page and the API call: `reply_undo`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.audit.models import AuditEvent
from responder.channels.selectors import HeldReply, held_replies
from responder.channels.services import outbox_held_lock, outbox_held_require, outbox_undo
from responder.errors import ConflictError, PermissionDenied
from responder.fsm import status_transition
from responder.inbox.models import Case, CaseState
from responder.inbox.transitions import case_lock, case_transition
from workflows.models import ApprovalStep, StepDecision

#: The audit actions that send a reply on its way (the case reaches "approved").
_SUBMIT = "case.submit"


def reply_undo(
    *,
    case_id: int,
    actor: Any,
    via: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Take back a reply still in its undo hold. Refuses with "Too late to undo" once
    the hold is over or a worker claimed the row, and then changes nothing."""
    with transaction.atomic():
        locked = outbox_held_lock(case_id=case_id)
        case = case_lock(case_id=case_id, expected_version=expected_version)
        action, done_by_id, step_id = _sent_by(case)
        if not authz.may_undo(actor, case=case, done_by_id=done_by_id):
            raise PermissionDenied(
                _(
                    "Only the person who sent this reply on its way, or an officer of its "
                    "department, may undo it."
                )
            )
        item = outbox_held_require(item=locked, now=now or timezone.now())
        if case.state != CaseState.APPROVED:
            raise ConflictError(_("Too late to undo: it is being posted."), code="too_late")
        outbox_undo(item=item, actor=actor, via=via)
        if action == _SUBMIT or step_id is None:
            return case_transition(
                case=case,
                name="undo_submit",
                actor=actor,
                via=via,
                details={
                    "outbox_item": item.pk,
                    "draft_version": item.draft.version if item.draft else None,
                },
            )
        _step_reopen(step_id=step_id, reviewer_id=done_by_id, actor=actor, via=via)
        return case_transition(
            case=case,
            name="undo_approve",
            actor=actor,
            via=via,
            details={"outbox_item": item.pk, "step": step_id},
        )


def _step_reopen(*, step_id: int, reviewer_id: int | None, actor: Any, via: str) -> None:
    """The last layer's step waits for a decision again: the approval that completed
    it is taken back (the reviewer may decide again), the other approvals stand."""
    step = ApprovalStep.objects.select_for_update().get(pk=step_id)
    status_transition(
        obj=step,
        name="undo_approve",
        prefix="step",
        actor=actor,
        via=via,
        fields=["decided_at"],
    )
    StepDecision.objects.filter(step=step, reviewer_id=reviewer_id).delete()


def _sent_by(case: Case) -> tuple[str, int | None, int | None]:
    """How the case last reached "approved": (the audit action, who did it, the step
    its last approval closed, if any)."""
    row = (
        AuditEvent.objects.filter(case=case, to_state=CaseState.APPROVED)
        .order_by("-created_at", "-id")
        .values_list("action", "actor_id", "details")
        .first()
    )
    if row is None:
        return _SUBMIT, None, None
    action, actor_id, details = row
    step_id = (details or {}).get("step") if action != _SUBMIT else None
    return action, actor_id, step_id


def reply_undo_offer(*, user: Any, case: Case) -> HeldReply | None:
    """The case's reply still in its undo hold, when `user` may undo it (for the
    "Sending in N s: Undo" panels); None otherwise."""
    if case.state != CaseState.APPROVED:
        return None
    held = held_replies(case_ids=[case.pk]).get(case.pk)
    if held is None:
        return None
    _action, done_by_id, _step = _sent_by(case)
    return held if authz.may_undo(user, case=case, done_by_id=done_by_id) else None
