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
from typing import TYPE_CHECKING, Any

from django.db import connection

from responder.inbox.models import Case, CaseState
from workflows.models import ApprovalStep, StepStatus

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
)


@functools.cache
def _names() -> dict[str, str]:
    q = connection.ops.quote_name
    columns = {f.attname: str(f.column) for f in Case._meta.concrete_fields}
    names = {f: f"c.{q(columns[f])}" for f in ROW_FIELDS}
    names["case"] = q(Case._meta.db_table)
    names["links"] = q(Case.topics.through._meta.db_table)
    names["step"] = q(ApprovalStep._meta.db_table)
    return names


def utc(value: Any) -> Any:
    """A datetime column's value as read with a raw cursor: PostgreSQL hands back an
    aware datetime, SQLite a naive one in UTC (or, out of a UNION, the UTC text Django
    stored)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def _when(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _like(value: str, *, prefix: bool) -> str:
    escaped = connection.ops.prep_for_like_query(value)
    return f"{escaped}%" if prefix else f"%{escaped}%"


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
    if filters.overdue:
        # A correlated subquery (not EXISTS, which PostgreSQL turns into a hash join
        # over every overdue step) probes each in-review case's open step by index.
        add(
            f"{n['state']} = %s AND (SELECT s.due_at FROM {n['step']} AS s"  # noqa: S608
            " WHERE s.case_id = c.id AND s.status = %s ORDER BY s.due_at LIMIT 1) < %s",
            CaseState.IN_REVIEW,
            StepStatus.OPEN,
            _when(now),
        )
    if filters.q:
        # Words anywhere in the text (trigram index on UPPER(text)), or the start of
        # the author's handle ("@jo" or "jo" finds @joan@...; a prefix index, since
        # handles share most trigrams). The expressions are the ones Django writes for
        # icontains and istartswith, so the same indexes serve them.
        handle = _like(filters.q.lstrip("@"), prefix=True)
        if connection.vendor == "postgresql":
            text_sql = f"UPPER({n['text']}::text) LIKE UPPER(%s)"
            handle_sql = f"UPPER({n['author_handle']}::text) LIKE UPPER(%s)"
        else:
            text_sql = f"{n['text']} LIKE %s ESCAPE '\\'"
            handle_sql = f"{n['author_handle']} LIKE %s ESCAPE '\\'"
        if filters.q.startswith("@"):
            add(handle_sql, handle)
        else:
            add(f"({text_sql} OR {handle_sql})", _like(filters.q, prefix=False), handle)
    if older_than is not None:
        # The redundant received_at <= bound lets PostgreSQL start the index scan there.
        at = _when(older_than.received_at)
        add(
            f"{n['received_at']} <= %s AND NOT ({n['received_at']} = %s AND c.id >= %s)",
            at,
            at,
            older_than.id,
        )
    if newer_than is not None:
        at = _when(newer_than.received_at)
        add(
            f"{n['received_at']} >= %s AND NOT ({n['received_at']} = %s AND c.id <= %s)",
            at,
            at,
            newer_than.id,
        )
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


def rows(scope_sql: str, params: list[Any], *, limit: int, ascending: bool) -> list[tuple]:
    """The row columns of the scope's cases, newest first (or oldest first)."""
    n = _names()
    direction = "ASC" if ascending else "DESC"
    columns = ", ".join(n[f] for f in ROW_FIELDS)
    sql = (
        f"SELECT {columns} {scope_sql}"
        f" ORDER BY {n['received_at']} {direction}, c.id {direction} LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        return cursor.fetchall()


def capped_count(scope_sql: str, params: list[Any], *, cap: int) -> int:
    """How many cases the scope holds, counting no further than `cap`."""
    sql = f"SELECT COUNT(*) FROM (SELECT 1 {scope_sql} LIMIT %s) AS capped"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, cap])
        return int(cursor.fetchone()[0])
