"""Every write to a case: claim, draft, submit, close, reopen, withdraw, retry."""

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
from responder.inbox.checks import outgoing_checks_require
from responder.inbox.models import (
    Case,
    CaseState,
    CloseReason,
    Draft,
    LibraryAnswer,
    Risk,
    SavedView,
    Topic,
)
from responder.inbox.transitions import case_lock, case_touch, case_transition


def _require_officer(*, user: User, case: Case) -> None:
    authz.require(
        user,
        Action.CASE_WORK,
        case,
        message=_("Only communication officers of this department can do this."),
    )


def _require_owner(*, user: User, case: Case) -> None:
    if case.owner_id != user.pk:
        holder = case.owner or _("nobody")
        raise ConflictError(
            _("%(holder)s holds this case; claim it before working on it.") % {"holder": holder},
            code="not_owner",
        )


def case_claim(*, case_id: int, actor: User, via: str, expected_version: int | None = None) -> Case:
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
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
        _require_officer(user=actor, case=case)
        if case.owner_id != actor.pk and not authz.may(actor, Action.CASE_SUPERVISE, case):
            _require_owner(user=actor, case=case)
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
        _require_officer(user=actor, case=case)
        if case.state == CaseState.DRAFTING and case.owner_id not in (None, actor.pk):
            _require_owner(user=actor, case=case)
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
        _require_officer(user=actor, case=case)
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
        _require_officer(user=actor, case=case)
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
) -> Draft:
    """Add a new version of the reply. Only the case's owner, only while drafting."""
    text = text.strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
        if case.state != CaseState.DRAFTING:
            raise ConflictError(
                _("Claim the case before drafting a reply."), code="invalid_transition"
            )
        _require_owner(user=actor, case=case)
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
            },
        )
        return draft


def draft_submit(
    *,
    case_id: int,
    actor: User,
    via: str,
    expected_version: int | None = None,
    unchanged_reason: str = "",
) -> Case:
    """Send the latest draft on its way: straight to approved when its policy has no
    layers (only for an unchanged pre-approved library answer), else into review.
    A draft a reviewer sent back goes again only changed, or with `unchanged_reason`."""
    from responder.channels.services import outbox_create
    from workflows.routing import route_for
    from workflows.sent_back import sent_back_for
    from workflows.services import steps_create

    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
        if case.state != CaseState.DRAFTING:
            raise ConflictError(
                _("A case that is %(state)s cannot be submitted.")
                % {"state": case.get_state_display().lower()},
                code="invalid_transition",
            )
        _require_owner(user=actor, case=case)
        draft = case.drafts.order_by("-version").select_related("library_answer").first()
        if draft is None:
            raise ValidationError(_("Write a reply before submitting."))
        # Hard errors of the outgoing checks (length, links) block the submit, from
        # every door; warnings were shown while drafting and need no answer.
        outgoing_checks_require(case=case, text=draft.text, language=draft.language)
        sent_back = sent_back_for(case)
        unchanged = sent_back is not None and draft.text.strip() == sent_back.text.strip()
        if unchanged and not unchanged_reason.strip():
            raise ConflictError(
                _(
                    "The reviewer asked for changes: change the reply, or say why you "
                    "submit it unchanged."
                ),
                code="unchanged",
            )
        route = route_for(
            case=case,
            draft_text=draft.text,
            language=draft.language,
            library_answer=draft.library_answer,
            author_id=draft.author_id,
        )
        # A library answer may have passed its review date since the draft was written:
        # the version submitted records what routing decided now.
        if draft.library_unchanged != route.library_unchanged:
            draft = Draft.objects.create(
                case=case,
                version=draft.version + 1,
                text=draft.text,
                language=draft.language,
                author=actor,
                via=via,
                library_answer=draft.library_answer,
                library_unchanged=route.library_unchanged,
            )
        if route.policy is None:
            raise ConflictError(
                _("No approval policy matches this case; ask an admin to add a routing rule."),
                code="no_policy",
            )
        layer_count = len(route.layers)
        if layer_count == 0 and not route.library_unchanged:
            raise ConflictError(
                _(
                    "Policy “%(policy)s” has no approval layers, which only an unchanged "
                    "pre-approved library answer may use."
                )
                % {"policy": route.policy.name},
                code="policy_unusable",
            )
        steps = steps_create(case=case, draft=draft, policy=route.policy) if layer_count else []
        case_transition(
            case=case,
            name="submit",
            actor=actor,
            via=via,
            layer_count=layer_count,
            details={
                "draft_version": draft.version,
                "policy": route.policy.name,
                "policy_version": route.policy.version,
                "rule": route.rule.name if route.rule else None,
                "layers": [s.name for s in steps],
                "library_unchanged": draft.library_unchanged,
                **({"submitted_unchanged": unchanged_reason.strip()[:500]} if unchanged else {}),
            },
        )
        if layer_count == 0:
            outbox_create(case=case, draft=draft)
        return case


def case_withdraw(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Take a draft back out of review to change it."""
    from workflows.services import steps_cancel

    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
        if case.state == CaseState.IN_REVIEW:
            _require_owner(user=actor, case=case)
        cancelled = steps_cancel(case=case) if case.state == CaseState.IN_REVIEW else 0
        return case_transition(
            case=case, name="withdraw", actor=actor, via=via, details={"cancelled_steps": cancelled}
        )


def case_retry_post(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Post a failed reply again (the same outbox row and idempotency key)."""
    from responder.channels.services import outbox_retry

    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
        case = case_transition(case=case, name="retry", actor=actor, via=via)
        outbox_retry(case=case)
        return case


def case_revise(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Take a reply the platform refused back to drafting, to change it and submit it
    again (through approval, as any new version). The refused outbox row stays as it
    is, failed or waiting for a person, and is never sent."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        _require_officer(user=actor, case=case)
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
        _require_officer(user=actor, case=case)
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
        return case_touch(
            case=case,
            action="case.assign",
            via=via,
            actor=actor,
            fields=("owner", "claimed_at"),
            details=details,
        )


def saved_view_save(*, user: User, name: str, query: str) -> SavedView:
    """Save (or replace) one of the user's named inbox views."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the view a name."))
    if len(name) > 80:
        raise ValidationError(_("Keep the name under 80 characters."))
    view, _created = SavedView.objects.update_or_create(
        user=user, name=name, defaults={"query": query[:1000]}
    )
    return view


def saved_view_delete(*, user: User, view_id: int) -> None:
    deleted, _rows = SavedView.objects.filter(user=user, pk=view_id).delete()
    if not deleted:
        raise ValidationError(_("That saved view does not exist."))
