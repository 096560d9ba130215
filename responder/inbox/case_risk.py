"""An officer's risk on a case: raised freely, lowered only with a reason.

A case has two risks: `auto_risk`, set at ingest by the incoming rules
(responder/inbox/classify.py), and `risk`, the officer's. Routing uses the highest of
them and of the case's topics (workflows.routing.effective_risk). "Lowering" means
choosing less than the highest of the two: it needs a reason, and it lowers the
automatic risk too (the officer overrides the rule); both are audited.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.errors import ConflictError, ValidationError
from responder.inbox.models import RISK_ORDER, Case, CaseState, Risk, risk_max
from responder.inbox.transitions import case_lock, case_touch


def _rank(risk: str) -> int:
    return [r.value for r in RISK_ORDER].index(risk)


def risk_change(*, case: Case, risk: str, reason: str) -> dict[str, Any]:
    """Apply `risk` to a locked case in memory; return what changed for the audit
    event. Refuses a lowering without a reason."""
    if risk not in Risk.values:
        raise ValidationError(_("Unknown risk level: %(risk)s.") % {"risk": risk})
    current = risk_max(case.risk, case.auto_risk)
    details: dict[str, Any] = {"risk": {"from": case.risk, "to": risk}}
    if _rank(risk) < _rank(current):
        if not reason.strip():
            # Whether it lowers depends on the case's risk now, not on the request's
            # form: a conflict with the case's state (409), as the schema cannot say it.
            raise ConflictError(_("Say why you are lowering the risk."), code="reason_required")
        details["reason"] = reason.strip()
        if _rank(case.auto_risk) > _rank(risk):
            details["auto_risk"] = {"from": case.auto_risk, "to": risk}
            case.auto_risk = risk
    elif reason.strip():
        details["reason"] = reason.strip()
    case.risk = risk
    return details


def case_risk_set(
    *,
    case_id: int,
    actor: User,
    risk: str,
    reason: str = "",
    via: str,
    expected_version: int | None = None,
) -> Case:
    """Set the officer's risk on a case (before its reply is submitted)."""
    with transaction.atomic():
        case = case_lock(case_id=case_id, expected_version=expected_version)
        authz.require(
            actor,
            Action.CASE_WORK,
            case,
            message=_("Only communication officers of this department can do this."),
        )
        if case.state not in (CaseState.NEW, CaseState.DRAFTING):
            raise ConflictError(
                _("Topics and risk can only change before the reply is submitted."),
                code="invalid_transition",
            )
        details = risk_change(case=case, risk=risk, reason=reason)
        return case_touch(
            case=case,
            action="case.risk",
            via=via,
            actor=actor,
            fields=("risk", "auto_risk"),
            details=details,
        )
