"""Legal hold: a case kept whole for litigation, an access request or an inquiry.

A department admin (who keeps that department's records) sets or lifts the hold, with
a reason; both are audited ("case.legal_hold_set", "case.legal_hold_lifted"). While a
case is held, retention (responder.analytics.retention) skips it, so its personal data
is not removed. The hold does not change the case's state: work on it goes on.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.audit.models import AuditEvent
from responder.errors import ConflictError, ValidationError
from responder.inbox.models import Case
from responder.inbox.transitions import case_lock, case_touch

HOLD_SET = "case.legal_hold_set"
HOLD_LIFTED = "case.legal_hold_lifted"
REASON_MAX = 1000


def legal_hold_require(*, actor: Any, case: Case) -> None:
    """Refuse (403) anyone but an administrator of the case's department."""
    authz.require(
        actor,
        Action.CASE_LEGAL_HOLD,
        case,
        message=_("Only administrators of this department can set or lift a legal hold."),
    )


def case_legal_hold_set(*, case_id: int, actor: Any, hold: bool, reason: str, via: str) -> Case:
    """Set (`hold=True`) or lift (`hold=False`) the legal hold on a case, with a reason.
    Asking for the hold the case already has is refused (409, code "unchanged")."""
    with transaction.atomic():
        case = case_lock(case_id=case_id)
        legal_hold_require(actor=actor, case=case)
        reason = reason.strip()
        if not reason:
            raise ValidationError(_("Say why the legal hold is set or lifted."))
        if len(reason) > REASON_MAX:
            raise ValidationError(
                _("The reason can be at most %(max)s characters.") % {"max": REASON_MAX}
            )
        if case.legal_hold == hold:
            raise ConflictError(
                _("This case is already under legal hold.")
                if hold
                else _("This case is not under legal hold."),
                code="unchanged",
            )
        case.legal_hold = hold
        return case_touch(
            case=case,
            action=HOLD_SET if hold else HOLD_LIFTED,
            actor=actor,
            via=via,
            fields=("legal_hold",),
            details={"reason": reason},
        )


def legal_hold_latest(*, case: Case) -> AuditEvent | None:
    """The event that set or lifted the case's hold last (who, when, why), if any."""
    return (
        AuditEvent.objects.filter(case=case, action__in=(HOLD_SET, HOLD_LIFTED))
        .select_related("actor")
        .order_by("-created_at", "-id")
        .first()
    )


def legal_hold_context(*, user: Any, case: Case) -> dict[str, Any]:
    """What the case page shows of the hold, and whether this person may change it."""
    return {
        "may_legal_hold": authz.may(user, Action.CASE_LEGAL_HOLD, case),
        "legal_hold_event": legal_hold_latest(case=case) if case.legal_hold else None,
    }
