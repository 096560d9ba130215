"""The inbox's numbers: the badges (cases per state, "mine", "unassigned", "overdue")
and the live poll's "N new" and "M changed". Every count stops at a cap, so it costs
the same at a thousand cases or a million."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db import connection
from django.utils import timezone

from responder.accounts.models import User
from responder.inbox.models import OUTGOING_SOURCE, Case, CaseState
from responder.inbox.response_clock import DUE_SOON
from responder.web import inbox_query
from responder.web.inbox_selectors.filters import Cursor, InboxFilters
from workflows.models import ApprovalStep, StepStatus

# Counts above this show as "999+": exact counts of a million rows cost 40-80 ms.
COUNT_CAP = 1000
NEW_COUNT_CAP = 100
# "Mine" and "overdue" badges stop at "99+": a number beyond that changes nothing.
SMALL_COUNT_CAP = 100


@functools.cache
def _counts_sql(department_count: int | None) -> str:
    """The SQL of inbox_counts for a number of departments (None: all). Written out
    rather than compiled from querysets each time: compiling ten querysets cost more
    than running them. Only table and column names from the models go in the text;
    every value is a parameter."""
    q = connection.ops.quote_name
    case, step = q(Case._meta.db_table), q(ApprovalStep._meta.db_table)

    # A campaign's own posts (outgoing cases) are not in the inbox, nor in its counts;
    # the value is the model's constant, not input.
    not_outgoing = f"{q('source')} <> '{OUTGOING_SOURCE}' AND "

    def dept(alias: str) -> str:
        own = f"{alias}{not_outgoing}"
        if department_count is None:
            return own
        return f"{own}{alias}{q('department_id')} IN ({', '.join(['%s'] * department_count)}) AND "

    def capped(inner: str, cap: int) -> str:
        return f"(SELECT COUNT(*) FROM ({inner} LIMIT {int(cap)}) AS capped)"  # noqa: S608

    by_state = f"SELECT 1 FROM {case} WHERE {dept('')}{q('state')} = %s"  # noqa: S608
    parts = [capped(by_state, COUNT_CAP) for _state in CaseState.values]
    # The officer's own cases are in their departments by construction, so the
    # (owner, state) index answers alone.
    mine = (
        f"SELECT 1 FROM {case} WHERE {not_outgoing}"  # noqa: S608
        f"{q('owner_id')} = %s AND {q('state')} IN (%s, %s)"
    )
    parts.append(capped(mine, SMALL_COUNT_CAP))
    # Unassigned: new and held by nobody (as the filter means it, inbox_query.scope).
    unassigned = f"{by_state} AND {q('owner_id')} IS NULL"
    parts.append(capped(unassigned, COUNT_CAP))
    # Overdue: in review and the open step's due time passed; a correlated subquery
    # probes each case's step by index (see inbox_query.scope).
    overdue = (
        f"SELECT 1 FROM {case} AS c WHERE {dept('c.')}c.{q('state')} = %s"  # noqa: S608
        f" AND (SELECT s.{q('due_at')} FROM {step} AS s"
        f" WHERE s.{q('case_id')} = c.{q('id')} AND s.{q('status')} = %s"
        f" ORDER BY s.{q('due_at')} LIMIT 1) < %s"
    )
    parts.append(capped(overdue, SMALL_COUNT_CAP))
    # Past or near the first-response deadline: a range of the partial index
    # case_dept_respond_by. "Overdue" adds the cases past it to the steps above.
    waiting = inbox_query.WAITING.format(
        first_response_at=q("first_response_at"), respond_by=q("respond_by"), state=q("state")
    )
    late = f"SELECT 1 FROM {case} WHERE {dept('')}{waiting} AND {q('respond_by')} <= %s"  # noqa: S608
    parts.append(capped(late, SMALL_COUNT_CAP))
    soon = (
        f"SELECT 1 FROM {case} WHERE {dept('')}{waiting}"  # noqa: S608
        f" AND {q('respond_by')} > %s AND {q('respond_by')} <= %s"
    )
    parts.append(capped(soon, SMALL_COUNT_CAP))
    return "SELECT " + ", ".join(parts)


COUNT_NAMES = [*CaseState.values, "mine", "unassigned", "overdue", "response_overdue", "due_soon"]


def inbox_counts(
    *, user: User, department_ids: list[int] | None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Cases per state, "mine", "unassigned" and "overdue", each counted up to a cap (COUNT_CAP,
    SMALL_COUNT_CAP), in one round trip. Each count is an index range scan that stops
    at the cap, so it costs the same at a thousand cases or a million."""
    now = now or timezone.now()
    depts = list(department_ids) if department_ids is not None else []
    params: list[Any] = []
    for state in CaseState.values:
        params += [*depts, state]
    params += [user.pk, CaseState.DRAFTING, CaseState.IN_REVIEW]
    params += [*depts, CaseState.NEW]
    params += [*depts, CaseState.IN_REVIEW, StepStatus.OPEN, now]
    params += [*depts, CaseState.CLOSED, now]
    params += [*depts, CaseState.CLOSED, now, now + DUE_SOON]
    sql = _counts_sql(None if department_ids is None else len(depts))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    counts = {name: int(value) for name, value in zip(COUNT_NAMES, row, strict=True)}
    # "Overdue": approval steps past their SLA and cases past their first-response
    # deadline (a case in review has had no answer either, so it may be in both; the
    # badge stops at 99+ anyway).
    counts["overdue"] = min(counts["overdue"] + counts.pop("response_overdue"), SMALL_COUNT_CAP)
    return counts


def inbox_live(
    *,
    user: User,
    department_ids: list[int] | None,
    filters: InboxFilters,
    newest: Cursor | None,
    shown: dict[int, int],
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """(new cases above `newest` matching the filters, capped at NEW_COUNT_CAP; cases
    shown on the page whose version changed since)."""
    now = now or timezone.now()
    new = 0
    if newest is not None:
        scopes = inbox_query.scopes(
            department_ids=department_ids,
            user_id=user.pk,
            filters=filters,
            now=now,
            newer_than=newest,
        )
        new = sum(inbox_query.capped_count(sql, p, cap=NEW_COUNT_CAP) for sql, p in scopes)
        new = min(new, NEW_COUNT_CAP)
    changed = 0
    if shown:
        visible = Case.objects.filter(pk__in=list(shown))
        if department_ids is not None:
            visible = visible.filter(department_id__in=department_ids)
        changed = sum(
            1 for pk, version in visible.values_list("id", "version") if shown.get(pk) != version
        )
    return new, changed
