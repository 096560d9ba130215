"""The inbox's list query, written as SQL.

The inbox page runs one ordered index range scan per department (see
inbox_selectors). Built through the ORM, that one query cost more in Python (cloning
querysets, compiling them, running the ORM's row iterator) than PostgreSQL took to
run it, and the page is read all day; here its text is assembled from the filters
directly. Only table and column names from the models go in the text: every value
is a parameter. The same builder serves the live "N new" count, so the page and the
count can never disagree about what a filter means.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import connection

from responder.db import datetime_param
from responder.inbox.models import OUTGOING_SOURCE, Case, CaseState
from responder.inbox.response_clock import DUE_SOON
from workflows.models import ApprovalStep, StepStatus
from workflows.sent_back import sent_back_sql

if TYPE_CHECKING:
    from responder.web.inbox_selectors import Cursor, InboxFilters

# The columns an inbox row shows (and the cursor and live poll need); the rest of a
# case (its URL, close note, reply ids...) is read on the case page.
ROW_FIELDS = (
    "id",
    "department_id",
    "account_id",
    "platform",
    "author_handle",
    "text",
    "language",
    "received_at",
    "state",
    "owner_id",
    "version",
    "visibility",
    "pii_kinds",
    "respond_by",
    "first_response_at",
    "priority",
)
# The key columns of each ordering (then c.id), and whether the page reads them
# descending (responder/web/inbox_selectors/filters.py Sort).
SORT_KEYS: dict[str, tuple[tuple[str, ...], bool]] = {
    "newest": (("received_at",), True),
    "oldest": (("received_at",), False),
    "deadline": (("deadline_key",), False),
    "priority": (("priority_rank", "received_at"), False),
}


# A case waiting for its first response, with a deadline: the condition of the
# partial index case_dept_respond_by (response_clock.waiting_q), one parameter: the
# closed state.
WAITING = "{first_response_at} IS NULL AND {respond_by} IS NOT NULL AND {state} <> %s"


@functools.cache
def _names() -> dict[str, str]:
    q = connection.ops.quote_name
    columns = {f.attname: str(f.column) for f in Case._meta.concrete_fields}
    names = {
        f: f"c.{q(columns[f])}" for f in (*ROW_FIELDS, "deadline_key", "priority_rank", "source")
    }
    names["case"] = q(Case._meta.db_table)
    names["links"] = q(Case.topics.through._meta.db_table)
    names["step"] = q(ApprovalStep._meta.db_table)
    return names


def _like(value: str, *, prefix: bool) -> str:
    escaped = connection.ops.prep_for_like_query(value)
    return f"{escaped}%" if prefix else f"%{escaped}%"


def _words_clause(n: dict[str, str], q: str) -> tuple[str, ...]:
    """Words anywhere in the text (trigram index on UPPER(text)), or the start of the
    author's handle ("@jo" or "jo" finds @joan@...; a prefix index, since handles share
    most trigrams). The expressions are the ones Django writes for icontains and
    istartswith, so the same indexes serve them. (clause, its parameters...)"""
    handle = _like(q.lstrip("@"), prefix=True)
    if connection.vendor == "postgresql":
        text_sql = f"UPPER({n['text']}::text) LIKE UPPER(%s)"
        handle_sql = f"UPPER({n['author_handle']}::text) LIKE UPPER(%s)"
    else:
        text_sql = f"{n['text']} LIKE %s ESCAPE '\\'"
        handle_sql = f"{n['author_handle']} LIKE %s ESCAPE '\\'"
    if q.startswith("@"):
        return handle_sql, handle
    return f"({text_sql} OR {handle_sql})", _like(q, prefix=False), handle


def _work_clauses(
    n: dict[str, str], filters: InboxFilters, now: dt.datetime, add: Callable[..., None]
) -> None:
    """The filters on what waits: overdue, due soon, changes requested."""
    if filters.overdue:
        # An approval step past its SLA, or a case past its first-response deadline.
        # A correlated subquery (not EXISTS, which PostgreSQL turns into a hash join
        # over every overdue step) probes each in-review case's open step by index.
        add(
            f"(({n['state']} = %s AND (SELECT s.due_at FROM {n['step']} AS s"  # noqa: S608
            " WHERE s.case_id = c.id AND s.status = %s ORDER BY s.due_at LIMIT 1) < %s)"
            f" OR ({WAITING.format(**n)} AND {n['respond_by']} <= %s))",
            CaseState.IN_REVIEW,
            StepStatus.OPEN,
            datetime_param(now),
            CaseState.CLOSED,
            datetime_param(now),
        )
    if filters.due_soon:
        # Waiting for a first response, deadline within DUE_SOON.
        add(
            f"{WAITING.format(**n)} AND {n['respond_by']} > %s AND {n['respond_by']} <= %s",
            CaseState.CLOSED,
            datetime_param(now),
            datetime_param(now + DUE_SOON),
        )
    if filters.changes_requested:
        # Drafting, and the latest approval round ended with a reviewer sending it
        # back (workflows/sent_back.py, the rule's home).
        sent_back, params = sent_back_sql("s")
        add(
            f"{n['state']} = %s AND EXISTS (SELECT 1 FROM {n['step']} AS s"  # noqa: S608
            f" WHERE s.case_id = c.id AND {sent_back})",
            CaseState.DRAFTING,
            *params,
        )


def _cursor_clauses(
    n: dict[str, str],
    filters: InboxFilters,
    older_than: Cursor | None,
    newer_than: Cursor | None,
    add: Callable[..., None],
) -> None:
    """Strictly after or before a cursor, in the page's order."""
    sort = filters.ordering
    if sort != "newest" and (older_than is not None or newer_than is not None):
        # After (below) or before (above) the cursor in the page's order: one row
        # comparison, which PostgreSQL starts the ordering's index scan from.
        keys, descending = SORT_KEYS[sort]
        cursor = older_than if older_than is not None else newer_than
        assert cursor is not None
        below = older_than is not None
        op = "<" if below == descending else ">"
        values = [datetime_param(v) if isinstance(v, dt.datetime) else v for v in cursor.key(sort)]
        columns = ", ".join([*(n[k] for k in keys), "c.id"])
        add(f"({columns}) {op} ({', '.join(['%s'] * len(values))})", *values)
        older_than = newer_than = None
    if older_than is not None:
        # The redundant received_at <= bound lets PostgreSQL start the index scan there.
        at = datetime_param(older_than.received_at)
        add(
            f"{n['received_at']} <= %s AND NOT ({n['received_at']} = %s AND c.id >= %s)",
            at,
            at,
            older_than.id,
        )
    if newer_than is not None:
        at = datetime_param(newer_than.received_at)
        add(
            f"{n['received_at']} >= %s AND NOT ({n['received_at']} = %s AND c.id <= %s)",
            at,
            at,
            newer_than.id,
        )


def scope(
    *,
    department_id: int | None,
    user_id: int,
    filters: InboxFilters,
    now: dt.datetime,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> tuple[str, list[Any]]:
    """(FROM ... WHERE ..., parameters) of the cases of one department (None: all)
    that match `filters`, optionally strictly older or newer than a cursor."""
    n = _names()
    joins = ""
    where: list[str] = []
    params: list[Any] = []

    def add(clause: str, *values: Any) -> None:
        where.append(clause)
        params.extend(values)

    if filters.topic_id:
        # (case, topic) is unique: the join adds no duplicate rows.
        joins = f" JOIN {n['links']} AS t ON t.case_id = c.id AND t.topic_id = %s"
        params.append(filters.topic_id)
    if department_id is not None:
        add(f"{n['department_id']} = %s", department_id)
    # A campaign's own posts are cases too (to go through approvals), not questions:
    # they live on the campaign's pages, not in the inbox.
    add(f"{n['source']} <> %s", OUTGOING_SOURCE)
    if filters.state:
        add(f"{n['state']} = %s", filters.state)
    if filters.platform:
        add(f"{n['platform']} = %s", filters.platform)
    if filters.account_id:
        add(f"{n['account_id']} = %s", filters.account_id)
    if filters.language:
        add(f"{n['language']} = %s", filters.language)
    if filters.owner_id:
        add(f"{n['owner_id']} = %s", filters.owner_id)
    if filters.mine:
        add(f"{n['owner_id']} = %s", user_id)
    if filters.unassigned:
        # Nobody has claimed it: a new case (closed cases lose their owner too).
        add(f"{n['state']} = %s AND {n['owner_id']} IS NULL", CaseState.NEW)
    if filters.personal:
        # Personal information was found in the text at ingest.
        add(f"{n['pii_kinds']} <> %s", "[]")
    _work_clauses(n, filters, now, add)
    if filters.q:
        add(*_words_clause(n, filters.q))
    _cursor_clauses(n, filters, older_than, newer_than, add)
    sql = f"FROM {n['case']} AS c{joins}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params


def scopes(
    *,
    department_ids: list[int] | None,
    user_id: int,
    filters: InboxFilters,
    now: dt.datetime,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> list[tuple[str, list[Any]]]:
    """`scope` for each department (None: one scope over all of them): each is then one
    ordered index range scan, where an IN list over departments would sort every row."""
    return [
        scope(
            department_id=department_id,
            user_id=user_id,
            filters=filters,
            now=now,
            older_than=older_than,
            newer_than=newer_than,
        )
        for department_id in ([None] if department_ids is None else department_ids)
    ]


def rows(
    scope_sql: str, params: list[Any], *, limit: int, ascending: bool, sort: str = "newest"
) -> list[tuple]:
    """The row columns of the scope's cases in the sort's key order, ascending or
    descending (every key column the same way, so one index scan serves it)."""
    n = _names()
    direction = "ASC" if ascending else "DESC"
    columns = ", ".join(n[f] for f in ROW_FIELDS)
    keys, _descending = SORT_KEYS[sort]
    order = ", ".join(f"{n[k]} {direction}" for k in keys)
    sql = f"SELECT {columns} {scope_sql} ORDER BY {order}, c.id {direction} LIMIT %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return cursor.fetchall()


def capped_count(scope_sql: str, params: list[Any], *, cap: int) -> int:
    """How many cases the scope holds, counting no further than `cap`."""
    sql = f"SELECT COUNT(*) FROM (SELECT 1 {scope_sql} LIMIT %s) AS capped"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cap])
        return int(cursor.fetchone()[0])
