"""Writes of the analytics app: recording who exported what."""

from __future__ import annotations

from typing import Any

from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.errors import PermissionDenied
from responder.inbox.models import Case


def user_may_see_analytics(user: Any) -> bool:
    from workflows.policy_services import user_is_policy_admin

    return user_is_policy_admin(user)


def case_record_export(*, case: Case, actor: User, fmt: str) -> None:
    """Audit an access-to-information export of one case (HTML or JSON)."""
    if not user_may_see_analytics(actor):
        raise PermissionDenied
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
    audit_record(action="analytics.case_list_exported", via="web", actor=actor, details=filters)
