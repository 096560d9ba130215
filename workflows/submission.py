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
from responder.inbox.models import Case, CaseState, Draft
from responder.inbox.services import case_require_officer, case_require_owner
from responder.inbox.transitions import case_lock, case_transition
from workflows.routing import route_for
from workflows.services import steps_cancel, steps_create


def draft_submit(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Send the latest draft on its way: straight to approved when its policy has no
    layers (only for an unchanged pre-approved library answer), else into review."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
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
        # Hard errors of the outgoing checks (length, links) block the submit, from
        # every door; warnings were shown while drafting and need no answer.
        outgoing_checks_require(case=case, text=draft.text, language=draft.language)
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
            },
        )
        if layer_count == 0:
            outbox_create(case=case, draft=draft)
        return case


def case_withdraw(
    *, case_id: int, actor: User, via: str, expected_version: int | None = None
) -> Case:
    """Take a draft back out of review to change it."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        case_require_officer(user=actor, case=case)
        if case.state == CaseState.IN_REVIEW:
            case_require_owner(user=actor, case=case)
        cancelled = steps_cancel(case=case) if case.state == CaseState.IN_REVIEW else 0
        return case_transition(
            case=case, name="withdraw", actor=actor, via=via, details={"cancelled_steps": cancelled}
        )
