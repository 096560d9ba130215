"""The SLA clock: remind reviewers before a step is due, escalate it once it is late.

Run by the beat task `workflows.tasks.sla_sweep` every minute. Each step is reminded
at most once (reminded_at) and escalated at most once (escalated_at), even when two
sweeps run at the same time: the step row is locked with SKIP LOCKED, and the stamp
is written by a conditional UPDATE ... WHERE <stamp> IS NULL, so only one sweep can
win it. Emails go out after commit.

The sweep also queues again the approval and consultation emails whose task was lost
(the broker was down when the action committed, see responder.queueing): a reviewer
of an open step, or a consulted expert, with no email notice a while after it
opened. The emails are idempotent (EmailNotice's unique key): queuing one whose task
is merely late sends nothing twice once either has run; only the two running at the
same moment could both send, which LOST_EMAIL_AFTER makes rare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from responder.audit.services import audit_record
from responder.inbox.models import CaseState
from responder.inbox.transitions import case_lock
from responder.queueing import enqueue_now, enqueue_on_commit
from workflows.models import ApprovalStep, Consultation, EmailNotice, StepDecision, StepStatus
from workflows.sla import step_remind_at

SWEEP_BATCH = 500
# A reminder or escalation whose email never went out is queued again for this long
# after its stamp, then left alone: a step with nobody to write to (no delegate, no
# reviewer or owner with an address) would otherwise be queued every minute for ever.
LOST_EMAIL_GIVE_UP = dt.timedelta(days=1)
# How long an email's task may take to be run before the sweep queues it again: well
# past a normal queue wait, so a late task and the sweep's rarely run at once.
LOST_EMAIL_AFTER = dt.timedelta(minutes=2)


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    escalated: int
    # Emails whose task was lost, queued again: steps and consultations.
    opened_requeued: int = 0
    consultations_requeued: int = 0
    escalations_requeued: int = 0
    reminders_requeued: int = 0
    changes_requeued: int = 0


def _claim_step(
    *, step_id: int, stamp: str, now: dt.datetime, **conditions: object
) -> ApprovalStep | None:
    """Lock an open, unstamped step and stamp it, or None if another sweep has it or
    it no longer needs it. Must run inside a transaction.

    The case row is locked first, as a decision does (approval_decide): the audit
    event written next references the case, so holding the step while waiting for the
    case would deadlock with a decision holding the case while it updates the step."""
    case_id = ApprovalStep.objects.filter(pk=step_id).values_list("case_id", flat=True).first()
    if case_id is None:
        return None
    case_lock(case_id=case_id)
    step = (
        ApprovalStep.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=step_id, status=StepStatus.OPEN, **{f"{stamp}__isnull": True}, **conditions)
        .first()
    )
    if step is None:
        return None
    won = ApprovalStep.objects.filter(pk=step_id, **{f"{stamp}__isnull": True}).update(
        **{stamp: now}
    )
    if not won:
        return None
    setattr(step, stamp, now)
    return step


def step_escalate(*, step_id: int, now: dt.datetime | None = None) -> bool:
    """Escalate one overdue step to its layer's delegate (exactly once).

    The delegate may then decide like a reviewer, with their own link; the first
    decision wins. Without a usable delegate the step is still marked escalated and
    its reviewers and the officer are told it is overdue.
    """
    now = now or timezone.now()
    with transaction.atomic():
        step = _claim_step(step_id=step_id, stamp="escalated_at", now=now, due_at__lte=now)
        if step is None:
            return False
        step = ApprovalStep.objects.select_related("case", "draft", "delegate").get(pk=step.pk)
        delegate = step.delegate
        if delegate is not None and (not delegate.is_active or delegate.pk == step.draft.author_id):
            delegate = None
        audit_record(
            action="approval.escalate",
            via="system",
            case=step.case,
            from_state=step.case.state,
            to_state=step.case.state,
            subject=step,
            details={
                "step": step.pk,
                "layer": step.position,
                "layer_name": step.name,
                "round": step.round,
                "delegate": delegate.pk if delegate else None,
                "due_at": step.due_at.isoformat() if step.due_at else None,
            },
        )

    enqueue_on_commit("workflows.tasks.step_escalated_notify", step.pk)
    return True


def step_remind(*, step_id: int, now: dt.datetime | None = None) -> bool:
    """Send the one reminder of a step to its reviewers who have not decided yet."""
    now = now or timezone.now()
    with transaction.atomic():
        step = _claim_step(step_id=step_id, stamp="reminded_at", now=now)
        if step is None:
            return False
        step = ApprovalStep.objects.select_related("case").get(pk=step.pk)
        audit_record(
            action="approval.remind",
            via="system",
            case=step.case,
            from_state=step.case.state,
            to_state=step.case.state,
            subject=step,
            details={
                "step": step.pk,
                "layer": step.position,
                "layer_name": step.name,
                "round": step.round,
                "due_at": step.due_at.isoformat() if step.due_at else None,
            },
        )

    enqueue_on_commit("workflows.tasks.step_reminder_notify", step.pk)
    return True


def sla_sweep_run(*, now: dt.datetime | None = None) -> SweepResult:
    """Escalate every overdue open step, and remind those past 75% of their SLA."""
    now = now or timezone.now()
    escalated = 0
    overdue = ApprovalStep.objects.filter(
        status=StepStatus.OPEN, due_at__lte=now, escalated_at__isnull=True
    ).values_list("pk", flat=True)[:SWEEP_BATCH]
    for step_id in list(overdue):
        escalated += step_escalate(step_id=step_id, now=now)

    reminded = 0
    pending = ApprovalStep.objects.filter(
        status=StepStatus.OPEN,
        reminded_at__isnull=True,
        escalated_at__isnull=True,
        opened_at__isnull=False,
        due_at__gt=now,
    ).select_related("case__department")[:SWEEP_BATCH]
    for step in list(pending):
        assert step.opened_at is not None
        remind_at = step_remind_at(
            department=step.case.department, opened_at=step.opened_at, sla_minutes=step.sla_minutes
        )
        if remind_at <= now:
            reminded += step_remind(step_id=step.pk, now=now)
    return SweepResult(
        reminded=reminded,
        escalated=escalated,
        opened_requeued=_lost_opened_emails_requeue(now=now),
        consultations_requeued=_lost_consultation_emails_requeue(now=now),
        escalations_requeued=_lost_escalation_emails_requeue(now=now),
        reminders_requeued=_lost_reminder_emails_requeue(now=now),
        changes_requeued=_lost_changes_emails_requeue(now=now),
    )


def _notice_key(*parts: str) -> Concat:
    """An EmailNotice key built in SQL from the outer row: "step:", "=pk", ":opened:"
    ... (a part starting with "=" is a field of the outer query)."""
    return Concat(
        *(
            Cast(OuterRef(part[1:]), output_field=CharField())
            if part.startswith("=")
            else Value(part)
            for part in parts
        ),
        output_field=CharField(),
    )


def _lost_opened_emails_requeue(*, now: dt.datetime) -> int:
    """Queue the "opened" email again for open steps where a reviewer who should have
    had it (active, with an address, not decided) has no notice at all (a notice
    refused by the mail server counts as handled). One query."""

    reviewers = ApprovalStep.reviewers.through.objects
    notice = EmailNotice.objects.filter(
        key=_notice_key("step:", "=approvalstep_id", ":opened:", "=user_id")
    )
    decided = StepDecision.objects.filter(
        step_id=OuterRef("approvalstep_id"), reviewer_id=OuterRef("user_id")
    )
    step_ids = list(
        reviewers.filter(
            approvalstep__status=StepStatus.OPEN,
            approvalstep__opened_at__lte=now - LOST_EMAIL_AFTER,
            user__is_active=True,
        )
        .exclude(user__email="")
        .exclude(Exists(decided))
        .exclude(Exists(notice))
        .order_by("approvalstep_id")
        .values_list("approvalstep_id", flat=True)
        .distinct()[:SWEEP_BATCH]
    )
    return sum(enqueue_now("workflows.tasks.step_opened_notify", step_id) for step_id in step_ids)


def _lost_consultation_emails_requeue(*, now: dt.datetime) -> int:
    """Queue the email of each unanswered consultation (of a case still open) whose
    expert has no notice. One query."""

    notice = EmailNotice.objects.filter(key=_notice_key("consult:", "=pk", ":", "=expert_id"))
    consultation_ids = list(
        Consultation.objects.filter(
            answered_at__isnull=True,
            created_at__lte=now - LOST_EMAIL_AFTER,
            expert__is_active=True,
        )
        .exclude(expert__email="")
        .exclude(case__state=CaseState.CLOSED)
        .exclude(Exists(notice))
        .order_by("pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(enqueue_now("workflows.tasks.consultation_notify", pk) for pk in consultation_ids)


def _stamped_between(stamp: str, *, now: dt.datetime) -> dict[str, dt.datetime]:
    """Stamped long enough ago for the email's task to have run, and not so long ago
    that there is no point any more (see LOST_EMAIL_GIVE_UP)."""
    return {f"{stamp}__lte": now - LOST_EMAIL_AFTER, f"{stamp}__gt": now - LOST_EMAIL_GIVE_UP}


def _steps_requeue(task: Any, steps: QuerySet[ApprovalStep], *, kinds: tuple[str, ...]) -> int:
    """Queue `task` again for the steps with no email notice of any of `kinds` for
    anyone ("step:<id>:<kind>:<person>"). One query."""
    for kind in kinds:
        prefix = _notice_key("step:", "=pk", f":{kind}:")
        # The case's notices first (by index), then the prefix among those few: a
        # LIKE on a computed pattern cannot use the key's index.
        notices = EmailNotice.objects.filter(case_id=OuterRef("case_id"), key__startswith=prefix)
        steps = steps.exclude(Exists(notices))
    step_ids = list(steps.order_by("pk").values_list("pk", flat=True)[:SWEEP_BATCH])
    return sum(enqueue_now(task, step_id) for step_id in step_ids)


def _lost_escalation_emails_requeue(*, now: dt.datetime) -> int:
    """An escalation writes to the delegate, or else to the reviewers and the officer
    ("overdue")."""

    steps = ApprovalStep.objects.filter(
        status=StepStatus.OPEN, **_stamped_between("escalated_at", now=now)
    )
    return _steps_requeue(
        "workflows.tasks.step_escalated_notify", steps, kinds=("escalated", "overdue")
    )


def _lost_reminder_emails_requeue(*, now: dt.datetime) -> int:

    steps = ApprovalStep.objects.filter(
        status=StepStatus.OPEN,
        escalated_at__isnull=True,  # the escalation supersedes the reminder
        **_stamped_between("reminded_at", now=now),
    )
    return _steps_requeue("workflows.tasks.step_reminder_notify", steps, kinds=("reminder",))


def _lost_changes_emails_requeue(*, now: dt.datetime) -> int:
    """The officer's "changes requested", only while the draft is still being changed:
    later, the news is stale."""

    steps = ApprovalStep.objects.filter(
        status=StepStatus.CHANGES_REQUESTED,
        case__state=CaseState.DRAFTING,
        case__owner__isnull=False,
        **_stamped_between("decided_at", now=now),
    )
    return _steps_requeue("workflows.tasks.changes_requested_notify", steps, kinds=("changes",))
