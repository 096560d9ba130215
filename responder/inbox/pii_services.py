"""Personal information on a case: reveal it for a reason, redact the stored copy.

Both are audited with who, when and which kinds, never the value. The web page keeps a
reveal for the session (responder.inbox.pii_display); the API answers the raw text
once, in the reveal's response.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.audit.services import audit_record
from responder.errors import ConflictError, ValidationError
from responder.inbox.models import Case
from responder.inbox.pii import Finding, PiiKind, pii_kinds, pii_redact
from responder.inbox.pii_display import case_pii_findings
from responder.inbox.transitions import case_lock, case_touch

REASON_MAX = 500


def case_pii_reveal(*, case_id: int, actor: Any, reason: str, via: str) -> Case:
    """Record that `actor` saw the case's text unmasked, and why; raises unless the
    actor may reveal (officers and admins of the case's department)."""
    reason = (reason or "").strip()
    with transaction.atomic():
        case = Case.objects.select_related("department").get(pk=case_id)
        authz.require(
            actor,
            Action.CASE_REVEAL_PII,
            case,
            message=_("Only communication officers of this department can reveal this text."),
        )
        if not reason:
            raise ValidationError(_("Say why you need to see the personal information."))
        audit_record(
            action="case.pii_reveal",
            via=via,
            actor=actor,
            case=case,
            from_state=case.state,
            to_state=case.state,
            details={"reason": reason[:REASON_MAX], "kinds": list(case.pii_kinds)},
        )
    return case


def case_pii_redact(
    *,
    case_id: int,
    actor: Any,
    via: str,
    kinds: list[str] | None = None,
    start: int | None = None,
    end: int | None = None,
    expected_version: int | None = None,
) -> Case:
    """Remove personal information from the stored text: every finding of `kinds`
    (all kinds found when None), or the span start:end an officer selected. The case
    keeps its state, drafts and thread; a case under legal hold is never changed."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        authz.require(
            actor,
            Action.CASE_REDACT_PII,
            case,
            message=_("Only communication officers of this department can remove this text."),
        )
        if case.legal_hold:
            raise ConflictError(
                _("This case is under legal hold: its text cannot be changed."), code="legal_hold"
            )
        text = case.text
        if start is not None or end is not None:
            if start is None or end is None or not 0 <= start < end <= len(text):
                raise ValidationError(_("Select the part of the text to remove."))
            inside = [f for f in case_pii_findings(case) if f.start < end and f.end > start]
            removed = pii_kinds(inside)
            new_text = text[:start] + "[" + _("removed") + "]" + text[end:]
            how = "span"
        else:
            wanted = set(kinds) if kinds else None
            if wanted and not wanted <= set(PiiKind.values):
                raise ValidationError(_("Unknown kind of personal information."))
            findings: list[Finding] = [
                f for f in case_pii_findings(case) if wanted is None or f.kind in wanted
            ]
            if not findings:
                raise ValidationError(_("There is no personal information of that kind left."))
            removed = pii_kinds(findings)
            new_text = pii_redact(text, findings)
            how = "kinds"
        now = timezone.now()
        case.text = new_text
        # The flag follows the stored text (the inbox badge and filter); what was
        # removed stays in personal_data_redactions.
        case.pii_kinds = pii_kinds(case_pii_findings(case, new_text))
        case.personal_data_redactions = [
            *case.personal_data_redactions,
            {"at": now.isoformat(), "by": actor.pk, "kinds": removed, "how": how},
        ]
        return case_touch(
            case=case,
            action="case.pii_redact",
            via=via,
            actor=actor,
            fields=("text", "pii_kinds", "personal_data_redactions"),
            details={"kinds": removed, "how": how},
        )


# Platforms whose connector can answer privately (Mastodon: a status with visibility
# "direct", seen only by the people it mentions). Bluesky and X direct messages need
# separate chat APIs and scopes the connectors do not have.
PRIVATE_REPLY_PLATFORMS = frozenset({"mastodon"})


def private_reply_possible(platform: str) -> bool:
    return platform in PRIVATE_REPLY_PLATFORMS


def public_reply_to_personal_require(*, case: Case, private: bool, acknowledged: bool) -> None:
    """A public reply to a post with personal information is a warning the officer must
    acknowledge (the citizen's post stays public; steer them to a private channel)."""
    if private or acknowledged or not case.pii_kinds:
        return
    if (case.visibility or "public") not in ("public", "unlisted"):
        return
    raise ConflictError(
        _(
            "The citizen's post has personal information and your reply is public. "
            "Answer privately, or confirm that a public reply is right."
        ),
        code="public_reply_to_personal",
    )
