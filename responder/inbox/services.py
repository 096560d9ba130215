"""Every write to a case in the cases core: claim, release, take over, close, reopen, tag,
draft, revise, assign, saved views. Submitting and withdrawing (the approval engine)
are workflows.submission's; retrying a post is channels.services'."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.errors import ConflictError, ValidationError
from responder.inbox.case_risk import risk_change
from responder.inbox.models import (
    Case,
    CaseState,
    CloseReason,
    Draft,
    LibraryAnswer,
    Risk,
    Topic,
)
from responder.inbox.notifications import notify_transition
from responder.inbox.pii_services import private_reply_possible
from responder.inbox.transitions import case_lock, case_touch, case_transition


def case_require_officer(*, user: User, case: Case) -> None:
    authz.require(
        user,
        Action.CASE_WORK,
        case,
        message=_("Only communication officers of this department can do this."),
    )


def case_require_owner(*, user: User, case: Case) -> None:
    if case.owner_id != user.pk:
        holder = case.owner or _("nobody")
        raise ConflictError(
            _("%(holder)s holds this case; claim it before working on it.") % {"holder": holder},
            code="not_owner",
        )


def case_claim(*, case_id: int, actor: User, via: str, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state == CaseState.DRAFTING and case.owner_id is not None:
            raise ConflictError(
                _("%(holder)s already holds this case (since %(since)s).")
                % {"holder": case.owner, "since": case.claimed_at},
                code="held",
            )
        return case_transition(case=case, name="claim", actor=actor, via=via, user=actor)


def case_release(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.owner_id != actor.pk and not authz.may(actor, Action.CASE_SUPERVISE, case):
            case_require_owner(user=actor, case=case)
        return case_transition(
            case=case,
            name="release",
            actor=actor,
            via=via,
            details={"previous_owner": case.owner_id},
        )


def case_take_over(
    *, case_id: int, actor: User, via: str, reason: str, expected_version: int | None = None
) -> Case:
    """A supervisor (department admin) takes a drafting case from another officer."""
    if not reason.strip():
        raise ValidationError(_("Say why you are taking this case over."))
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        authz.require(
            actor, Action.CASE_SUPERVISE, case, message=_("Only a supervisor can take over a case.")
        )
        if case.state != CaseState.DRAFTING:
            raise ConflictError(
                _("Only a case being drafted can be taken over."), code="invalid_transition"
            )
        previous = case.owner_id
        case.owner = actor
        case.claimed_at = timezone.now()
        return case_touch(
            case=case,
            action="case.take_over",
            via=via,
            actor=actor,
            fields=("owner", "claimed_at"),
            details={"previous_owner": previous, "reason": reason.strip()},
        )


def case_close(
    *,
    case_id: int,
    actor: User,
    via: str,
    reason: str,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    if reason not in CloseReason.values:
        raise ValidationError(
            _("Choose a close reason: %(choices)s.") % {"choices": ", ".join(CloseReason.values)}
        )
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state == CaseState.DRAFTING and case.owner_id not in (None, actor.pk):
            case_require_owner(user=actor, case=case)
        return case_transition(
            case=case,
            name="close",
            actor=actor,
            via=via,
            reason=reason,
            note=note.strip(),
            details={"reason": reason, "note": note.strip()},
        )


def case_reopen(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        return case_transition(case=case, name="reopen", actor=actor, via=via)


def case_tag(
    *,
    case_id: int,
    actor: User,
    via: str,
    topic_ids: list[int] | None = None,
    risk: str | None = None,
    expected_version: int | None = None,
) -> Case:
    """Set a case's topics and risk (these decide its approval policy)."""
    if risk is not None and risk not in Risk.values:
        raise ValidationError(_("Unknown risk level: %(risk)s.") % {"risk": risk})
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state not in (CaseState.NEW, CaseState.DRAFTING):
            raise ConflictError(
                _("Topics and risk can only change before the reply is submitted."),
                code="invalid_transition",
            )
        details: dict[str, Any] = {}
        if topic_ids is not None:
            topics = list(Topic.objects.filter(pk__in=topic_ids))
            if len(topics) != len(set(topic_ids)):
                raise ValidationError(_("Unknown topic."))
            for topic in topics:
                if not authz.may_use_for_case(actor, Action.TOPIC_USE, topic, case=case):
                    raise ValidationError(
                        _(
                            "The topic “%(topic)s” belongs to another department: choose a "
                            "topic of this case's department or a shared one."
                        )
                        % {"topic": topic}
                    )
            case.topics.set(topics)
            details["topics"] = sorted(t.slug for t in topics)
        if risk is not None and risk != case.risk:
            # Lowering needs a reason: only case_risk_set takes one.
            details.update(risk_change(case=case, risk=risk, reason=""))
        return case_touch(
            case=case,
            action="case.tag",
            via=via,
            actor=actor,
            fields=("risk", "auto_risk"),
            details=details,
        )


def draft_save(
    *,
    case_id: int,
    actor: User,
    via: str,
    text: str,
    language: str | None = None,
    library_answer_id: int | None = None,
    expected_version: int | None = None,
    private: bool = False,
) -> Draft:
    """Add a new version of the reply. Only the case's owner, only while drafting.
    `private`: answer with a direct message, where the platform has them."""
    text = text.strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state != CaseState.DRAFTING:
            raise ConflictError(
                _("Claim the case before drafting a reply."), code="invalid_transition"
            )
        case_require_owner(user=actor, case=case)
        language = language or (case.language if case.language in ("en", "fr") else "en")
        if language not in ("en", "fr"):
            raise ValidationError(_("A reply is in English (en) or French (fr)."))
        answer = None
        unchanged = False
        if library_answer_id is not None:
            answer = LibraryAnswer.objects.filter(pk=library_answer_id, is_active=True).first()
            # Shared answers (no department) or the case's own department's.
            if answer is None or not authz.may_use_for_case(
                actor, Action.LIBRARY_USE, answer, case=case
            ):
                raise ValidationError(_("That library answer does not exist or is retired."))
            unchanged = answer.posted_unchanged(text=text, language=language)
        if private and not private_reply_possible(case.platform):
            raise ValidationError(
                _("%(platform)s has no private replies here; answer publicly.")
                % {"platform": case.get_platform_display()}
            )
        version = (case.drafts.aggregate(v=Max("version"))["v"] or 0) + 1
        draft = Draft.objects.create(
            case=case,
            version=version,
            text=text,
            language=language,
            author=actor,
            via=via,
            library_answer=answer,
            library_unchanged=unchanged,
            private_reply=private,
        )
        case_touch(
            case=case,
            action="draft.save",
            via=via,
            actor=actor,
            subject=draft,
            details={
                "version": version,
                "library_answer": library_answer_id,
                "library_unchanged": unchanged,
                "private_reply": private,
            },
        )
        return draft


def case_revise(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Take a reply the platform refused back to drafting, to change it and submit it
    again (through approval, as any new version). The refused outbox row stays as it
    is, failed or waiting for a person, and is never sent."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        return case_transition(case=case, name="revise", actor=actor, via=via, user=actor)


def case_assign(
    *,
    case_id: int,
    actor: User,
    assignee: User,
    via: str,
    reason: str = "",
    expected_version: int | None = None,
) -> Case:
    """Give a case to an officer: a new case moves to drafting with them as owner; a
    case being drafted changes hands (a supervisor may take it from another holder)."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if not authz.may(assignee, Action.CASE_WORK, case):
            raise ValidationError(
                _("%(person)s is not a communication officer of this department.")
                % {"person": assignee}
            )
        details = {"assignee": assignee.pk, "reason": reason.strip()}
        if case.state == CaseState.NEW:
            return case_transition(
                case=case,
                name="claim",
                actor=actor,
                via=via,
                action="case.assign",
                details=details,
                user=assignee,
            )
        if case.state != CaseState.DRAFTING:
            raise ConflictError(
                _("A case that is %(state)s cannot be assigned.")
                % {"state": case.get_state_display().lower()},
                code="invalid_transition",
            )
        if case.owner_id == assignee.pk:
            raise ConflictError(
                _("%(person)s already holds this case.") % {"person": assignee}, code="held"
            )
        if case.owner_id not in (None, actor.pk) and not authz.may(
            actor, Action.CASE_SUPERVISE, case
        ):
            raise ConflictError(
                _("%(holder)s holds this case; only a supervisor can give it to someone else.")
                % {"holder": case.owner},
                code="held",
            )
        details["previous_owner"] = case.owner_id
        case.owner = assignee
        case.claimed_at = timezone.now()
        notify_transition(
            case=case, name="assign", actor=actor, action="case.assign", kwargs={"user": assignee}
        )
        return case_touch(
            case=case,
            action="case.assign",
            via=via,
            actor=actor,
            fields=("owner", "claimed_at"),
            details=details,
        )
