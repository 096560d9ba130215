"""One page of the inbox: filtered cases in keyset pages (one ordered index range scan
per department, merged, never OFFSET), and what each row shows besides its columns."""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import json
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts.models import User
from responder.db import datetime_read, sql_in, sql_in_params
from responder.inbox.models import Case, CaseLanguage, CaseState, Platform, Topic
from responder.inbox.response_clock import clock_status
from responder.localized_names import reader_is_french
from responder.web import inbox_query
from responder.web.inbox_selectors.filters import Cursor, InboxFilters
from workflows.models import ApprovalStep, StepStatus
from workflows.sent_back import sent_back_sql

PAGE_SIZE = 50


@dataclass
class SlaInfo:
    step_name: str = ""
    due_at: dt.datetime | None = None
    overdue: bool = False
    # The first-response clock rather than an approval step's (response_clock.py).
    first_response: bool = False
    due_soon: bool = False


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
    visibility: str
    pii_kinds: Any  # a list, or its JSON text as a raw cursor reads it
    respond_by: dt.datetime | None
    first_response_at: dt.datetime | None
    priority: str
    topics_label: str = ""
    owner_label: str = ""
    sla: SlaInfo = field(default_factory=lambda: SlaInfo())
    state_label: str = ""
    platform_label: str = ""
    language_label: str = ""
    account_label: str = ""
    sent_back: bool = False  # drafting after a reviewer asked for changes

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
    sort = filters.ordering
    _keys, descending = inbox_query.SORT_KEYS[sort]
    # The page's own order, or the reverse when reading the rows above a cursor.
    ascending = (newer_than is not None) == descending
    per_scope = [
        [
            _row(r)
            for r in inbox_query.rows(sql, params, limit=limit, ascending=ascending, sort=sort)
        ]
        for sql, params in inbox_query.scopes(
            department_ids=department_ids,
            user_id=user.pk,
            filters=filters,
            now=now,
            older_than=older_than,
            newer_than=newer_than,
        )
    ]
    if len(per_scope) == 1:
        return per_scope[0]

    def key(c: InboxRow) -> tuple[Any, ...]:
        return Cursor.of(c, sort).key(sort)

    merged = heapq.merge(*per_scope, key=key, reverse=not ascending)
    return list(islice(merged, limit))


def _row(values: tuple) -> InboxRow:
    row = InboxRow(*values)
    if isinstance(row.pii_kinds, str):
        row.pii_kinds = json.loads(row.pii_kinds)
    if row.received_at.tzinfo is None:  # SQLite
        row.received_at = datetime_read(row.received_at)
        row.respond_by = datetime_read(row.respond_by)
        row.first_response_at = datetime_read(row.first_response_at)
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
    sort = filters.ordering
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
                cases=rows,
                older=Cursor.of(rows[-1], sort),
                newer=Cursor.of(rows[0], sort),
                is_first=False,
            )
        # Reached the top: show the first page as it is now.
        before = None
    if before is not None:
        rows = fetch(limit=limit + 1, older_than=before)
        has_older = len(rows) > limit
        rows = rows[:limit]
        return InboxPage(
            cases=rows,
            older=Cursor.of(rows[-1], sort) if has_older and rows else None,
            newer=Cursor.of(rows[0], sort) if rows else before,
            is_first=False,
        )
    rows = fetch(limit=limit + 1)
    has_older = len(rows) > limit
    rows = rows[:limit]
    return InboxPage(
        cases=rows, older=Cursor.of(rows[-1], sort) if has_older else None, is_first=True
    )


def inbox_decorate(
    cases: list[InboxRow],
    *,
    now: dt.datetime | None = None,
    language: str = "en",
    account_names: dict[int, str] | None = None,
    owner_names: dict[int, str] | None = None,
    topic_names: dict[int, str] | None = None,
) -> None:
    """Attach what a row shows: topics, the SLA clock of the open approval step, the
    "changes requested" mark (one query for the whole page), and display labels
    computed once per page rather than translated again in every row. Names of
    accounts, owners and topics come from the (cached) menus; only names missing there
    are read."""
    now = now or timezone.now()
    states = {value: str(label) for value, label in CaseState.choices}
    platforms = {value: str(label) for value, label in Platform.choices}
    languages = {value: str(label) for value, label in CaseLanguage.choices}
    account_names = account_names or {}
    ids = [c.pk for c in cases]
    topics: dict[int, list[str]] = {}
    sla: dict[int, SlaInfo] = {}
    sent_back: set[int] = set()
    if ids:
        topic_names = dict(topic_names or {})
        extras = _page_extras(
            ids,
            in_review=[c.pk for c in cases if c.state == CaseState.IN_REVIEW],
            drafting=[c.pk for c in cases if c.state == CaseState.DRAFTING],
        )
        sent_back = extras.sent_back
        unknown = {t for _c, t in extras.links if t not in topic_names}
        if unknown:  # a topic of another department, or one newer than the menus
            for pk, en, fr in Topic.objects.filter(pk__in=unknown).values_list(
                "pk", "name_en", "name_fr"
            ):
                topic_names[pk] = fr if language == "fr" else en
        for case_id, topic_id in extras.links:
            topics.setdefault(case_id, []).append(topic_names.get(topic_id, ""))
        for case_id, name, due_at in extras.steps:
            if case_id not in sla:  # the earliest open step's clock
                sla[case_id] = SlaInfo(
                    step_name=name, due_at=due_at, overdue=due_at is not None and due_at < now
                )
    owner_names = dict(owner_names or {})
    missing = {c.owner_id for c in cases if c.owner_id and c.owner_id not in owner_names}
    if missing:  # an owner who is no longer an officer here, or a superuser
        owner_names.update((u.pk, str(u)) for u in User.objects.filter(pk__in=missing))
    sent_back_label = str(_("Changes requested"))
    for c in cases:
        c.sent_back = c.pk in sent_back
        c.topics_label = ", ".join(topics.get(c.pk, []))
        c.owner_label = owner_names.get(c.owner_id, "") if c.owner_id else ""
        c.sla = sla.get(c.pk) or _response_clock(c, now=now)
        c.state_label = sent_back_label if c.sent_back else states.get(c.state, c.state)
        c.platform_label = platforms.get(c.platform, c.platform)
        c.language_label = languages.get(c.language, c.language)
        c.account_label = account_names.get(c.account_id, "")


def _response_clock(c: InboxRow, *, now: dt.datetime) -> SlaInfo:
    status = clock_status(
        respond_by=c.respond_by, first_response_at=c.first_response_at, state=c.state, now=now
    )
    if c.respond_by is None or c.first_response_at is not None or c.state == CaseState.CLOSED:
        return SlaInfo()
    return SlaInfo(
        due_at=c.respond_by,
        overdue=status == "overdue",
        due_soon=status == "due_soon",
        first_response=True,
    )


@functools.cache
def _page_sql(case_count: int, review_count: int, drafting_count: int, french: bool) -> str:
    """The page's topic links, its in-review cases' open steps (their layer's name in
    the reader's language) and which of its drafting cases were sent back, in one round
    trip (compiled once per page shape and language, like counts._counts_sql)."""
    q = connection.ops.quote_name
    links, step = q(Case.topics.through._meta.db_table), q(ApprovalStep._meta.db_table)
    parts = [
        f"SELECT 0 AS kind, {q('case_id')} AS case_id, {q('topic_id')} AS topic_id,"  # noqa: S608
        f" NULL AS name, NULL AS due_at FROM {links} WHERE {sql_in(q('case_id'), case_count)}"
    ]
    if review_count:
        name = f"COALESCE(NULLIF({q('name_fr')}, ''), {q('name')})" if french else q("name")
        parts.append(
            f"SELECT 1, {q('case_id')}, NULL, {name}, {q('due_at')} FROM {step}"  # noqa: S608
            f" WHERE {q('status')} = %s AND {sql_in(q('case_id'), review_count)}"
        )
    if drafting_count:
        sent_back, _params = sent_back_sql("s")
        parts.append(
            f"SELECT 2, s.case_id, NULL, NULL, NULL FROM {step} AS s"  # noqa: S608
            f" WHERE {sql_in('s.case_id', drafting_count)} AND {sent_back}"
        )
    return " UNION ALL ".join(parts) + " ORDER BY 1, 5, 2, 3"


@dataclass
class _PageExtras:
    links: list[tuple[int, int]] = field(default_factory=list)  # (case id, topic id)
    steps: list[tuple[int, str, dt.datetime | None]] = field(default_factory=list)
    sent_back: set[int] = field(default_factory=set)


def _page_extras(ids: list[int], *, in_review: list[int], drafting: list[int]) -> _PageExtras:
    """For the cases of one page: their topics, the open steps of those in review
    (case id, step name, due; earliest due first), and those of the drafting ones a
    reviewer sent back (workflows/sent_back.py)."""
    params: list[Any] = [*sql_in_params(ids)]
    if in_review:
        params += [StepStatus.OPEN, *sql_in_params(in_review)]
    if drafting:
        params += [*sql_in_params(drafting), *sent_back_sql("s")[1]]
    extras = _PageExtras()
    sql = _page_sql(len(ids), len(in_review), len(drafting), reader_is_french())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for kind, case_id, topic_id, name, due_at in cursor.fetchall():
            if kind == 0:
                extras.links.append((case_id, topic_id))
            elif kind == 1:
                extras.steps.append((case_id, name, datetime_read(due_at)))
            else:
                extras.sent_back.add(case_id)
    return extras
