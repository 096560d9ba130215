"""Volumes and response times per officer and per team (#14): the "Officers and teams"
page counts each officer's cases of the period and the times of their first
responses and replies, the team's row counts every case of the department, and an
admin sees only their own departments' people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from responder.analytics import selectors
from responder.inbox.models import Case, CaseState
from responder.testing.factories import CaseFactory, PlatformAccountFactory

pytestmark = pytest.mark.django_db


def _case(team, owner, *, first_minutes: int | None, reply_minutes: int | None, **kw) -> Case:
    received = timezone.now() - dt.timedelta(days=1)
    state = CaseState.REPLIED if reply_minutes is not None else CaseState.DRAFTING
    return CaseFactory(
        account=team.account,
        owner=owner,
        state=state,
        received_at=received,
        first_response_at=None
        if first_minutes is None
        else received + dt.timedelta(minutes=first_minutes),
        replied_at=None
        if reply_minutes is None
        else received + dt.timedelta(minutes=reply_minutes),
        respond_by=received + dt.timedelta(minutes=60),
        **kw,
    )


@pytest.fixture
def history(team) -> None:
    # Olivia answered three (10, 20 and 90 minutes: one past the 60-minute target).
    for minutes in (10, 20, 90):
        _case(team, team.officer, first_minutes=minutes, reply_minutes=minutes)
    # Omar has one still in drafting; one case nobody owns (closed, say).
    _case(team, team.officer2, first_minutes=None, reply_minutes=None)
    CaseFactory(account=team.account, state=CaseState.CLOSED, received_at=timezone.now())
    # Another department's case: not in the Passport Office's rows.
    other = PlatformAccountFactory(department=team.outsider.memberships.get().department)
    CaseFactory(account=other, owner=team.outsider, received_at=timezone.now())


def test_each_officer_and_the_team_have_their_own_figures(team, history) -> None:
    filters = selectors.filters_from({}).scoped({team.department.pk})
    [passports] = selectors.team_figures(filters)
    assert passports["department"] == "Passport Office"
    assert passports["team"]["cases"] == 5 and passports["team"]["replied"] == 3
    olivia, omar = passports["officers"]
    assert olivia["cases"] == 3 and olivia["replied"] == 3 and olivia["waiting"] == 0
    # Median of 10, 20, 90 minutes is 20 minutes; two of three within the target.
    assert olivia["first_median"] == pytest.approx(20 / 60, abs=0.01)
    assert olivia["reply_median"] == pytest.approx(20 / 60, abs=0.01)
    assert olivia["share"] == pytest.approx(66.7)
    assert omar["cases"] == 1 and omar["replied"] == 0 and omar["waiting"] == 1
    assert omar["first_median"] is None


def test_the_page_in_both_languages_and_only_the_admins_departments(team, history) -> None:
    client = Client()
    client.force_login(team.admin)
    body = client.get("/analytics/team/").content.decode()
    assert "Officers and teams" in body and "Passport Office" in body
    assert team.officer.get_full_name() in body and "20 min" in body
    assert team.outsider.get_full_name() not in body  # another department's officer
    team.admin.language = "fr"
    team.admin.save(update_fields=["language"])
    french = client.get("/analytics/team/").content.decode()
    assert "Agents et équipes" in french and "20 min" in french
    officer = Client()
    officer.force_login(team.officer)
    assert officer.get("/analytics/team/").status_code == 403
