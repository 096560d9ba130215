"""A case from the inbox to the outbox, through the REST API alone (token auth)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.channels.outbox_helpers import platform_refused

pytestmark = pytest.mark.django_db


def post(client: APIClient, url: str, data: dict | None = None) -> dict:
    response = client.post(url, data or {}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def test_a_token_is_given_for_the_right_password_only(team):
    client = APIClient()
    wrong = client.post(
        "/api/v1/auth/token/", {"username": "olivia", "password": "nope"}, format="json"
    )
    assert wrong.status_code == 400
    right = client.post(
        "/api/v1/auth/token/",
        {"username": "olivia", "password": "correct-horse-battery"},
        format="json",
    )
    assert right.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "olivia"
    assert me["departments"] == [
        {
            "department": {
                "id": team.department.pk,
                "slug": "passports",
                "name": "Passport Office",
            },
            "roles": ["officer"],
        }
    ]


def test_without_a_token_the_api_answers_401(team):
    response = APIClient().get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_sensitive_reply_is_approved_by_the_sme_then_the_director_and_reaches_the_outbox(
    team, api_as
):
    case = team.sensitive_case(text="Can I travel while my passport is being renewed?")
    officer, sme, director = api_as(team.officer), api_as(team.sme), api_as(team.director)

    inbox = officer.get("/api/v1/cases/", {"state": "new"}).json()
    assert [c["id"] for c in inbox["results"]] == [case.pk]

    claimed = post(officer, f"/api/v1/cases/{case.pk}/claim/")
    assert claimed["state"] == "drafting"
    assert claimed["owner"]["username"] == "olivia"
    post(
        officer,
        f"/api/v1/cases/{case.pk}/draft/",
        {"text": "You can travel with your old passport until the new one arrives."},
    )
    submitted = post(officer, f"/api/v1/cases/{case.pk}/submit/")
    assert submitted["state"] == "in_review"
    first, second = submitted["approval_steps"]
    assert (first["name"], first["status"]) == ("Subject-matter expert", "open")
    assert (second["name"], second["status"]) == ("Director", "waiting")

    # Each reviewer's queue shows only what waits for them now.
    assert [s["id"] for s in sme.get("/api/v1/steps/", {"mine": "true"}).json()["results"]] == [
        first["id"]
    ]
    assert director.get("/api/v1/steps/", {"mine": "true"}).json()["results"] == []
    step = sme.get(f"/api/v1/steps/{first['id']}/").json()
    assert step["case_summary"]["text"] == "Can I travel while my passport is being renewed?"
    assert step["draft_detail"]["text"].startswith("You can travel")

    # The director cannot jump the queue, nor decide the SME's layer.
    early = director.post(f"/api/v1/steps/{second['id']}/decide/", {"decision": "approve"})
    assert early.status_code == 409
    assert early.json()["code"] == "already_decided"
    wrong_layer = director.post(f"/api/v1/steps/{first['id']}/decide/", {"decision": "approve"})
    assert wrong_layer.status_code == 403

    decided = post(sme, f"/api/v1/steps/{first['id']}/decide/", {"decision": "approve"})
    assert decided["status"] == "approved"
    assert decided["decisions"][0]["reviewer"]["username"] == "sam"
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["state"] == "in_review"
    assert detail["outbox"] == []
    assert [s["id"] for s in director.get("/api/v1/steps/?mine=true").json()["results"]] == [
        second["id"]
    ]

    post(director, f"/api/v1/steps/{second['id']}/decide/", {"decision": "approve"})
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["state"] == "approved"
    [reply] = detail["outbox"]
    assert reply["status"] == "pending"
    assert reply["text"] == (
        f"@{case.author_handle} You can travel with your old passport until the new one arrives."
    )
    assert [(e["action"], e["via"]) for e in detail["audit_events"]] == [
        ("case.claim", "api"),
        ("draft.save", "api"),
        ("step.open", "api"),
        ("case.submit", "api"),
        ("step.approve", "api"),
        ("step.open", "api"),
        ("approval.approve", "api"),
        ("step.approve", "api"),
        ("approval.approve", "api"),
    ]
    approvals = [e for e in detail["audit_events"] if e["action"] == "approval.approve"]
    assert [e["actor"]["username"] for e in approvals] == ["sam", "diane"]


def test_unchanged_library_answer_reaches_the_outbox_with_no_approval(team, api_as):
    case = team.case()
    officer = api_as(team.officer)
    [answer] = officer.get("/api/v1/library/", {"q": "processing"}).json()["results"]
    assert answer["pre_approved"] is True

    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(
        officer,
        f"/api/v1/cases/{case.pk}/draft/",
        {"text": answer["text_en"], "library_answer": answer["id"], "language": "en"},
    )
    detail = post(officer, f"/api/v1/cases/{case.pk}/submit/")

    assert detail["state"] == "approved"
    assert detail["approval_steps"] == []
    assert detail["drafts"][-1]["library_unchanged"] is True
    [reply] = detail["outbox"]
    assert reply["text"].endswith(answer["text_en"])
    assert officer.get("/api/v1/library/").json()["results"][0]["times_used"] == 1


def test_edited_library_answer_needs_the_sme(team, api_as):
    case = team.case()
    officer = api_as(team.officer)
    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(
        officer,
        f"/api/v1/cases/{case.pk}/draft/",
        {"text": team.answer.text_en + " Thanks!", "library_answer": team.answer.pk},
    )
    detail = post(officer, f"/api/v1/cases/{case.pk}/submit/")
    assert detail["state"] == "in_review"
    assert [s["name"] for s in detail["approval_steps"]] == ["Subject-matter expert"]


def test_sme_requests_changes_and_the_officer_resubmits(team, api_as):
    case = team.case()
    officer, sme = api_as(team.officer), api_as(team.sme)
    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(officer, f"/api/v1/cases/{case.pk}/draft/", {"text": "It takes a while."})
    [step] = post(officer, f"/api/v1/cases/{case.pk}/submit/")["approval_steps"]

    post(
        sme,
        f"/api/v1/steps/{step['id']}/decide/",
        {"decision": "request_changes", "comment": "Say 10 business days."},
    )
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["state"] == "drafting"
    assert detail["approval_steps"][0]["status"] == "changes_requested"
    assert detail["approval_steps"][0]["decisions"][0]["comment"] == "Say 10 business days."
    assert sme.get("/api/v1/steps/?mine=true").json()["results"] == []

    post(officer, f"/api/v1/cases/{case.pk}/draft/", {"text": "It takes 10 business days."})
    detail = post(officer, f"/api/v1/cases/{case.pk}/submit/")
    assert detail["state"] == "in_review"
    rounds = [(s["round"], s["status"], s["draft_version"]) for s in detail["approval_steps"]]
    assert rounds == [(1, "changes_requested", 1), (2, "open", 2)]


def test_sme_edits_then_approves_and_the_edit_is_what_gets_posted(team, api_as):
    case = team.case()
    officer, sme = api_as(team.officer), api_as(team.sme)
    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(officer, f"/api/v1/cases/{case.pk}/draft/", {"text": "It takes ten days."})
    [step] = post(officer, f"/api/v1/cases/{case.pk}/submit/")["approval_steps"]

    decided = post(
        sme,
        f"/api/v1/steps/{step['id']}/decide/",
        {"decision": "edit_approve", "edited_text": "It takes 10 business days."},
    )
    assert decided["decisions"][0]["decision"] == "edit_approve"
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["state"] == "approved"
    edited = detail["drafts"][-1]
    assert (edited["version"], edited["author"]["username"], edited["edited_from_version"]) == (
        2,
        "sam",
        1,
    )
    assert detail["outbox"][0]["text"].endswith("It takes 10 business days.")


def test_officer_closes_reopens_releases_and_withdraws(team, api_as):
    case = team.case()
    officer = api_as(team.officer)
    closed = post(
        officer, f"/api/v1/cases/{case.pk}/close/", {"reason": "spam", "note": "Advertising."}
    )
    assert (closed["state"], closed["close_reason"], closed["close_note"]) == (
        "closed",
        "spam",
        "Advertising.",
    )
    assert post(officer, f"/api/v1/cases/{case.pk}/reopen/")["state"] == "new"
    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    released = post(officer, f"/api/v1/cases/{case.pk}/release/")
    assert (released["state"], released["owner"]) == ("new", None)

    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(officer, f"/api/v1/cases/{case.pk}/draft/", {"text": "Ten business days."})
    post(officer, f"/api/v1/cases/{case.pk}/submit/")
    withdrawn = post(officer, f"/api/v1/cases/{case.pk}/withdraw/")
    assert withdrawn["state"] == "drafting"
    assert withdrawn["approval_steps"][0]["status"] == "cancelled"


def test_tags_change_the_route_and_a_supervisor_can_take_over(team, api_as):
    from tests.factories import TopicFactory

    topic = TopicFactory(slug="fees")
    case = team.case()
    officer, admin = api_as(team.officer), api_as(team.admin)
    assert "fees" in [t["slug"] for t in officer.get("/api/v1/topics/").json()]
    tagged = post(
        officer, f"/api/v1/cases/{case.pk}/tag/", {"topics": [topic.pk], "risk": "sensitive"}
    )
    assert ([t["slug"] for t in tagged["topics"]], tagged["risk"]) == (["fees"], "sensitive")
    assert [c["id"] for c in officer.get("/api/v1/cases/?topic=fees").json()["results"]] == [
        case.pk
    ]

    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    taken = post(admin, f"/api/v1/cases/{case.pk}/take-over/", {"reason": "Olivia is away."})
    assert taken["owner"]["username"] == "admin"
    assert taken["audit_events"][-1]["details"]["reason"] == "Olivia is away."


def test_inbox_filters(team, api_as):
    mine = team.case(text="Where is my passport?", author_handle="joan@mastodon.example")
    other = team.case(text="Office hours in Gatineau?", language="fr")
    officer = api_as(team.officer)
    post(officer, f"/api/v1/cases/{mine.pk}/claim/")

    def ids(**params: str) -> list[int]:
        response = officer.get("/api/v1/cases/", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids() == [other.pk, mine.pk]
    assert ids(mine="true") == [mine.pk]
    assert ids(unassigned="true") == [other.pk]
    assert ids(language="fr") == [other.pk]
    assert ids(q="gatineau") == [other.pk]
    assert ids(q="@joan") == [mine.pk]
    assert ids(state="drafting") == [mine.pk]
    assert set(ids(state=["drafting", "new"])) == {mine.pk, other.pk}
    assert ids(owner=str(team.officer.pk)) == [mine.pk]
    assert ids(received_after="2999-01-01T00:00:00Z") == []


def test_cases_are_paged_with_a_cursor(team, api_as):
    cases = [team.case() for _ in range(5)]
    officer = api_as(team.officer)
    seen: list[int] = []
    url: str | None = "/api/v1/cases/?page_size=2"
    while url:
        page = officer.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(c.pk for c in cases)
    assert len(seen) == 5

    from tests.factories import LibraryAnswerFactory

    titles = ["Fees", "Photos"]
    for title in titles:
        LibraryAnswerFactory(title_en=title, approved_by=team.admin)
    seen_titles: list[str] = []
    url = "/api/v1/library/?page_size=1"
    while url:
        page = officer.get(url).json()
        seen_titles += [a["title_en"] for a in page["results"]]
        url = page["next"]
    assert seen_titles == ["Fees", "Photos", "Processing times"]


def test_the_browser_uses_its_session_and_must_send_the_csrf_token(team):
    from django.test import Client

    case = team.case()
    browser = Client(enforce_csrf_checks=True)
    assert browser.login(username="olivia", password="correct-horse-battery")
    assert browser.get("/api/v1/cases/").status_code == 200

    forged = browser.post(f"/api/v1/cases/{case.pk}/claim/")
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]

    # The docs' script carries the token for "Try it out"; rendering it sets the cookie.
    browser.get("/api/docs/?script=")
    token = browser.cookies["csrftoken"].value
    claimed = browser.post(f"/api/v1/cases/{case.pk}/claim/", HTTP_X_CSRFTOKEN=token)
    assert claimed.status_code == 200
    assert claimed.json()["owner"]["username"] == "olivia"


def _answered_from_the_library(team, officer):
    case = team.case()
    post(officer, f"/api/v1/cases/{case.pk}/claim/")
    post(
        officer,
        f"/api/v1/cases/{case.pk}/draft/",
        {"text": team.answer.text_en, "library_answer": team.answer.pk},
    )
    post(officer, f"/api/v1/cases/{case.pk}/submit/")
    return case


def test_a_failed_post_can_be_retried_with_the_same_outbox_row(simulator, team, api_as):
    officer = api_as(team.officer)
    case = _answered_from_the_library(team, officer)
    platform_refused(simulator, case.pk)
    failed = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert (failed["state"], failed["outbox"][0]["status"]) == ("post_failed", "failed")

    retried = post(officer, f"/api/v1/cases/{case.pk}/retry/")

    assert retried["state"] == "posting"
    assert [(o["id"], o["status"]) for o in retried["outbox"]] == [
        (failed["outbox"][0]["id"], "pending")
    ]


def test_a_refused_reply_is_taken_back_to_drafting(simulator, team, api_as):
    officer = api_as(team.officer)
    new = team.case()
    refused_too_early = officer.post(f"/api/v1/cases/{new.pk}/revise/", {}, format="json")
    assert refused_too_early.status_code == 409
    assert refused_too_early.json()["code"] == "invalid_transition"
    case = _answered_from_the_library(team, officer)
    platform_refused(simulator, case.pk)

    revised = post(api_as(team.officer2), f"/api/v1/cases/{case.pk}/revise/")

    assert revised["state"] == "drafting"
    assert revised["owner"]["username"] == team.officer2.username
    assert [o["status"] for o in revised["outbox"]] == ["failed"]


def test_reading_a_case_costs_the_same_queries_however_long_its_history(team, api_as):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    officer, sme = api_as(team.officer), api_as(team.sme)

    def reviewed_case(rounds: int) -> int:
        case = team.case()
        post(officer, f"/api/v1/cases/{case.pk}/claim/")
        for n in range(rounds):
            post(officer, f"/api/v1/cases/{case.pk}/draft/", {"text": f"Try {n}."})
            [*_, step] = post(officer, f"/api/v1/cases/{case.pk}/submit/")["approval_steps"]
            post(
                sme,
                f"/api/v1/steps/{step['id']}/decide/",
                {"decision": "request_changes", "comment": "Again."},
            )
        return case.pk

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert officer.get(url).status_code == 200
        return len(captured)

    short, long = reviewed_case(1), reviewed_case(4)
    assert queries(f"/api/v1/cases/{short}/") == queries(f"/api/v1/cases/{long}/")
    few = queries("/api/v1/cases/")
    for _ in range(10):
        team.case()
    assert queries("/api/v1/cases/") == few
    assert queries("/api/v1/steps/") == queries("/api/v1/steps/?page_size=1")
