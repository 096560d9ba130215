"""Membership changes take effect on pending approval work.

When a person loses the reviewing role in a department (their SME, approver or admin
membership is deleted or changes role) or is deactivated, `reviewer_revoke` takes
them off every open or waiting approval step they may no longer decide, and routes
each step on: to the other active holders of the layer's role, else the step's
delegate, else the department's admins. Their emailed links then answer 410 (see
workflows.tokens, LinkProblem.REVOKED) and "Waiting for me" no longer lists the steps.

The receivers at the end of this module make every path (admin pages, services, the
shell) trigger it; the work itself is the service's. Bulk `QuerySet.update()` sends no
signals: code that changes roles or deactivates people in bulk must save each row (as
the admin's "Deactivate" action does) or call `reviewer_revoke` itself.

Each case is locked while its steps are changed (responder.inbox.transitions.case_lock),
so a removal and a decision on the same step are serialised: the decision either came
first and stands, or it is refused because the person is no longer a reviewer.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from responder.accounts import authz
from responder.accounts.changes import people_change_actor
from responder.accounts.models import Membership, Role, User
from responder.accounts.selectors import people_with_role
from responder.inbox.transitions import case_lock, case_touch
from responder.queueing import enqueue_on_commit
from workflows.models import (
    ApprovalStep,
    Decision,
    StepDecision,
    StepReviewerRemoval,
    StepStatus,
)

logger = logging.getLogger(__name__)

REVIEWING_ROLES: tuple[str, ...] = (Role.SME, Role.APPROVER, Role.ADMIN)
PENDING = (StepStatus.OPEN, StepStatus.WAITING)


class Reason:
    """Why a person was taken off (stored on the removal and in the audit event)."""

    MEMBERSHIP_DELETED = "membership_deleted"
    ROLE_CHANGED = "role_changed"
    DEACTIVATED = "deactivated"
    DELETED = "deleted"


@dataclass
class Reroute:
    """Who a step went to after a removal."""

    added: list[User] = field(default_factory=list)
    fallback: str = ""  # "role", "delegate", "admins", or "" when none was needed
    unroutable: bool = False


def reviewer_revoke(
    *, user_id: int, department_id: int | None, actor: Any, via: str, reason: str
) -> list[int]:
    """Take the person off the pending steps of the department (all departments when
    None) that they may no longer decide, and route each step on. Returns the ids of
    the steps changed; running it again changes nothing. Steps the person still may
    decide (another reviewing role, an admin role there) are left alone, unless the
    reason is Reason.DELETED (the person is about to be deleted)."""
    by_case: dict[int, list[int]] = defaultdict(list)
    for step_id, case_id in _pending_steps_of(user_id=user_id, department_id=department_id):
        by_case[case_id].append(step_id)
    changed: list[int] = []
    # One case at a time, in id order, each in its own (nested) transaction.
    for case_id in sorted(by_case):
        with transaction.atomic():
            changed += _case_revoke(
                case_id=case_id,
                step_ids=by_case[case_id],
                user_id=user_id,
                actor=actor,
                via=via,
                reason=reason,
            )
    return changed


def _pending_steps_of(*, user_id: int, department_id: int | None) -> list[tuple[int, int]]:
    reviewer_of = ApprovalStep.reviewers.through.objects.filter(user_id=user_id).values(
        "approvalstep_id"
    )
    steps = ApprovalStep.objects.filter(status__in=PENDING).filter(
        Q(pk__in=reviewer_of) | Q(delegate_id=user_id)
    )
    if department_id is not None:
        # Reviewers decide with a role in the case's department (authz).
        steps = steps.filter(case__department_id=department_id)
    return list(steps.order_by("case_id", "pk").values_list("pk", "case_id"))


def _case_revoke(
    *, case_id: int, step_ids: list[int], user_id: int, actor: Any, via: str, reason: str
) -> list[int]:
    case = case_lock(case_id=case_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return []
    steps = (
        ApprovalStep.objects.filter(pk__in=step_ids, status__in=PENDING)
        .select_related("draft", "layer", "case__department")
        .order_by("position")
    )
    changed = []
    for step in steps:
        if not _holds_step(step, user):
            continue
        # A person being deleted still has their memberships until the cascade.
        if reason != Reason.DELETED and _still_entitled(step, user):
            continue
        if StepDecision.objects.filter(step=step, reviewer=user).exists():
            continue  # their decision stands; nothing is pending from them
        reroute = _step_reroute(step, removed=user, reason=reason)
        case_touch(
            case=case,
            action="approval.reviewer_removed",
            actor=actor,
            via=via,
            subject=step,
            details=_details(step, removed=user, reroute=reroute, reason=reason),
        )
        _notify(step, reroute)
        changed.append(step.pk)
    return changed


def _holds_step(step: ApprovalStep, user: User) -> bool:
    return step.delegate_id == user.pk or step.reviewers.filter(pk=user.pk).exists()


def _review_department_id(step: ApprovalStep) -> int | None:
    """Reviewers decide with a reviewing role in the case's department (authz)."""
    return step.case.department_id


def _still_entitled(step: ApprovalStep, user: User) -> bool:
    """May `user` still decide this step? Active, and holding the layer's role (any
    reviewing role for a delegate or a named reviewer) where the layer asks for it;
    an admin of that department (or a superuser) always may."""
    if not user.is_active:
        return False
    layer = step.layer
    roles: tuple[str, ...] = (Role.SME, Role.APPROVER)
    named = layer is not None and layer.reviewers.filter(pk=user.pk).exists()
    if layer is not None and layer.reviewer_role and not named and step.delegate_id != user.pk:
        roles = (layer.reviewer_role,)
    return authz.has_role(user, roles, _review_department_id(step))


def _step_reroute(step: ApprovalStep, *, removed: User, reason: str) -> Reroute:
    """Take `removed` off the step, then add people until it can be decided again."""
    step.reviewers.remove(removed)
    if step.delegate_id == removed.pk:
        step.delegate = None
        step.save(update_fields=["delegate"])
    StepReviewerRemoval.objects.create(step=step, user_id=removed.pk, reason=reason)

    decisions = StepDecision.objects.filter(step=step)
    decided = set(decisions.values_list("reviewer_id", flat=True))
    approvals = decisions.filter(decision__in=(Decision.APPROVE, Decision.EDIT_APPROVE)).count()
    needed = max(step.approvals_required - approvals, 0)
    current = set(step.reviewers.values_list("pk", flat=True))
    pending = set(step.reviewers.filter(is_active=True).values_list("pk", flat=True)) - decided
    excluded = current | decided | {removed.pk, step.draft.author_id}
    reroute = Reroute()

    def take(people: list[User], fallback: str) -> None:
        fresh = [p for p in people if p.pk not in excluded]
        if fresh:
            step.reviewers.add(*fresh)
            reroute.added += fresh
            reroute.fallback = reroute.fallback or fallback
            excluded.update(p.pk for p in fresh)

    def short() -> bool:
        return len(pending) + len(reroute.added) < needed

    department = step.case.department
    if step.layer is not None and step.layer.reviewer_role and not step.layer.reviewers.exists():
        if step.layer.reviewer_department is not None:
            department = step.layer.reviewer_department
        take(list(people_with_role(department=department, role=step.layer.reviewer_role)), "role")
    if short() and step.delegate is not None and _still_entitled(step, step.delegate):
        take([step.delegate], "delegate")
    if short():
        take(list(people_with_role(department=department, role=Role.ADMIN)), "admins")
    reroute.unroutable = short()
    return reroute


def _details(step: ApprovalStep, *, removed: User, reroute: Reroute, reason: str) -> dict[str, Any]:
    return {
        "step": step.pk,
        "layer": step.position,
        "layer_name": step.name,
        "round": step.round,
        # Not "reason": the case history shows a "reason" as free text; this is a code.
        "cause": reason,
        "removed": removed.pk,
        "removed_name": str(removed),
        "added": [p.pk for p in reroute.added],
        "added_names": [str(p) for p in reroute.added],
        "fallback": reroute.fallback,
        "unroutable": reroute.unroutable,
    }


def _notify(step: ApprovalStep, reroute: Reroute) -> None:

    # Only the newly added reviewers get an email: the others' notices were sent.
    if reroute.added and step.status == StepStatus.OPEN:
        enqueue_on_commit("workflows.tasks.step_opened_notify", step.pk)
    if reroute.unroutable:
        logger.warning("approval step %s has nobody left who may decide it", step.pk)
        enqueue_on_commit("workflows.tasks.step_unroutable_notify", step.pk)


# --- triggers: every path that removes a role or a person ---------------------------


def _revoke_now(*, user_id: int, department_id: int | None, reason: str) -> None:
    who = people_change_actor()
    reviewer_revoke(
        user_id=user_id, department_id=department_id, actor=who.actor, via=who.via, reason=reason
    )


def membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    if instance.role in REVIEWING_ROLES:
        _revoke_now(
            user_id=instance.user_id,
            department_id=instance.department_id,
            reason=Reason.MEMBERSHIP_DELETED,
        )


def membership_saving(sender: Any, instance: Membership, **kwargs: Any) -> None:
    """Remember the role and department the row had, to see what was lost."""
    if instance.pk is None or kwargs.get("raw"):
        instance._previous = None  # type: ignore[attr-defined]
        return
    instance._previous = (  # type: ignore[attr-defined]
        Membership.objects.filter(pk=instance.pk).values_list("role", "department_id").first()
    )


def membership_saved(sender: Any, instance: Membership, created: bool, **kwargs: Any) -> None:
    previous = getattr(instance, "_previous", None)
    if created or previous is None:
        return
    role, department_id = previous
    if role in REVIEWING_ROLES and (role, department_id) != (
        instance.role,
        instance.department_id,
    ):
        _revoke_now(
            user_id=instance.user_id, department_id=department_id, reason=Reason.ROLE_CHANGED
        )


def user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and "is_active" not in update_fields:
        return  # e.g. last_login: nothing about their roles changed
    if not created and not instance.is_active and not kwargs.get("raw"):
        _revoke_now(user_id=instance.pk, department_id=None, reason=Reason.DEACTIVATED)


def user_deleting(sender: Any, instance: User, **kwargs: Any) -> None:
    _revoke_now(user_id=instance.pk, department_id=None, reason=Reason.DELETED)


def receivers_connect() -> None:
    uid = "workflows.revocation"
    pre_save.connect(membership_saving, sender=Membership, dispatch_uid=f"{uid}.m_pre")
    post_save.connect(membership_saved, sender=Membership, dispatch_uid=f"{uid}.m_post")
    post_delete.connect(membership_deleted, sender=Membership, dispatch_uid=f"{uid}.m_del")
    post_save.connect(user_saved, sender=User, dispatch_uid=f"{uid}.u_post")
    pre_delete.connect(user_deleting, sender=User, dispatch_uid=f"{uid}.u_del")
