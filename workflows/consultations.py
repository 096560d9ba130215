"""The conversation around a case: comments between officers and reviewers, and
consultations of experts in other departments (comment only, no approval right)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import Department, Role, User
from responder.audit.services import audit_record
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox.models import Case, CaseState
from responder.inbox.notification_models import NotificationKind
from responder.inbox.notifications import mentioned_users, notify
from responder.inbox.transitions import case_lock
from responder.queueing import enqueue_on_commit
from workflows.models import ApprovalStep, CaseComment, Consultation

COMMENT_MAX_LENGTH = 5000
EXPERT_ROLES = (Role.SME, Role.APPROVER)


def _clean_text(text: str, *, empty_message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(empty_message)
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(_("Keep it under %(n)s characters.") % {"n": COMMENT_MAX_LENGTH})
    return text


def comment_participant(*, case: Case, user: User) -> bool:
    """Officers of the case's department, the people asked to decide its steps (of any
    round; delegates once escalated) and the experts consulted on it may take part in
    its comment thread."""
    if not authz.is_active_person(user):
        return False
    if authz.may(user, Action.CASE_WORK, case):
        return True
    asked = ApprovalStep.objects.filter(case=case).filter(
        Q(reviewers=user) | Q(delegate=user, escalated_at__isnull=False)
    )
    if asked.exists() and authz.holds_reviewing_role(user, case):
        return True
    return Consultation.objects.filter(case=case, expert=user).exists()


def comment_add(
    *,
    case_id: int,
    author: User,
    text: str,
    via: str,
    consultation_id: int | None = None,
) -> CaseComment:
    """Add a comment to a case's thread and tell the other side by email.

    With `consultation_id`, the comment is the expert's answer to that consultation:
    it closes the consultation (an answer is recorded once).
    """
    text = _clean_text(text, empty_message=_("Write a comment first."))
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        consultation = None
        if consultation_id is not None:
            consultation = Consultation.objects.filter(pk=consultation_id, case=case).first()
            if consultation is None or consultation.expert_id != author.pk:
                raise PermissionDenied(_("This consultation was not sent to you."))
            answered = Consultation.objects.filter(
                pk=consultation.pk, answered_at__isnull=True
            ).update(answered_at=timezone.now())
            if not answered:
                raise ConflictError(
                    _("You already answered this consultation."), code="already_answered"
                )
        elif not comment_participant(case=case, user=author):
            raise PermissionDenied(_("Only the people working on this case can comment on it."))
        open_step = ApprovalStep.objects.filter(case=case, status="open").order_by("-round").first()
        comment = CaseComment.objects.create(
            case=case,
            author=author,
            text=text,
            via=via,
            consultation=consultation,
            step=open_step,
        )
        details: dict[str, object] = {"comment": comment.pk}
        if consultation is not None:
            details["consultation"] = consultation.pk
        audit_record(
            action="consultation.reply" if consultation else "case.comment",
            via=via,
            actor=author,
            case=case,
            from_state=case.state,
            to_state=case.state,
            subject=comment,
            details=details,
        )
        _notify_mentions(case=case, comment=comment)

    enqueue_on_commit("workflows.tasks.comment_added_notify", comment.pk)
    return comment


def experts_for_consultation(*, case: Case) -> list[User]:
    """Subject-matter experts and approvers of the other departments."""
    return list(
        User.objects.filter(is_active=True, memberships__role__in=EXPERT_ROLES)
        .exclude(memberships__department_id=case.department_id, memberships__role__in=EXPERT_ROLES)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def _expert_department(expert: User, *, case: Case) -> Department | None:
    """A department other than the case's where `expert` holds an expert's role."""
    departments = authz.departments_where(expert, roles=EXPERT_ROLES)
    others = Department.objects.exclude(pk=case.department_id).order_by("name", "pk")
    if departments is not None:
        others = others.filter(pk__in=departments)
    return others.first()


def consultation_request(
    *, case_id: int, actor: User, expert_id: int, question: str, via: str
) -> Consultation:
    """An officer asks an expert of another department for input; the expert gets an
    email link that lets them answer in the case's thread, and nothing else."""
    question = _clean_text(question, empty_message=_("Say what you would like to know."))
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        authz.require(
            actor,
            Action.CASE_WORK,
            case,
            message=_("Only communication officers of this department can do this."),
        )
        if case.state == CaseState.CLOSED:
            raise ConflictError(_("This case is closed."), code="invalid_transition")
        expert = User.objects.filter(pk=expert_id, is_active=True).first()
        department = _expert_department(expert, case=case) if expert is not None else None
        if expert is None or department is None:
            raise ValidationError(_("Choose a subject-matter expert of another department."))
        if not expert.email:
            raise ValidationError(_("%(name)s has no email address.") % {"name": expert})
        consultation = Consultation.objects.create(
            case=case,
            requested_by=actor,
            expert=expert,
            department=department,
            question=question,
        )
        # The question opens the consultation's part of the case's thread.
        CaseComment.objects.create(
            case=case, author=actor, text=question, via=via, consultation=consultation
        )
        audit_record(
            action="consultation.request",
            via=via,
            actor=actor,
            case=case,
            from_state=case.state,
            to_state=case.state,
            subject=consultation,
            details={
                "consultation": consultation.pk,
                "expert": expert.pk,
                "department": department.slug,
            },
        )

    enqueue_on_commit("workflows.tasks.consultation_notify", consultation.pk)
    return consultation


def _notify_mentions(*, case: Case, comment: CaseComment) -> None:
    """The people @mentioned in a comment or note who may read the case get a
    notification (and an e-mail if they asked; the case's owner already has the
    comment's own e-mail)."""
    people = User.objects.filter(pk__in=mentioned_users(text=comment.text))
    readers = [p.pk for p in people if authz.may(p, Action.CASE_VIEW, case)]
    others = [pk for pk in readers if pk != case.owner_id]
    for ids, email in ((others, True), ([pk for pk in readers if pk == case.owner_id], False)):
        notify(
            recipient_ids=ids,
            kind=NotificationKind.MENTIONED,
            case_id=case.pk,
            actor_id=comment.author_id,
            email=email,
        )
