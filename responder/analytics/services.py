"""Writes of the analytics app: recording who exported what; rebuilding the facts."""

from __future__ import annotations

from django.db import connection, transaction

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


def facts_rebuild(*, batch: int = 50_000) -> int:
    """Recompute the fact tables (responder/analytics/migrations/0001_facts_g.py) of
    every case, `batch` case ids per transaction, and drop facts whose case is gone.
    Readers keep seeing the previous facts meanwhile. Returns the number of cases."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM analytics_casefact f WHERE NOT EXISTS "
            "(SELECT 1 FROM inbox_case c WHERE c.id = f.case_id)"
        )
        for table in ("stepfact", "decisionfact"):
            cursor.execute(
                f"DELETE FROM analytics_{table} f WHERE NOT EXISTS "  # noqa: S608
                "(SELECT 1 FROM analytics_casefact c WHERE c.case_id = f.case_id)"
            )
        cursor.execute("SELECT min(id), max(id), count(*) FROM inbox_case")
        low, high, count = cursor.fetchone()
    if low is None:
        return 0
    for start in range(low, high + 1, batch):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT analytics_facts_refresh("
                "ARRAY(SELECT id FROM inbox_case WHERE id >= %s AND id < %s))",
                [start, start + batch],
            )
    return int(count)
