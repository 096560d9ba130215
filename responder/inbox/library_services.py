"""Library governance: promoting an approved new answer, renewing review dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.errors import ConflictError, ValidationError
from responder.inbox.checks import library_text_require
from responder.inbox.models import (
    Case,
    CaseState,
    LibraryAnswer,
    LibraryAnswerUse,
    Topic,
    normalize_reply_text,
)


def _require_manager(actor: Any, target: Any) -> None:
    """Department admins manage their department's answers; shared ones (no
    department) belong to a site admin."""
    authz.require(
        actor,
        authz.Action.LIBRARY_MANAGE,
        target,
        message=_("Only admins of its department may change this library answer."),
    )


def posted_reply_text(case: Case) -> str:
    """The reply we posted, without the leading @mentions."""
    # The reply, not an after-hours notice (which has no draft).
    item = (
        case.outbox_items.filter(status="sent", draft__isnull=False).order_by("-created_at").first()
    )
    return normalize_reply_text(item.text) if item else ""


def library_answer_promote(
    *,
    case_id: int,
    actor: User,
    title_en: str,
    title_fr: str,
    text_en: str,
    text_fr: str,
    owner_id: int,
    review_date: dt.date,
    topic_id: int | None = None,
) -> LibraryAnswer:
    """Add the approved reply of a replied case to the library, in both languages.

    Only a reply that went through approval (not an unchanged library answer) can be
    promoted; the admin who promotes it is recorded as its approver. The answer
    belongs to the case's department, whose admin `actor` must be.
    """
    department_id = Case.objects.filter(pk=case_id).values_list("department_id", flat=True).first()
    if department_id is None:
        raise ConflictError(_("This case does not exist."), code="not_found")
    _require_manager(actor, department_id)
    fields, owner, topic = _promotion_checked(
        department_id=department_id,
        texts={"title_en": title_en, "title_fr": title_fr, "text_en": text_en, "text_fr": text_fr},
        owner_id=owner_id,
        review_date=review_date,
        topic_id=topic_id,
    )
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(pk=case_id).first()
        if case is None or case.department_id != department_id:
            raise ConflictError(_("This case does not exist."), code="not_found")
        if case.state != CaseState.REPLIED:
            raise ConflictError(
                _("Only a reply that was approved and posted can be promoted."),
                code="not_replied",
            )
        posted = case.outbox_items.filter(status="sent", draft__isnull=False).first()  # no notice
        if posted and posted.draft and posted.draft.library_unchanged:
            raise ConflictError(
                _("This reply already is a library answer."), code="already_in_library"
            )
        answer = LibraryAnswer.objects.create(
            topic=topic,
            department=case.department,
            review_date=review_date,
            approved_by=actor,
            approved_at=timezone.now(),
            owner=owner,
            **fields,
        )
        audit_record(
            action="library.promote",
            via="web",
            actor=actor,
            case=case,
            from_state=case.state,
            to_state=case.state,
            subject=answer,
            details={
                "answer": answer.pk,
                "title": answer.title_en,
                "owner": owner.username,
                "review_date": review_date.isoformat(),
            },
        )
        return answer


def _promotion_checked(
    *,
    department_id: int,
    texts: dict[str, str],
    owner_id: int,
    review_date: dt.date,
    topic_id: int | None,
) -> tuple[dict[str, str], User, Topic | None]:
    """The promoted answer's texts (stripped), owner and topic, once each is valid."""
    fields = {name: value.strip() for name, value in texts.items()}
    missing = [name for name, value in fields.items() if not value]
    if missing:
        raise ValidationError(
            _("A library answer needs a title and a text in English and in French.")
        )
    if review_date <= timezone.localdate():
        raise ValidationError(_("The review date must be in the future."))
    # Posted unchanged, the answer skips approval: it meets every outgoing check first.
    library_text_require(text_en=fields["text_en"], text_fr=fields["text_fr"])
    owner = User.objects.filter(pk=owner_id, is_active=True).first()
    if owner is None or not authz.has_role(owner, authz.ALL_ROLES, department_id):
        raise ValidationError(_("Choose an owner for the answer among the department's people."))
    topic = Topic.objects.filter(pk=topic_id).first() if topic_id else None
    if topic is not None and topic.department_id not in (None, department_id):
        raise ValidationError(_("Choose a topic of the case's department."))
    return fields, owner, topic


def library_answer_renew(
    *, answer_id: int, actor: User, review_date: dt.date, owner_id: int | None = None
) -> LibraryAnswer:
    """Confirm an answer is still right: a new review date (and owner), approved anew."""
    if review_date <= timezone.localdate():
        raise ValidationError(_("The new review date must be in the future."))
    with transaction.atomic():
        answer = LibraryAnswer.objects.select_for_update().filter(pk=answer_id).first()
        if answer is None:
            raise ConflictError(_("This library answer does not exist."), code="not_found")
        _require_manager(actor, answer)
        # Renewing approves the text anew: it meets today's outgoing checks.
        library_text_require(text_en=answer.text_en, text_fr=answer.text_fr)
        details: dict[str, Any] = {
            "answer": answer.pk,
            "title": answer.title_en,
            "review_date": [answer.review_date.isoformat(), review_date.isoformat()],
        }
        if owner_id is not None and owner_id != answer.owner_id:
            owner = User.objects.filter(pk=owner_id, is_active=True).first()
            if owner is None or (
                answer.department_id is not None
                and not authz.has_role(owner, authz.ALL_ROLES, answer.department_id)
            ):
                raise ValidationError(_("Choose an owner for the answer."))
            details["owner"] = [answer.owner.username if answer.owner else None, owner.username]
            answer.owner = owner
        answer.review_date = review_date
        answer.approved_by = actor
        answer.approved_at = timezone.now()
        answer.save(
            update_fields=["review_date", "owner", "approved_by", "approved_at", "updated_at"]
        )
        audit_record(
            action="library.renew", via="web", actor=actor, subject=answer, details=details
        )
        return answer


def library_answer_approve(*, answer_id: int, actor: User, via: str = "web") -> LibraryAnswer:
    """Approve an answer as it stands (the admin's "approve" action): `actor` becomes
    its approver, so an answer within its review date counts as pre-approved."""
    with transaction.atomic():
        answer = LibraryAnswer.objects.select_for_update().filter(pk=answer_id).first()
        if answer is None:
            raise ConflictError(_("This library answer does not exist."), code="not_found")
        _require_manager(actor, answer)
        # Approved, the answer skips every layer: it meets the outgoing checks first.
        library_text_require(text_en=answer.text_en, text_fr=answer.text_fr)
        answer.approved_by = actor
        answer.approved_at = timezone.now()
        answer.save(update_fields=["approved_by", "approved_at", "updated_at"])
        audit_record(
            action="library.approve",
            via=via,
            actor=actor,
            subject=answer,
            details={"answer": answer.pk, "title": answer.title_en},
        )
        return answer


def library_answer_use_record(*, answer_id: int, question: str, language: str) -> None:
    """An officer sent `answer_id` (unchanged or adapted) to `question`: its words
    count toward the answer in later suggestions (suggest.py learned_questions)."""
    if language not in ("en", "fr") or not question.strip():
        return
    LibraryAnswerUse.objects.create(
        answer_id=answer_id, question=question[:2000], language=language
    )
