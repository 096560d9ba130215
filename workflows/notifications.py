"""Emails about approval steps, consultations and comments.

Each email is rendered from a text and an HTML template in the recipient's
language, with dates in the case department's time zone, and sent through Django's
default mailer (settings.MAILERS). Every email is recorded as an EmailNotice with a
unique key first, so running a notification task twice sends nothing twice.
Emails that ask for a decision carry one signed link for that person alone.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from responder.accounts.models import User
from responder.inbox.models import Case, CaseState
from responder.inbox.notifications import wants_email
from responder.inbox.thread import case_thread
from workflows import tokens
from workflows.models import (
    ApprovalStep,
    CaseComment,
    Consultation,
    EmailNotice,
    StepDecision,
    StepStatus,
)
from workflows.response_reminders import response_reminder_recipients
from workflows.review_selectors import step_approval_count
from workflows.sla import zone_named

logger = logging.getLogger(__name__)


def case_url(case: Case) -> str:
    return f"{settings.SITE_URL}/cases/{case.pk}/"


def _deliver(
    *,
    key: str,
    kind: str,
    recipient: User,
    case: Case | None,
    template: str,
    subject: Any,
    context: dict[str, Any],
) -> bool:
    """Render and send one email unless this notice was already sent."""
    if not recipient.is_active or not recipient.email:
        return False
    if kind == "changes_requested" and not wants_email(user_id=recipient.pk, kind=kind):
        return False  # the person keeps it to the bell (notification preferences)
    notice, _created = EmailNotice.objects.get_or_create(
        key=key[:120], defaults={"kind": kind, "recipient": recipient, "case": case}
    )
    if notice.sent_at is not None:
        return False
    zone = zone_named(case.department.timezone) if case is not None else zone_named("")
    with (
        translation.override(recipient.language or settings.LANGUAGE_CODE),
        timezone.override(zone),
    ):
        ctx = {"recipient": recipient, "case": case, "site_url": settings.SITE_URL, **context}
        subject_text = " ".join(str(subject(ctx) if callable(subject) else subject).split())
        text = render_to_string(f"email/{template}.txt", ctx)
        html = render_to_string(f"email/{template}.html", ctx)
    message = EmailMultiAlternatives(subject_text, text, None, [recipient.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        # A bad address must not stop the emails to the other reviewers, and retrying
        # will not fix it; the notice stays unsent for an admin to see.
        logger.warning("email %s refused for user %s", kind, recipient.pk)
        return False
    EmailNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    # The address and the notice key only: never the link.
    logger.info("email %s sent to user %s", kind, recipient.pk)
    return True


def _undecided_reviewers(step: ApprovalStep) -> Iterable[User]:
    decided = StepDecision.objects.filter(step=step).values_list("reviewer_id", flat=True)
    return step.reviewers.filter(is_active=True).exclude(email="").exclude(pk__in=decided)


def _review_context(step: ApprovalStep, user: User, kind: str) -> dict[str, Any]:
    token = tokens.review_token_make(step_id=step.pk, user_id=user.pk)
    return {
        "kind": kind,
        "step": step,
        "draft": step.draft,
        "author": step.draft.author,
        "thread": case_thread(case=step.case),
        "approvals": step_approval_count(step=step),
        "link": tokens.review_url(token),
        "link_hours": settings.REVIEW_LINK_MAX_AGE_HOURS,
    }


def _review_subject(kind: str, step: ApprovalStep) -> Any:
    def subject(ctx: dict[str, Any]) -> str:
        if kind == "reminder":
            return _("Reminder: a reply is waiting for your approval (case #%(id)s)") % {
                "id": step.case_id
            }
        if kind == "escalated":
            return _("Overdue: please decide on this reply (case #%(id)s)") % {"id": step.case_id}
        return _("Reply to approve: case #%(id)s") % {"id": step.case_id}

    return subject


def _load_step(step_id: int) -> ApprovalStep | None:
    return (
        ApprovalStep.objects.select_related(
            "case__department", "case__parent", "draft__author", "delegate"
        )
        .filter(pk=step_id)
        .first()
    )


def _send_review_requests(step: ApprovalStep, users: Iterable[User], kind: str) -> int:
    sent = 0
    for user in users:
        sent += _deliver(
            key=f"step:{step.pk}:{kind}:{user.pk}",
            kind=f"step_{kind}",
            recipient=user,
            case=step.case,
            template="review_request",
            subject=_review_subject(kind, step),
            context=_review_context(step, user, kind),
        )
    return sent


def step_opened_send(*, step_id: int) -> int:
    """Ask each reviewer of a newly opened step for a decision."""
    step = _load_step(step_id)
    if step is None or step.status != StepStatus.OPEN:
        return 0
    return _send_review_requests(step, _undecided_reviewers(step), "opened")


def step_reminder_send(*, step_id: int) -> int:
    step = _load_step(step_id)
    if step is None or step.status != StepStatus.OPEN:
        return 0
    return _send_review_requests(step, _undecided_reviewers(step), "reminder")


def step_escalated_send(*, step_id: int) -> int:
    """Give the layer's delegate their own link; without one, tell the reviewers and
    the officer that the step is overdue."""
    step = _load_step(step_id)
    if step is None or step.status != StepStatus.OPEN:
        return 0
    delegate = step.delegate
    if delegate is not None and delegate.is_active and delegate.pk != step.draft.author_id:
        return _send_review_requests(step, [delegate], "escalated")
    sent = _send_review_requests(step, _undecided_reviewers(step), "escalated")
    owner = step.case.owner
    if owner is not None:
        sent += _deliver(
            key=f"step:{step.pk}:overdue:{owner.pk}",
            kind="step_overdue",
            recipient=owner,
            case=step.case,
            template="step_overdue",
            subject=lambda ctx: _("Approval overdue on case #%(id)s") % {"id": step.case_id},
            context={"step": step, "case_link": case_url(step.case)},
        )
    return sent


def step_unroutable_send(*, step_id: int) -> int:
    """Tell the site admins (superusers) that a pending step has nobody left who may
    decide it, after its reviewers lost their role: someone must add a reviewer."""
    step = _load_step(step_id)
    if step is None or step.status not in (StepStatus.OPEN, StepStatus.WAITING):
        return 0
    sent = 0
    for admin in User.objects.filter(is_superuser=True, is_active=True).exclude(email=""):
        sent += _deliver(
            key=f"step:{step.pk}:unroutable:{admin.pk}",
            kind="step_unroutable",
            recipient=admin,
            case=step.case,
            template="step_unroutable",
            subject=lambda ctx: (
                _("Nobody can approve case #%(id)s any more") % {"id": step.case_id}
            ),
            context={"step": step, "case_link": case_url(step.case)},
        )
    return sent


def changes_requested_send(*, step_id: int) -> int:
    """Tell the officer who owns the case that a reviewer sent the draft back."""
    step = _load_step(step_id)
    if step is None:
        return 0
    owner = step.case.owner
    decision = (
        StepDecision.objects.filter(step=step, decision="request_changes")
        .select_related("reviewer")
        .order_by("-created_at")
        .first()
    )
    if owner is None or decision is None:
        return 0
    return _deliver(
        key=f"step:{step.pk}:changes:{owner.pk}",
        kind="changes_requested",
        recipient=owner,
        case=step.case,
        template="changes_requested",
        subject=lambda ctx: _("Changes requested on case #%(id)s") % {"id": step.case_id},
        context={
            "step": step,
            "decision": decision,
            "draft": step.draft,
            "case_link": case_url(step.case),
        },
    )


def consultation_send(*, consultation_id: int) -> int:
    consultation = (
        Consultation.objects.select_related("case__department", "case__parent", "requested_by")
        .filter(pk=consultation_id, answered_at__isnull=True)
        .first()
    )
    if consultation is None:
        return 0
    expert = consultation.expert
    token = tokens.consult_token_make(consultation_id=consultation.pk, user_id=expert.pk)
    case = consultation.case
    draft = case.drafts.order_by("-version").select_related("author").first()
    return _deliver(
        key=f"consult:{consultation.pk}:{expert.pk}",
        kind="consultation",
        recipient=expert,
        case=case,
        template="consultation_request",
        subject=lambda ctx: (
            _("Your input is requested on a citizen's question (case #%(id)s)") % {"id": case.pk}
        ),
        context={
            "consultation": consultation,
            "thread": case_thread(case=case),
            "draft": draft,
            "link": tokens.review_url(token),
            "link_hours": settings.REVIEW_LINK_MAX_AGE_HOURS,
        },
    )


def comment_added_send(*, comment_id: int) -> int:
    """A reviewer's or expert's comment goes to the officer who owns the case; an
    officer's comment goes to the reviewers of the open step, each with their link."""
    comment = (
        CaseComment.objects.select_related("case__department", "case__owner", "author")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        return 0
    case = comment.case
    if comment.consultation_id is not None and comment.author_id == (
        comment.consultation.requested_by_id if comment.consultation else None
    ):
        return 0  # the question of a consultation has its own email
    owner = case.owner
    if owner is not None and owner.pk != comment.author_id:
        return _deliver(
            key=f"comment:{comment.pk}:{owner.pk}",
            kind="comment",
            recipient=owner,
            case=case,
            template="comment_added",
            subject=lambda ctx: _("New comment on case #%(id)s") % {"id": case.pk},
            context={"comment": comment, "case_link": case_url(case), "link": ""},
        )
    sent = 0
    step = (
        ApprovalStep.objects.filter(case=case, status=StepStatus.OPEN)
        .select_related("case", "draft")
        .first()
    )
    if step is None:
        return 0
    for user in _undecided_reviewers(step):
        if user.pk == comment.author_id:
            continue
        token = tokens.review_token_make(step_id=step.pk, user_id=user.pk)
        sent += _deliver(
            key=f"comment:{comment.pk}:{user.pk}",
            kind="comment",
            recipient=user,
            case=case,
            template="comment_added",
            subject=lambda ctx: _("New comment on case #%(id)s") % {"id": case.pk},
            context={"comment": comment, "case_link": "", "link": tokens.review_url(token)},
        )
    return sent


def response_reminder_send(*, case_id: int) -> int:
    """Remind the owner (or the department's officers) that a case's first response is
    due soon or overdue; each person once per case."""

    case = Case.objects.select_related("department", "owner").filter(pk=case_id).first()
    if case is None or case.respond_by is None or case.first_response_at is not None:
        return 0
    if case.state == CaseState.CLOSED:
        return 0
    sent = 0
    for person in response_reminder_recipients(case):
        sent += _deliver(
            key=f"case:{case.pk}:respond:{person.pk}",
            kind="response_due",
            recipient=person,
            case=case,
            template="response_due",
            subject=lambda ctx: _("First response due on case #%(id)s") % {"id": case.pk},
            context={
                "case_link": case_url(case),
                "overdue": case.respond_by <= timezone.now(),
                "is_owner": person.pk == case.owner_id,
                # Officers are told why they get it (the default footer is reviewers').
                "footer": _(
                    "Responder · You get this email because you answer citizens for "
                    "your department."
                ),
            },
        )
    return sent
