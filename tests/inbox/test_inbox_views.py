"""The inbox page through Django's test client: who sees what, filters, keyset pages,
saved views, bulk close/assign with per-case conflicts, claim, live counts, escaping."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.inbox import services as inbox_services
from responder.inbox.models import Case, CaseState, SavedView
from responder.web import inbox_selectors
from responder.web.inbox_selectors import counts as inbox_count_selectors
from responder.web.views import inbox as inbox_views
from tests.factories import CaseFactory, PlatformAccountFactory, TopicFactory
from workflows import submission
from workflows.models import ApprovalStep, StepStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    # A private cache: the inbox caches its menus, and ids repeat between test runs.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "inbox-tests",
        }
    }
    cache.clear()


def shown_ids(response) -> list[int]:
    return [int(x) for x in re.findall(r'data-case-id="(\d+)"', response.content.decode())]


def ago(minutes: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


@pytest.fixture
def officer_client(client: Client, team) -> Client:
    client.force_login(team.officer)
    return client


# --- who sees what ---------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    # The live poll answers 401 rather than a login page htmx would swap in.
    assert client.get("/inbox/live/").status_code == 401
    response = client.post("/inbox/bulk/", {"action": "close", "case": ["1"]})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_officer_sees_own_department_newest_first_never_another_department(
    officer_client: Client, team
) -> None:
    old = team.case(received_at=ago(60), text="older question")
    new = team.case(received_at=ago(1), text="newer question")
    elsewhere = CaseFactory(text="a tax question", received_at=ago(2))  # another department
    response = officer_client.get("/")
    assert response.status_code == 200
    assert shown_ids(response) == [new.pk, old.pk]
    assert elsewhere.pk not in shown_ids(response)
    assert b"a tax question" not in response.content


def test_an_officer_of_two_departments_sees_both_merged_newest_first_across_pages(
    client: Client, team
) -> None:
    from responder.accounts.models import Department, Membership, Role

    taxes = Department.objects.get(slug="taxes")
    Membership.objects.create(user=team.officer, department=taxes, role=Role.OFFICER)
    elsewhere = PlatformAccountFactory(department=taxes)
    made = []
    for minute in range(60):  # alternate departments, one minute apart
        if minute % 2:
            made.append(CaseFactory(account=elsewhere, department=taxes, received_at=ago(minute)))
        else:
            made.append(team.case(received_at=ago(minute)))
    client.force_login(team.officer)
    first = client.get("/")
    assert shown_ids(first) == [c.pk for c in made[:50]]
    older = re.search(r'href="(/\?[^"]*before=[^"]+)"', first.content.decode()).group(1)
    assert shown_ids(client.get(older.replace("&amp;", "&"))) == [c.pk for c in made[50:]]


def test_a_subject_matter_expert_without_officer_role_goes_to_their_review_list(
    client: Client, team
) -> None:
    client.force_login(team.sme)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/review/mine/"


def test_citizen_text_is_shown_as_text_never_as_markup(officer_client: Client, team) -> None:
    team.case(text='<script>alert("x")</script> <b>bold</b> **markdown** [link](http://evil)')
    body = officer_client.get("/").content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body
    assert "**markdown** [link](http://evil)" in body
    assert "<strong>markdown" not in body


def test_page_shows_state_owner_language_topic_and_overdue_deadline(
    officer_client: Client, team
) -> None:
    topic = TopicFactory(name_en="Passports", name_fr="Passeports")
    case = team.case(language="fr")
    case.topics.add(topic)
    inbox_services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    body = officer_client.get("/").content.decode()
    assert "Passports" in body
    assert "Drafting" in body
    assert str(team.officer) in body
    assert "French" in body


# --- filters ------------------------------------------------------------------------------


def test_filters_narrow_the_list(officer_client: Client, team) -> None:
    topic = TopicFactory()
    other_account = PlatformAccountFactory(department=team.department, platform="bluesky")
    fr = team.case(language="fr", text="Où est mon passeport?")
    bsky = CaseFactory(account=other_account, department=team.department, platform="bluesky")
    tagged = team.case()
    tagged.topics.add(topic)
    mine = team.case()
    inbox_services.case_claim(case_id=mine.pk, actor=team.officer, via="web")
    theirs = team.case()
    inbox_services.case_claim(case_id=theirs.pk, actor=team.officer2, via="web")
    closed = team.case()
    inbox_services.case_close(case_id=closed.pk, actor=team.officer, via="web", reason="spam")

    def ids(query: str) -> set[int]:
        return set(shown_ids(officer_client.get("/?" + query)))

    assert ids("language=fr") == {fr.pk}
    assert ids("platform=bluesky") == {bsky.pk}
    assert ids(f"account={other_account.pk}") == {bsky.pk}
    assert ids(f"topic={topic.pk}") == {tagged.pk}
    assert ids("mine=on") == {mine.pk}
    assert ids(f"owner={team.officer2.pk}") == {theirs.pk}
    assert ids("state=closed") == {closed.pk}
    assert ids("state=drafting") == {mine.pk, theirs.pk}
    assert ids("unassigned=on") == {fr.pk, bsky.pk, tagged.pk}
    assert ids("q=passeport") == {fr.pk}
    assert ids(f"q={bsky.author_handle[:10]}") == {bsky.pk}
    # Nonsense is ignored rather than an error.
    assert officer_client.get("/?state=bogus&account=abc&before=zzz").status_code == 200


def test_overdue_shows_cases_whose_approval_step_is_past_due(officer_client: Client, team) -> None:
    late = team.case()
    on_time = team.case()
    for case, due in [(late, ago(30)), (on_time, timezone.now() + dt.timedelta(hours=2))]:
        inbox_services.case_claim(case_id=case.pk, actor=team.officer, via="web")
        inbox_services.draft_save(
            case_id=case.pk, actor=team.officer, via="web", text="Ten business days."
        )
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
        ApprovalStep.objects.filter(case=case, status=StepStatus.OPEN).update(due_at=due)
    response = officer_client.get("/?overdue=on")
    assert shown_ids(response) == [late.pk]
    assert "Overdue by" in response.content.decode()
    assert "Due in" in officer_client.get("/").content.decode()


# --- keyset pages ------------------------------------------------------------------------


def test_keyset_pages_walk_older_and_newer_without_offset(officer_client: Client, team) -> None:
    base = timezone.now()
    cases = [team.case(received_at=base - dt.timedelta(minutes=i)) for i in range(120)]
    # Two cases received at the same instant must both appear exactly once.
    same = team.case(received_at=cases[49].received_at)
    expected = sorted([*cases, same], key=lambda c: (c.received_at, c.pk), reverse=True)
    expected_ids = [c.pk for c in expected]

    with CaptureQueriesContext(connection) as queries:
        first = officer_client.get("/")
    assert not any("OFFSET" in q["sql"].upper() for q in queries.captured_queries)
    page1 = shown_ids(first)
    assert page1 == expected_ids[:50]
    older = re.search(r'href="(/\?before=[^"]+)"', first.content.decode()).group(1)
    second = officer_client.get(older.replace("&amp;", "&"))
    page2 = shown_ids(second)
    assert page2 == expected_ids[50:100]
    older = re.search(r'href="(/\?before=[^"]+)"', second.content.decode()).group(1)
    third = officer_client.get(older)
    assert shown_ids(third) == expected_ids[100:]
    assert 'rel="next"' not in third.content.decode()  # the last page has no "Older"
    newer = re.search(r'href="(/\?after=[^"]+)"', third.content.decode()).group(1)
    assert shown_ids(officer_client.get(newer)) == expected_ids[50:100]


def test_filters_survive_paging(officer_client: Client, team) -> None:
    for i in range(55):
        team.case(language="fr", received_at=ago(i))
    team.case(language="en", received_at=ago(100))
    first = officer_client.get("/?language=fr").content.decode()
    older = re.search(r'href="(/\?[^"]*before=[^"]+)"', first).group(1).replace("&amp;", "&")
    assert "language=fr" in older
    assert len(shown_ids(officer_client.get(older))) == 5


# --- counts ----------------------------------------------------------------------------------


def test_state_badges_count_and_cap(officer_client: Client, team, monkeypatch) -> None:
    for _ in range(4):
        team.case()
    closed = team.case()
    inbox_services.case_close(case_id=closed.pk, actor=team.officer, via="web", reason="spam")
    held = team.case()
    inbox_services.case_claim(case_id=held.pk, actor=team.officer2, via="web")
    counts = inbox_selectors.inbox_counts(user=team.officer, department_ids=[team.department.pk])
    assert counts["new"] == 4 and counts["closed"] == 1 and counts["replied"] == 0
    assert counts["unassigned"] == 4 and counts["drafting"] == 1 and counts["mine"] == 0
    monkeypatch.setattr(inbox_count_selectors, "COUNT_CAP", 3)
    monkeypatch.setattr(inbox_views, "COUNT_CAP", 3)
    page = officer_client.get("/").content.decode()
    # The page has a place for each badge and fetches the counts just after it loads.
    assert '<span class="badge badge--new" id="count-new"></span>' in page
    assert 'hx-get="/inbox/counts/" hx-trigger="load, every 15s"' in page
    response = officer_client.get("/inbox/counts/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert re.search(
        r'<span class="badge badge--new" id="count-new" hx-swap-oob="true">2\+</span>', body
    )
    assert re.search(r'id="count-closed" hx-swap-oob="true">1</span>', body)
    assert re.search(r'id="count-unassigned" hx-swap-oob="true">2\+</span>', body)


def test_counts_need_an_officer(client: Client, team) -> None:
    assert client.get("/inbox/counts/").status_code == 401
    client.force_login(team.sme)
    assert client.get("/inbox/counts/").status_code == 403


# --- saved views -------------------------------------------------------------------------------


def test_saved_views_are_personal(officer_client: Client, team) -> None:
    response = officer_client.post(
        "/inbox/views/", {"name": "French, mine", "query": "language=fr&mine=on"}
    )
    assert response.status_code == 302 and response["Location"] == "/?language=fr&mine=on"
    view = SavedView.objects.get(user=team.officer)
    body = officer_client.get("/").content.decode()
    assert 'href="/?language=fr&amp;mine=on">French, mine</a>' in body
    other = Client()
    other.force_login(team.officer2)
    assert "French, mine" not in other.get("/").content.decode()
    other.post(f"/inbox/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()
    officer_client.post(f"/inbox/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


# --- claim, bulk close, bulk assign ---------------------------------------------------


def test_claim_from_the_inbox_and_the_second_officer_is_told_who_holds_it(
    officer_client: Client, team
) -> None:
    case = team.case()
    response = officer_client.post(f"/inbox/cases/{case.pk}/claim/", {"next": "/"}, follow=True)
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING and case.owner == team.officer
    assert f"You hold case #{case.pk} now." in response.content.decode()
    other = Client()
    other.force_login(team.officer2)
    response = other.post(f"/inbox/cases/{case.pk}/claim/", {"next": "/"}, follow=True)
    assert "already holds this case" in response.content.decode()
    case.refresh_from_db()
    assert case.owner == team.officer


def test_bulk_close_reports_each_conflict(officer_client: Client, team) -> None:
    a, b = team.case(), team.case()
    held = team.case()
    inbox_services.case_claim(case_id=held.pk, actor=team.officer2, via="web")
    foreign = CaseFactory()
    response = officer_client.post(
        "/inbox/bulk/",
        {
            "action": "close",
            "case": [a.pk, b.pk, held.pk, foreign.pk],
            "reason": "spam",
            "note": "bot",
            "next": "/?state=new",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/?state=new"
    body = response.content.decode()
    assert "Closed 2 cases." in body
    assert "2 cases were left unchanged" in body
    assert f"Case #{held.pk}:" in body and f"Case #{foreign.pk} was not found." in body
    states = dict(Case.objects.values_list("pk", "state"))
    assert states[a.pk] == states[b.pk] == CaseState.CLOSED
    assert states[held.pk] == CaseState.DRAFTING
    assert states[foreign.pk] == CaseState.NEW
    assert AuditEvent.objects.filter(action="case.close", case_id=a.pk).exists()


def test_bulk_close_needs_a_reason(officer_client: Client, team) -> None:
    case = team.case()
    officer_client.post("/inbox/bulk/", {"action": "close", "case": [case.pk], "reason": ""})
    case.refresh_from_db()
    assert case.state == CaseState.NEW


def test_bulk_assign_gives_new_cases_to_an_officer_with_a_reason(
    officer_client: Client, team
) -> None:
    a = team.case()
    held = team.case()
    inbox_services.case_claim(case_id=held.pk, actor=team.officer2, via="web")
    closed = team.case()
    inbox_services.case_close(case_id=closed.pk, actor=team.officer, via="web", reason="spam")
    response = officer_client.post(
        "/inbox/bulk/",
        {
            "action": "assign",
            "case": [a.pk, held.pk, closed.pk],
            "assignee": team.officer2.pk,
            "assign_reason": "Omar knows passports",
        },
        follow=True,
    )
    body = response.content.decode()
    assert f"Assigned 1 case to {team.officer2}." in body
    assert f"Case #{held.pk}:" in body and f"Case #{closed.pk}:" in body
    a.refresh_from_db()
    assert a.state == CaseState.DRAFTING and a.owner == team.officer2
    event = AuditEvent.objects.get(action="case.assign", case_id=a.pk)
    assert event.actor == team.officer
    assert event.details["reason"] == "Omar knows passports"


def test_bulk_assign_refuses_someone_who_is_not_an_officer_here(
    officer_client: Client, team
) -> None:
    case = team.case()
    response = officer_client.post(
        "/inbox/bulk/",
        {"action": "assign", "case": [case.pk], "assignee": team.outsider.pk, "assign_reason": "x"},
        follow=True,
    )
    case.refresh_from_db()
    assert case.state == CaseState.NEW
    assert "left unchanged" in response.content.decode() or "Select a valid choice" in (
        response.content.decode()
    )


def test_supervisor_can_reassign_a_held_case(client: Client, team) -> None:
    case = team.case()
    inbox_services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox_services.case_assign(
        case_id=case.pk, actor=team.admin, assignee=team.officer2, via="web", reason="holiday"
    )
    case.refresh_from_db()
    assert case.owner == team.officer2 and case.state == CaseState.DRAFTING


def test_posts_without_csrf_token_are_refused(team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.officer)
    case = team.case()
    assert client.post(f"/inbox/cases/{case.pk}/claim/").status_code == 403
    assert client.post("/inbox/bulk/", {"action": "close", "case": [case.pk]}).status_code == 403


# --- live --------------------------------------------------------------------------------------


def live_url(response) -> str:
    return (
        re.search(r'hx-get="(/inbox/live/[^"]+)"', response.content.decode())
        .group(1)
        .replace("&amp;", "&")
    )


def test_live_count_reports_new_and_changed_cases_without_moving_rows(
    officer_client: Client, team
) -> None:
    shown = team.case(received_at=ago(5))
    page = officer_client.get("/")
    url = live_url(page)
    assert url.startswith("/inbox/live/?")
    assert officer_client.get(url).status_code == 204  # nothing new: nothing to swap

    CaseFactory(received_at=timezone.now())  # another department: not counted
    assert officer_client.get(url).status_code == 204
    team.case(received_at=timezone.now())
    team.case(received_at=timezone.now())
    response = officer_client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 new cases" in body and 'href="/"' in body
    # The next poll carries what it has shown, so an unchanged count swaps nothing.
    assert officer_client.get(live_url(response)).status_code == 204

    inbox_services.case_claim(case_id=shown.pk, actor=team.officer2, via="web")
    response = officer_client.get(live_url(response))
    assert "1 case on this page changed" in response.content.decode()


def test_live_count_keeps_the_filters(officer_client: Client, team) -> None:
    team.case(language="fr", received_at=ago(5))
    url = live_url(officer_client.get("/?language=fr"))
    team.case(language="en", received_at=timezone.now())
    assert officer_client.get(url).status_code == 204
    team.case(language="fr", received_at=timezone.now())
    body = officer_client.get(url).content.decode()
    assert "1 new case" in body and 'href="/?language=fr"' in body


# --- language -----------------------------------------------------------------------------------


def test_language_switch_on_every_inbox_page(officer_client: Client, team) -> None:
    body = officer_client.get("/").content.decode()
    assert 'action="/i18n/setlang/"' in body and 'value="fr"' in body
    officer_client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    body = officer_client.get("/").content.decode()
    assert '<html lang="fr">' in body


def test_saved_views_show_at_once_however_they_change(officer_client: Client, team) -> None:
    # The list is cached per person; a change made anywhere (here: straight on the
    # model, as the admin does) shows on the next page.
    assert "Evening shift" not in officer_client.get("/").content.decode()
    view = SavedView.objects.create(user=team.officer, name="Evening shift", query="state=new")
    assert "Evening shift" in officer_client.get("/").content.decode()
    view.name = "Night shift"
    view.save()
    body = officer_client.get("/").content.decode()
    assert "Night shift" in body and "Evening shift" not in body
    view.delete()
    assert "Night shift" not in officer_client.get("/").content.decode()


def _received_column(body: str) -> dict[int, str]:
    rows = re.findall(r'data-case-id="(\d+)".*?<time datetime="[^"]+">([^<]*)</time>', body)
    return {int(pk): text.replace("\xa0", " ") for pk, text in rows}


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["5 minutes ago", "3 hours ago", "2 days, 4 hours ago", "Nov. 1, 2026"]),
        (
            "fr",
            ["il y a 5 minutes", "il y a 3 heures", "il y a 2 jours, 4 heures", "1 novembre 2026"],
        ),
    ],
)
def test_received_says_how_long_ago_then_the_date(
    officer_client: Client, team, language: str, expected: list[str]
) -> None:
    now = timezone.now()
    ages = [
        dt.timedelta(minutes=5, seconds=20),
        dt.timedelta(hours=3, minutes=59),
        dt.timedelta(days=2, hours=4, minutes=30),
    ]
    cases = [team.case(received_at=now - age) for age in ages]
    cases.append(team.case(received_at=dt.datetime(2026, 11, 1, 15, 0, tzinfo=dt.UTC)))
    if language == "fr":
        officer_client.cookies["django_language"] = "fr"
    shown = _received_column(officer_client.get("/").content.decode())
    assert [shown[c.pk] for c in cases] == expected
