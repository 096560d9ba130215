"""A draft enters the approval engine, or leaves it: submit (routed by
workflows.routing.route_for, into review or, with no layers, straight to the outbox)
and withdraw (its open steps cancelled)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts.models import User
from responder.channels.services import outbox_create
from responder.errors import ConflictError, ValidationError
from responder.inbox.checks import outgoing_checks_require
from responder.inbox.models import Case, CaseState, Draft, LibraryAnswer
from responder.inbox.pii_services import public_reply_to_personal_require
from responder.inbox.services import (
    case_claim,
    case_require_officer,
    case_require_owner,
    draft_save,
)
from responder.inbox.transitions import case_lock, case_transition
from workflows.routing import Route, route_for
from workflows.sent_back import sent_back_for
from workflows.services import steps_cancel, steps_create


def _submittable_draft(*, case: Case, actor: User) -> Draft:
    """The latest draft of a case the officer holds in drafting, or why not."""
    if case.state != CaseState.DRAFTING:
        raise ConflictError(
            _("A case that is %(state)s cannot be submitted.")
            % {"state": case.get_state_display().lower()},
            code="invalid_transition",
        )
    case_require_owner(user=actor, case=case)
    draft = case.drafts.order_by("-version").select_related("library_answer").first()
    if draft is None:
        raise ValidationError(_("Write a reply before submitting."))
    return draft


def _sent_back_unchanged(*, case: Case, draft: Draft, reason: str) -> bool:
    """Whether the draft is the text a reviewer sent back; then only with a reason."""
    sent_back = sent_back_for(case)
    unchanged = sent_back is not None and draft.text.strip() == sent_back.text.strip()
    if unchanged and not reason.strip():
        raise ConflictError(
            _(
                "The reviewer asked for changes: change the reply, or say why you "
                "submit it unchanged."
            ),
            code="unchanged",
        )
    return unchanged


def _route_usable(route: Route) -> None:
    if route.policy is None:
        raise ConflictError(
            _("No approval policy matches this case; ask an admin to add a routing rule."),
            code="no_policy",
        )
    if not route.layers and not route.library_unchanged:
        raise ConflictError(
            _(
                "Policy “%(policy)s” has no approval layers, which only an unchanged "
                "pre-approved library answer may use."
            )
            % {"policy": route.policy.localized_name},
            code="policy_unusable",
        )


def draft_submit(
    *,
    case_id: int,
    actor: User,
    via: str,
    expected_version: int | None = None,
    acknowledge_public: bool = False,
    unchanged_reason: str = "",
) -> Case:
    """Send the latest draft on its way: straight to approved when its policy has no
    layers (only for an unchanged pre-approved library answer), else into review.
    A public reply to a post with personal information needs `acknowledge_public`;
    a draft a reviewer sent back goes again only changed, or with `unchanged_reason`."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        draft = _submittable_draft(case=case, actor=actor)
        # Hard errors of the outgoing checks (length, links, personal information)
        # block the submit, from every door; warnings need no answer.
        outgoing_checks_require(case=case, text=draft.text, language=draft.language)
        public_reply_to_personal_require(
            case=case, private=draft.private_reply, acknowledged=acknowledge_public
        )
        unchanged = _sent_back_unchanged(case=case, draft=draft, reason=unchanged_reason)
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
                private_reply=draft.private_reply,
            )
        _route_usable(route)
        assert route.policy is not None
        layer_count = len(route.layers)
        steps = (
            steps_create(case=case, draft=draft, policy=route.policy, actor=actor, via=via)
            if layer_count
            else []
        )
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


def library_answer_send(
    *,
    case_id: int,
    actor: User,
    via: str,
    answer_id: int,
    language: str,
    expected_version: int | None = None,
) -> Case:
    """ "Send this answer": claim the case when it is free, draft the library answer
    word for word and submit it, in one transaction (all or nothing). The route is
    route_for's, as for any submit: an unchanged pre-approved answer goes straight to
    the outbox; anything else (a sensitive case, an answer past review) into review."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        answer = LibraryAnswer.objects.filter(pk=answer_id, is_active=True).first()
        if answer is None or language not in ("en", "fr"):
            raise ValidationError(_("No such library answer."))
        if case.state == CaseState.NEW:
            case_claim(case_id=case_id, actor=actor, via=via)
        draft_save(
            case_id=case_id,
            actor=actor,
            via=via,
            text=answer.text_for(language),
            language=language,
            library_answer_id=answer.pk,
        )
        return draft_submit(case_id=case_id, actor=actor, via=via)


def case_withdraw(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Take a draft back out of review to change it."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state == CaseState.IN_REVIEW:
            case_require_owner(user=actor, case=case)
        cancelled = (
            steps_cancel(case=case, actor=actor, via=via)
            if case.state == CaseState.IN_REVIEW
            else 0
        )
        return case_transition(
            case=case, name="withdraw", actor=actor, via=via, details={"cancelled_steps": cancelled}
        )
