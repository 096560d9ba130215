"""Writes of the analytics app: recording who exported what."""

from __future__ import annotations

from responder.accounts import authz
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.inbox.models import Case


def case_record_export(*, case: Case, actor: User, fmt: str) -> None:
    """Audit an access-to-information export of one case (HTML or JSON)."""
    authz.require(actor, authz.Action.ANALYTICS_VIEW, case)
    audit_record(
        action="case.record_exported",
        via="web",
        actor=actor,
        case=case,
        from_state=case.state,
        to_state=case.state,
        details={"format": fmt},
    )


def case_list_export(*, actor: User, filters: dict[str, str]) -> None:
    authz.require(actor, authz.Action.ANALYTICS_VIEW, None)
    audit_record(action="analytics.case_list_exported", via="web", actor=actor, details=filters)
