"""The inbox sorted by deadline, priority, oldest or newest, in keyset pages (forward
and back, merged across departments), and "New" sorted by deadline by default."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from responder.accounts.models import Role
from responder.inbox.models import NO_DEADLINE, PRIORITY_RANKS, CaseState
from responder.testing.factories import (
    CaseFactory,
    DepartmentFactory,
    PlatformAccountFactory,
    person,
)
from responder.web.inbox_selectors import InboxFilters, inbox_page

pytestmark = pytest.mark.django_db

PRIORITIES = ["low", "normal", "high", "urgent"]


@pytest.fixture
def world(team):
    """Twelve cases over two departments: each its own arrival, a deadline for most
    (two without, and some shared so the id breaks ties), and a priority."""
    other = DepartmentFactory(name="Visas", slug="visas")
    other_account = PlatformAccountFactory(department=other)
    officer = person(Role.OFFICER, team.department, username="both")
    from responder.accounts.models import Membership

    Membership.objects.create(user=officer, department=other, role=Role.OFFICER)
    start = timezone.now() - dt.timedelta(days=2)
    cases = []
    for n in range(12):
        department, account = (team.department, team.account) if n % 2 else (other, other_account)
        cases.append(
            CaseFactory(
                department=department,
                account=account,
                received_at=start + dt.timedelta(minutes=7 * n),
                respond_by=None if n in (3, 8) else start + dt.timedelta(hours=(n * 5) % 4),
                priority=PRIORITIES[(n * 3) % 4],
            )
        )
    return officer, cases


def expected(cases, sort):
    if sort == "newest":
        return sorted(cases, key=lambda c: (c.received_at, c.pk), reverse=True)
    if sort == "oldest":
        return sorted(cases, key=lambda c: (c.received_at, c.pk))
    if sort == "deadline":
        return sorted(cases, key=lambda c: (c.respond_by or NO_DEADLINE, c.pk))
    ranks = [str(p) for p in PRIORITY_RANKS]
    return sorted(cases, key=lambda c: (ranks.index(c.priority), c.received_at, c.pk))


@pytest.mark.parametrize("sort", ["newest", "oldest", "deadline", "priority"])
def test_every_ordering_pages_forward_and_back_across_departments(world, sort):
    officer, cases = world
    departments = sorted({c.department_id for c in cases})
    filters = InboxFilters(sort=sort)

    def page(**kw):
        return inbox_page(user=officer, department_ids=departments, filters=filters, limit=5, **kw)

    first = page()
    seen = [c.pk for c in first.cases]
    pages = [first]
    while pages[-1].older is not None:
        pages.append(page(before=pages[-1].older))
        seen += [c.pk for c in pages[-1].cases]
    assert seen == [c.pk for c in expected(cases, sort)]
    # Back from the last page: the middle page again, the same rows in the same order.
    back = page(after=pages[-1].newer)
    assert [c.pk for c in back.cases] == [c.pk for c in pages[-2].cases]


def test_new_is_sorted_by_deadline_by_default_and_the_menu_changes_it(world):
    officer, cases = world
    client = Client()
    client.force_login(officer)
    html = client.get("/?state=new").content.decode()
    new = [c for c in cases if c.state == CaseState.NEW]
    order = [html.index(f'data-case-id="{c.pk}"') for c in expected(new, "deadline")]
    assert order == sorted(order)
    assert "Cases, soonest deadline first" in html
    html = client.get("/?sort=priority").content.decode()
    order = [html.index(f'data-case-id="{c.pk}"') for c in expected(cases, "priority")]
    assert order == sorted(order)
    assert '<option value="priority" selected>' in html
    assert "badge--priority-urgent" in html
    # Without a sort, all cases are newest first, as before.
    html = client.get("/").content.decode()
    order = [html.index(f'data-case-id="{c.pk}"') for c in expected(cases, "newest")]
    assert order == sorted(order)
