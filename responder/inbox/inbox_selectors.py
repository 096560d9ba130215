"""Reads for the inbox page: filtered cases in keyset pages, capped counts, the live
"new since" count. The queries are shaped for a million cases: every page is a range
scan on (received_at, id) of one department's index, never OFFSET, and every count
stops at a cap."""

from __future__ import annotations

import datetime as dt
import functools
import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from responder.accounts.models import Membership, Role, User
from responder.inbox import inbox_query
from responder.inbox.models import Case, CaseLanguage, CaseState, Platform, SavedView, Topic
from workflows.models import ApprovalStep, StepStatus

PAGE_SIZE = 50
# Counts above this show as "999+": exact counts of a million rows cost 40-80 ms.
COUNT_CAP = 1000
NEW_COUNT_CAP = 100
# "Mine" and "overdue" badges stop at "99+": a number beyond that changes nothing.
SMALL_COUNT_CAP = 100
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Cursor:
    """A position in the inbox order (received_at, id), as in "?before=..."."""

    received_at: dt.datetime
    id: int

    def encode(self) -> str:
        micros = (self.received_at - _EPOCH) // dt.timedelta(microseconds=1)
        return f"{micros}.{self.id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value or len(value) > 40:
            return None
        micros, _, pk = value.partition(".")
        try:
            return cls(_EPOCH + dt.timedelta(microseconds=int(micros)), int(pk))
        except (ValueError, OverflowError):
            return None

    @classmethod
    def of(cls, case: Case | InboxRow) -> Cursor:
        return cls(case.received_at, case.pk)


@dataclass(frozen=True)
class InboxFilters:
    state: str = ""
    platform: str = ""
    account_id: int | None = None
    language: str = ""
    topic_id: int | None = None
    owner_id: int | None = None
    mine: bool = False
    unassigned: bool = False
    overdue: bool = False
    q: str = ""


@dataclass
class SlaInfo:
    step_name: str = ""
    due_at: dt.datetime | None = None
    overdue: bool = False


@dataclass(slots=True)
class InboxRow:
    """One case as the inbox table shows it: the row's columns, plus what
    inbox_decorate adds. A plain object rather than a Case instance: building fifty
    model instances (their field descriptors, the state machine's) cost more than
    reading the rows."""

    id: int
    department_id: int
    account_id: int
    platform: str
    author_handle: str
    text: str
    language: str
    received_at: dt.datetime
    state: str
    owner_id: int | None
    version: int
    topics_label: str = ""
    owner_label: str = ""
    sla: SlaInfo = field(default_factory=lambda: SlaInfo())
    state_label: str = ""
    platform_label: str = ""
    language_label: str = ""
    account_label: str = ""

    @property
    def pk(self) -> int:
        return self.id


@dataclass
class InboxPage:
    cases: list[InboxRow]
    older: Cursor | None = None  # link to the next older page starts below this
    newer: Cursor | None = None  # link to the next newer page starts above this
    is_first: bool = True

    @property
    def newest(self) -> Cursor | None:
        """The newest case shown; the live count looks for cases above it."""
        return Cursor.of(self.cases[0]) if self.cases else None


@dataclass
class InboxOptions:
    """Choices for the filter and bulk forms, scoped to the user's departments."""

    accounts: list[tuple[int, str]] = field(default_factory=list)
    account_names: dict[int, str] = field(default_factory=dict)
    topics: list[tuple[int, str]] = field(default_factory=list)
    officers: list[tuple[int, str]] = field(default_factory=list)


def inbox_access(*, user: User) -> tuple[list[int] | None, set[str]]:
    """(department ids the user sees, the user's roles), in one query.

    Any role in a department shows its cases; None means every department
    (superusers, who count as officers and admins).
    """
    if user.is_superuser:
        return None, {Role.OFFICER, Role.ADMIN}
    pairs = list(Membership.objects.filter(user=user).values_list("department_id", "role"))
    return sorted({d for d, _r in pairs}), {r for _d, r in pairs}


def _fetch(
    *,
    user: User,
    department_ids: list[int] | None,
    filters: InboxFilters,
    now: dt.datetime,
    limit: int,
    older_than: Cursor | None = None,
    newer_than: Cursor | None = None,
) -> list[InboxRow]:
    """Up to `limit` rows, newest first (oldest first with `newer_than`): one ordered
    index range scan per department (an IN list over departments would have to sort
    every matching row), merged here. No join to accounts or owners: they are named
    from InboxOptions (an account row carries encrypted credentials)."""
    ascending = newer_than is not None
    per_scope: list[list[InboxRow]] = []
    for department_id in [None] if department_ids is None else department_ids:
        sql, params = inbox_query.scope(
            department_id=department_id,
            user_id=user.pk,
            filters=filters,
            now=now,
            older_than=older_than,
            newer_than=newer_than,
        )
        found = inbox_query.rows(sql, params, limit=limit, ascending=ascending)
        per_scope.append([_row(r) for r in found])
    if len(per_scope) == 1:
        return per_scope[0]

    def key(c: InboxRow) -> tuple[dt.datetime, int]:
        return (c.received_at, c.id)

    merged = heapq.merge(*per_scope, key=key, reverse=not ascending)
    return list(islice(merged, limit))


def _row(values: tuple) -> InboxRow:
    row = InboxRow(*values)
    if row.received_at.tzinfo is None:  # SQLite
        row.received_at = inbox_query.utc(row.received_at)
    return row


def inbox_page(
    *,
    user: User,
    department_ids: list[int] | None,
    filters: InboxFilters,
    before: Cursor | None = None,
    after: Cursor | None = None,
    limit: int = PAGE_SIZE,
    now: dt.datetime | None = None,
) -> InboxPage:
    """One page of the inbox, newest first: the first page, the page below `before`
    (older), or the page above `after` (newer). Keyset paging, never OFFSET: a page
    deep in the history costs what the first page costs."""
    fetch = functools.partial(
        _fetch,
        user=user,
        department_ids=department_ids,
        filters=filters,
        now=now or timezone.now(),
    )
    if after is not None:
        rows = fetch(limit=limit + 1, newer_than=after)
        if len(rows) > limit:
            rows = rows[:limit]
            rows.reverse()
            return InboxPage(
                cases=rows, older=Cursor.of(rows[-1]), newer=Cursor.of(rows[0]), is_first=False
            )
        # Reached the top: show the first page as it is now.
        before = None
    if before is not None:
        rows = fetch(limit=limit + 1, older_than=before)
        has_older = len(rows) > limit
        rows = rows[:limit]
        return InboxPage(
            cases=rows,
            older=Cursor.of(rows[-1]) if has_older and rows else None,
            newer=Cursor.of(rows[0]) if rows else before,
            is_first=False,
        )
    rows = fetch(limit=limit + 1)
    has_older = len(rows) > limit
    rows = rows[:limit]
    return InboxPage(cases=rows, older=Cursor.of(rows[-1]) if has_older else None, is_first=True)


def inbox_decorate(
    cases: list[InboxRow],
    *,
    now: dt.datetime | None = None,
    language: str = "en",
    account_names: dict[int, str] | None = None,
    owner_names: dict[int, str] | None = None,
    topic_names: dict[int, str] | None = None,
) -> None:
    """Attach what a row shows: topics, the SLA clock of the open approval step (two
    queries for the whole page), and display labels computed once per page rather
    than translated again in every row. Names of accounts, owners and topics come
    from the (cached) menus; only names missing there are read."""
    now = now or timezone.now()
    states = {value: str(label) for value, label in CaseState.choices}
    platforms = {value: str(label) for value, label in Platform.choices}
    languages = {value: str(label) for value, label in CaseLanguage.choices}
    account_names = account_names or {}
    ids = [c.pk for c in cases]
    topics: dict[int, list[str]] = {}
    sla: dict[int, SlaInfo] = {}
    if ids:
        topic_names = dict(topic_names or {})
        links, steps = _page_topics_and_steps(
            ids, in_review=[c.pk for c in cases if c.state == CaseState.IN_REVIEW]
        )
        unknown = {t for _c, t in links if t not in topic_names}
        if unknown:  # a topic of another department, or one newer than the menus
            for pk, en, fr in Topic.objects.filter(pk__in=unknown).values_list(
                "pk", "name_en", "name_fr"
            ):
                topic_names[pk] = fr if language == "fr" else en
        for case_id, topic_id in links:
            topics.setdefault(case_id, []).append(topic_names.get(topic_id, ""))
        for case_id, name, due_at in steps:
            if case_id not in sla:  # the earliest open step's clock
                sla[case_id] = SlaInfo(
                    step_name=name, due_at=due_at, overdue=due_at is not None and due_at < now
                )
    owner_names = dict(owner_names or {})
    missing = {c.owner_id for c in cases if c.owner_id and c.owner_id not in owner_names}
    if missing:  # an owner who is no longer an officer here, or a superuser
        owner_names.update((u.pk, str(u)) for u in User.objects.filter(pk__in=missing))
    for c in cases:
        c.topics_label = ", ".join(topics.get(c.pk, []))
        c.owner_label = owner_names.get(c.owner_id, "") if c.owner_id else ""
        c.sla = sla.get(c.pk, SlaInfo())
        c.state_label = states.get(c.state, c.state)
        c.platform_label = platforms.get(c.platform, c.platform)
        c.language_label = languages.get(c.language, c.language)
        c.account_label = account_names.get(c.account_id, "")


def _in(column: str, count: int) -> str:
    """`column` among `count` values. On PostgreSQL one array parameter: psycopg
    caches the parsing of a query only up to 50 parameters, and re-parsing one with a
    page's worth of them cost more than running it."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)"
    return f"{column} IN ({', '.join(['%s'] * count)})"


def _in_params(values: list[int]) -> list[Any]:
    return [values] if connection.vendor == "postgresql" else list(values)


@functools.cache
def _topics_and_steps_sql(case_count: int, review_count: int) -> str:
    """The page's topic links and its in-review cases' open steps, in one round trip
    (compiled once per page shape, like _counts_sql)."""
    q = connection.ops.quote_name
    links, step = q(Case.topics.through._meta.db_table), q(ApprovalStep._meta.db_table)
    topics = (
        f"SELECT 0 AS kind, {q('case_id')}, {q('topic_id')}, NULL AS name, NULL AS due_at"  # noqa: S608
        f" FROM {links} WHERE {_in(q('case_id'), case_count)}"
    )
    if not review_count:
        return topics + f" ORDER BY {q('id')}"
    steps = (
        f"SELECT 1, {q('case_id')}, NULL, {q('name')}, {q('due_at')} FROM {step}"  # noqa: S608
        f" WHERE {q('status')} = %s AND {_in(q('case_id'), review_count)}"
    )
    return f"{topics} UNION ALL {steps} ORDER BY 1, 5, 2, 3"


def _page_topics_and_steps(
    ids: list[int], *, in_review: list[int]
) -> tuple[list[tuple[int, int]], list[tuple[int, str, dt.datetime | None]]]:
    """((case id, topic id) pairs, (case id, step name, due) of open steps, earliest
    due first) for the cases of one page."""
    params: list[Any] = [*_in_params(ids)]
    if in_review:
        params += [StepStatus.OPEN, *_in_params(in_review)]
    links: list[tuple[int, int]] = []
    steps: list[tuple[int, str, dt.datetime | None]] = []
    with connection.cursor() as cursor:
        cursor.execute(_topics_and_steps_sql(len(ids), len(in_review)), params)
        for kind, case_id, topic_id, name, due_at in cursor.fetchall():
            if kind == 0:
                links.append((case_id, topic_id))
            else:
                steps.append((case_id, name, inbox_query.utc(due_at)))
    return links, steps


@functools.cache
def _counts_sql(department_count: int | None) -> str:
    """The SQL of inbox_counts for a number of departments (None: all). Written out
    rather than compiled from querysets each time: compiling ten querysets cost more
    than running them. Only table and column names from the models go in the text;
    every value is a parameter."""
    q = connection.ops.quote_name
    case, step = q(Case._meta.db_table), q(ApprovalStep._meta.db_table)

    def dept(alias: str) -> str:
        if department_count is None:
            return ""
        return f"{alias}{q('department_id')} IN ({', '.join(['%s'] * department_count)}) AND "

    def capped(inner: str, cap: int) -> str:
        return f"(SELECT COUNT(*) FROM ({inner} LIMIT {int(cap)}) AS capped)"  # noqa: S608

    by_state = f"SELECT 1 FROM {case} WHERE {dept('')}{q('state')} = %s"  # noqa: S608
    parts = [capped(by_state, COUNT_CAP) for _state in CaseState.values]
    # The officer's own cases are in their departments by construction, so the
    # (owner, state) index answers alone.
    mine = f"SELECT 1 FROM {case} WHERE {q('owner_id')} = %s AND {q('state')} IN (%s, %s)"  # noqa: S608
    parts.append(capped(mine, SMALL_COUNT_CAP))
    # Overdue: in review and the open step's due time passed; a correlated subquery
    # probes each case's step by index (see inbox_query.scope).
    overdue = (
        f"SELECT 1 FROM {case} AS c WHERE {dept('c.')}c.{q('state')} = %s"  # noqa: S608
        f" AND (SELECT s.{q('due_at')} FROM {step} AS s"
        f" WHERE s.{q('case_id')} = c.{q('id')} AND s.{q('status')} = %s"
        f" ORDER BY s.{q('due_at')} LIMIT 1) < %s"
    )
    parts.append(capped(overdue, SMALL_COUNT_CAP))
    return "SELECT " + ", ".join(parts)


COUNT_NAMES = [*CaseState.values, "mine", "overdue"]


def inbox_counts(
    *, user: User, department_ids: list[int] | None, now: dt.datetime | None = None
) -> dict[str, int]:
    """Cases per state, "mine" and "overdue", each counted up to a cap (COUNT_CAP,
    SMALL_COUNT_CAP), in one round trip. Each count is an index range scan that stops
    at the cap, so it costs the same at a thousand cases or a million."""
    now = now or timezone.now()
    depts = list(department_ids) if department_ids is not None else []
    params: list[Any] = []
    for state in CaseState.values:
        params += [*depts, state]
    params += [user.pk, CaseState.DRAFTING, CaseState.IN_REVIEW]
    params += [*depts, CaseState.IN_REVIEW, StepStatus.OPEN, now]
    sql = _counts_sql(None if department_ids is None else len(depts))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return {name: int(value) for name, value in zip(COUNT_NAMES, row, strict=True)}


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
        for department_id in [None] if department_ids is None else department_ids:
            sql, params = inbox_query.scope(
                department_id=department_id,
                user_id=user.pk,
                filters=filters,
                now=now,
                newer_than=newest,
            )
            new += inbox_query.capped_count(sql, params, cap=NEW_COUNT_CAP)
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


# The menus change rarely (an admin adds an account, a topic or an officer); a
# minute of staleness saves three queries on every inbox page.
OPTIONS_CACHE_SECONDS = 60


def inbox_options(*, department_ids: list[int] | None, language: str = "en") -> InboxOptions:
    """Accounts, topics and officers for the filter and bulk-assign menus (cached for
    OPTIONS_CACHE_SECONDS per set of departments and language)."""
    scope = "all" if department_ids is None else ",".join(map(str, sorted(department_ids)))
    key = f"inbox:options:v1:{language}:{scope}"
    cached = cache.get(key)
    if isinstance(cached, InboxOptions):
        return cached
    options = _inbox_options(department_ids=department_ids, language=language)
    cache.set(key, options, OPTIONS_CACHE_SECONDS)
    return options


def _inbox_options(*, department_ids: list[int] | None, language: str) -> InboxOptions:
    from responder.channels.models import PlatformAccount

    # Only the columns shown: the credentials columns are encrypted and costly to read.
    accounts = PlatformAccount.objects.only("id", "name", "handle", "platform")
    topics = Topic.objects.order_by("slug")
    officers = User.objects.filter(is_active=True, memberships__role__in=[Role.OFFICER, Role.ADMIN])
    if department_ids is not None:
        accounts = accounts.filter(department_id__in=department_ids)
        topics = topics.filter(Q(department_id__in=department_ids) | Q(department__isnull=True))
        officers = officers.filter(memberships__department_id__in=department_ids)
    account_list = list(accounts)
    people = officers.distinct().order_by("first_name", "username")
    officer_list = [
        (pk, f"{first} {last}".strip() or username)
        for pk, first, last, username in people.values_list(
            "pk", "first_name", "last_name", "username"
        )
    ]
    return InboxOptions(
        accounts=[
            (a.pk, f"{a.name} (@{a.handle}, {a.get_platform_display()})") for a in account_list
        ],
        account_names={a.pk: a.name for a in account_list},
        topics=[
            (pk, fr if language == "fr" else en)
            for pk, en, fr in topics.values_list("pk", "name_en", "name_fr")
        ],
        officers=officer_list,
    )


@dataclass(frozen=True)
class SavedViewLink:
    pk: int
    name: str
    query: str


SAVED_VIEWS_CACHE_SECONDS = 600


def _saved_views_key(user_id: int) -> str:
    return f"inbox:saved-views:v1:{user_id}"


def saved_views_for(*, user: User) -> list[SavedViewLink]:
    """The user's saved views, by name. Read on every inbox page, so cached until one
    of them changes (saved_views_forget, called whenever a SavedView row is written)."""
    key = _saved_views_key(user.pk)
    cached = cache.get(key)
    if isinstance(cached, list):
        return cached
    views = [
        SavedViewLink(pk, name, query)
        for pk, name, query in SavedView.objects.filter(user=user).values_list(
            "pk", "name", "query"
        )
    ]
    cache.set(key, views, SAVED_VIEWS_CACHE_SECONDS)
    return views


def saved_views_forget(*, user_id: int) -> None:
    cache.delete(_saved_views_key(user_id))


def inbox_visible_ids(*, department_ids: list[int] | None, ids: Iterable[int]) -> set[int]:
    qs = Case.objects.filter(pk__in=list(ids))
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return set(qs.values_list("id", flat=True))
