"""Approval steps: opening them from a policy, and deciding them."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.accounts.selectors import people_with_role
from responder.channels.services import outbox_create
from responder.errors import ConflictError, ValidationError
from responder.fsm import status_transition, status_transition_many
from responder.inbox.checks import outgoing_checks_require
from responder.inbox.models import Case, CaseState, Draft
from responder.inbox.transitions import case_lock, case_touch, case_transition
from responder.queueing import enqueue_on_commit
from workflows.models import (
    ApprovalLayer,
    ApprovalPolicy,
    ApprovalStep,
    Decision,
    StepDecision,
    StepStatus,
)
from workflows.sla import step_due_at

APPROVING = (Decision.APPROVE, Decision.EDIT_APPROVE)


def layer_reviewers(*, layer: ApprovalLayer, case: Case) -> list[User]:
    """Named reviewers if any, else everyone with the layer's role in its department;
    of them, only those who hold a reviewing role in the case's department (authz), so
    that nobody is asked to decide what they may not."""
    named = list(layer.reviewers.filter(is_active=True))
    if named:
        return authz.with_reviewing_role(named, case)
    if not layer.reviewer_role:
        return []
    department = layer.reviewer_department or case.department
    holders = list(people_with_role(department=department, role=layer.reviewer_role))
    return authz.with_reviewing_role(holders, case)


def layer_delegate(*, layer: ApprovalLayer, case: Case) -> User | None:
    """The layer's delegate, if they may decide a step of this case once it escalates."""
    if layer.delegate is None:
        return None
    qualified = authz.with_reviewing_role([layer.delegate], case)
    return qualified[0] if qualified else None


def _notify_step_opened(step_ids: list[int]) -> None:

    # A lost task (broker down) is queued again by the SLA sweep (sla_sweep_run).
    for step_id in step_ids:
        enqueue_on_commit("workflows.tasks.step_opened_notify", step_id)


def _open_step(step: ApprovalStep, *, now: Any, actor: Any, via: str) -> None:
    status_transition(
        obj=step,
        name="open",
        prefix="step",
        actor=actor,
        via=via,
        fields=["opened_at", "due_at"],
        details={"layer": step.position, "round": step.round},
        now=now,
        due_at=step_due_at(
            department=step.case.department, opened_at=now, sla_minutes=step.sla_minutes
        ),
    )


def steps_create(
    *, case: Case, draft: Draft, policy: ApprovalPolicy, actor: Any, via: str
) -> list[ApprovalStep]:
    """Copy the policy's layers into steps for this submission and open the first.

    The case must be locked by the caller. Refuses a layer nobody could approve.
    """
    layers = list(
        policy.layers.order_by("position").select_related("reviewer_department", "delegate")
    )
    last_round = case.approval_steps.aggregate(r=Max("round"))["r"] or 0
    now = timezone.now()
    steps: list[ApprovalStep] = []
    for index, layer in enumerate(layers, start=1):
        reviewers = [r for r in layer_reviewers(layer=layer, case=case) if r.pk != draft.author_id]
        if len(reviewers) < layer.approvals_required:
            raise ConflictError(
                _(
                    "Layer “%(layer)s” of policy “%(policy)s” needs %(needed)s reviewer(s) "
                    "other than the author, and has %(have)s. Ask an admin to fix the policy."
                )
                % {
                    "layer": layer.localized_name,
                    "policy": policy.localized_name,
                    "needed": layer.approvals_required,
                    "have": len(reviewers),
                },
                code="policy_unusable",
            )
        step = ApprovalStep.objects.create(
            case=case,
            draft=draft,
            round=last_round + 1,
            position=index,
            name=layer.name,
            name_fr=layer.name_fr,
            policy=policy,
            policy_name=policy.name,
            policy_name_fr=policy.name_fr,
            policy_version=policy.version,
            layer=layer,
            approvals_required=layer.approvals_required,
            sla_minutes=layer.sla_minutes,
            delegate=layer_delegate(layer=layer, case=case),
        )
        step.reviewers.set(reviewers)
        steps.append(step)
    if steps:
        _open_step(steps[0], now=now, actor=actor, via=via)
        _notify_step_opened([steps[0].pk])
    return steps


def steps_cancel(*, case: Case, actor: Any, via: str) -> int:
    """Cancel the open and waiting steps of a case (withdrawn or sent back); the
    case is locked by the caller."""
    steps = list(
        ApprovalStep.objects.select_for_update()
        .filter(case=case, status__in=[StepStatus.OPEN, StepStatus.WAITING])
        .order_by("pk")
    )
    status_transition_many(
        objs=steps,
        name="cancel",
        prefix="step",
        actor=actor,
        via=via,
        fields=["decided_at"],
        arguments=[{"now": timezone.now()}] * len(steps),
    )
    return len(steps)


def approval_decide(
    *,
    step_id: int,
    reviewer: User,
    decision: str,
    via: str,
    comment: str = "",
    edited_text: str = "",
    expected_version: int | None = None,
) -> ApprovalStep:
    """Record one reviewer's decision on an open step, and move the case on.

    Approving the last layer approves the case and writes the outbox row in the
    same transaction. The case row is locked, so two reviewers deciding at once are
    serialised: the second sees the step already decided and gets a conflict.
    """
    comment = comment.strip()
    _decision_validate(decision=decision, comment=comment, edited_text=edited_text)
    with transaction.atomic():
        case, step = _decidable_step(
            step_id=step_id, reviewer=reviewer, expected_version=expected_version
        )
        decision, draft, details = approval_record(
            case=case,
            step=step,
            reviewer=reviewer,
            decision=decision,
            via=via,
            comment=comment,
            edited_text=edited_text,
        )
        if decision == Decision.REQUEST_CHANGES:
            approval_request_changes(
                case=case, step=step, reviewer=reviewer, via=via, details=details
            )
            return step
        approvals = StepDecision.objects.filter(step=step, decision__in=APPROVING).count()
        if approvals < step.approvals_required:
            details["approvals"] = approvals
            details["approvals_required"] = step.approvals_required
            case_touch(
                case=case,
                action="approval.approve",
                actor=reviewer,
                via=via,
                subject=step,
                details=details,
            )
            return step
        if not approval_advance_layer(
            case=case, step=step, reviewer=reviewer, via=via, details=details
        ):
            approval_approve(case=case, draft=draft, reviewer=reviewer, via=via, details=details)
        return step


def _decision_validate(*, decision: str, comment: str, edited_text: str) -> None:
    if decision not in Decision.values:
        raise ValidationError(_("Unknown decision: %(d)s.") % {"d": decision})
    if decision == Decision.REQUEST_CHANGES and not comment:
        raise ValidationError(_("Say what should change: a comment is required."))
    if decision == Decision.EDIT_APPROVE and not edited_text.strip():
        raise ValidationError(_("The edited reply is empty."))


def _decidable_step(
    *, step_id: int, reviewer: User, expected_version: int | None
) -> tuple[Case, ApprovalStep]:
    """Lock the step's case; the step, if this reviewer may decide it now."""
    try:
        case_id = ApprovalStep.objects.values_list("case_id", flat=True).get(pk=step_id)
    except ApprovalStep.DoesNotExist:
        raise ConflictError(_("This approval step does not exist."), code="not_found") from None
    case = case_lock(case_id=case_id, expected_version=expected_version)
    step = ApprovalStep.objects.select_related("draft", "case").get(pk=step_id)
    # Asked again at decision time: roles may have changed since the step opened.
    authz.require(
        reviewer,
        Action.STEP_DECIDE,
        step,
        message=_("You are not a reviewer of this approval step."),
    )
    if step.status != StepStatus.OPEN or case.state != CaseState.IN_REVIEW:
        raise ConflictError(
            _("This approval step was already decided (%(status)s).")
            % {"status": step.get_status_display().lower()},
            code="already_decided",
        )
    if StepDecision.objects.filter(step=step, reviewer=reviewer).exists():
        raise ConflictError(
            _("You already decided this step; it is waiting for another reviewer."),
            code="already_decided",
        )
    return case, step


def approval_record(
    *,
    case: Case,
    step: ApprovalStep,
    reviewer: User,
    decision: str,
    via: str,
    comment: str,
    edited_text: str,
) -> tuple[str, Draft, dict[str, Any]]:
    """Write the reviewer's decision on the step (an edit becomes a new draft version
    that later layers review). Returns the decision as recorded (an edit that changes
    nothing is an approval), the draft now under review, and the audit details."""
    draft = step.draft
    edited_draft = None
    if decision == Decision.EDIT_APPROVE:
        # The reviewer's text is checked exactly as the officer's draft is, from
        # every door (emailed link, signed-in page, API).
        outgoing_checks_require(case=case, text=edited_text, language=draft.language)
        if " ".join(edited_text.split()) == " ".join(draft.text.split()):
            decision = Decision.APPROVE
        else:
            edited_draft = _edited_draft(
                case=case, step=step, draft=draft, text=edited_text, reviewer=reviewer, via=via
            )
            draft = edited_draft
    StepDecision.objects.create(
        step=step,
        reviewer=reviewer,
        decision=decision,
        comment=comment,
        edited_draft=edited_draft,
        via=via,
    )
    details: dict[str, Any] = {
        "step": step.pk,
        "layer": step.position,
        "layer_name": step.name,
        "decision": decision,
        "round": step.round,
    }
    if comment:
        details["comment"] = comment
    if edited_draft is not None:
        details["edited_draft_version"] = edited_draft.version
    return decision, draft, details


def _edited_draft(
    *, case: Case, step: ApprovalStep, draft: Draft, text: str, reviewer: User, via: str
) -> Draft:
    edited = Draft.objects.create(
        case=case,
        version=(case.drafts.aggregate(v=Max("version"))["v"] or 0) + 1,
        text=text.strip(),
        language=draft.language,
        author=reviewer,
        via=via,
        edited_from=draft,
        private_reply=draft.private_reply,
    )
    # Later layers review what will actually be posted.
    ApprovalStep.objects.filter(case=case, round=step.round, position__gte=step.position).update(
        draft=edited
    )
    return edited


def approval_request_changes(
    *, case: Case, step: ApprovalStep, reviewer: User, via: str, details: dict[str, Any]
) -> None:
    """The step sends the draft back: its round ends, the case returns to drafting."""
    status_transition(
        obj=step,
        name="request_changes",
        prefix="step",
        actor=reviewer,
        via=via,
        fields=["decided_at"],
        now=timezone.now(),
    )
    steps_cancel(case=case, actor=reviewer, via=via)
    case_transition(
        case=case,
        name="request_changes",
        actor=reviewer,
        via=via,
        details=details,
        action="approval.request_changes",
    )
    _notify_changes_requested(case_id=case.pk, step_id=step.pk)


def approval_advance_layer(
    *, case: Case, step: ApprovalStep, reviewer: User, via: str, details: dict[str, Any]
) -> bool:
    """The step has its approvals: close it and open the next layer of its round.
    False when it was the last layer (the case is then to be approved)."""
    now = timezone.now()
    status_transition(
        obj=step,
        name="approve",
        prefix="step",
        actor=reviewer,
        via=via,
        fields=["decided_at"],
        now=now,
    )
    next_step = (
        ApprovalStep.objects.filter(case=case, round=step.round, status=StepStatus.WAITING)
        .select_related("case__department")
        .order_by("position")
        .first()
    )
    if next_step is None:
        return False
    _open_step(next_step, now=now, actor=reviewer, via=via)
    _notify_step_opened([next_step.pk])
    details["next_layer"] = next_step.position
    case_touch(
        case=case,
        action="approval.approve",
        actor=reviewer,
        via=via,
        subject=step,
        details=details,
    )
    return True


def approval_approve(
    *, case: Case, draft: Draft, reviewer: User, via: str, details: dict[str, Any]
) -> None:
    """The last layer approved: the case is approved and its reply queued to post, in
    this transaction."""
    case_transition(
        case=case,
        name="approve",
        actor=reviewer,
        via=via,
        details=details,
        action="approval.approve",
    )
    outbox_create(case=case, draft=draft)


def _notify_changes_requested(*, case_id: int, step_id: int) -> None:

    enqueue_on_commit("workflows.tasks.changes_requested_notify", step_id)
