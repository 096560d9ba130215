"""The case pages ask the authorization module (issue #11, item 5 and the 404 rule):
library answers and topics are those of the case's department or shared ones, a case
of another department is "not found" like one that does not exist, and an officer of
two departments works in both."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from responder.accounts.models import Membership, Role
from responder.audit.models import AuditEvent
from responder.inbox import services
from responder.inbox.models import CaseState, Draft
from responder.testing.factories import (
    CaseFactory,
    LibraryAnswerFactory,
    PlatformAccountFactory,
    TopicFactory,
    person,
)

pytestmark = pytest.mark.django_db

SECRET = "Taxes-only answer: call the private line 555-0199."


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, case) -> str:
    return reverse(f"cases:{name}", args=[case.pk])


@pytest.fixture
def taxes(team):
    return team.outsider.memberships.get().department


@pytest.fixture
def taxes_answer(taxes):
    return LibraryAnswerFactory(department=taxes, title_en="Taxes private line", text_en=SECRET)


def _claimed(team, case=None):
    case = case or team.case()
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    return case


def test_an_answer_of_another_department_cannot_fill_the_editor(team, taxes_answer):
    case = _claimed(team)
    response = client_for(team.officer).get(url("use_answer", case), {"answer": taxes_answer.pk})
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    assert not Draft.objects.filter(case=case).exists()


def test_an_officer_of_both_departments_uses_only_the_cases_departments_answers(
    team, taxes, taxes_answer
):
    Membership.objects.create(user=team.officer, department=taxes, role=Role.OFFICER)
    case = _claimed(team)
    client = client_for(team.officer)
    refused = client.get(url("use_answer", case), {"answer": taxes_answer.pk})
    assert refused.status_code == 404 and SECRET not in refused.content.decode()

    own = LibraryAnswerFactory(department=team.department, text_en="Passports: 10 days.")
    used = client.get(url("use_answer", case), {"answer": own.pk})
    assert used.status_code == 200 and "Passports: 10 days." in used.content.decode()
    shared = client.get(url("use_answer", case), {"answer": team.answer.pk})
    assert shared.status_code == 200 and team.answer.text_en in shared.content.decode()


def test_a_topic_of_another_department_cannot_tag_a_case(team, taxes):
    case = _claimed(team)
    foreign = TopicFactory(department=taxes, name_en="Tax audit")
    response = client_for(team.officer).post(
        url("tag", case), {"topics": [foreign.pk], "risk": "sensitive"}
    )
    assert response.status_code == 400
    assert "another department" in response.content.decode()
    case.refresh_from_db()
    assert list(case.topics.all()) == [] and case.risk != "sensitive"
    assert not AuditEvent.objects.filter(case=case, action="case.tag").exists()


def test_the_api_refuses_a_topic_of_another_department(team, taxes):
    case = _claimed(team)
    foreign = TopicFactory(department=taxes)
    api = APIClient()
    api.force_authenticate(team.officer)
    response = api.post(f"/api/v1/cases/{case.pk}/tag/", {"topics": [foreign.pk]}, format="json")
    assert response.status_code == 400
    assert "another department" in str(response.json())
    assert list(case.topics.all()) == []

    own, shared = TopicFactory(department=team.department), TopicFactory()
    response = api.post(
        f"/api/v1/cases/{case.pk}/tag/", {"topics": [own.pk, shared.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(case.topics.all()) == {own, shared}


def test_a_case_of_another_department_is_not_found_like_a_missing_one(team):
    case = team.case()
    outsider = client_for(team.outsider)
    missing = outsider.get(reverse("cases:detail", args=[case.pk + 1000]))
    other = outsider.get(url("detail", case))
    assert (other.status_code, missing.status_code) == (404, 404)
    assert outsider.post(url("claim", case)).status_code == 404
    assert outsider.get(url("use_answer", case), {"answer": team.answer.pk}).status_code == 404
    for name in ("workflows:case-comment", "workflows:case-consult"):
        posted = outsider.post(reverse(name, args=[case.pk]), {"text": "Hi", "question": "Hi"})
        assert posted.status_code == 404
    case.refresh_from_db()
    assert case.state == CaseState.NEW and case.owner is None
    # Someone of the department without an officer's role is refused, not misled.
    assert client_for(team.sme).get(url("detail", case)).status_code == 403


def test_an_officer_of_two_departments_sees_and_works_both(team, taxes):
    both = person(Role.OFFICER, team.department, username="bea")
    Membership.objects.create(user=both, department=taxes, role=Role.OFFICER)
    case_a = team.case(text="Passport question")
    case_b = CaseFactory(
        account=PlatformAccountFactory(department=taxes), department=taxes, text="Tax question"
    )
    topic_b = TopicFactory(department=taxes)
    client = client_for(both)

    inbox = client.get("/").content.decode()
    assert "Passport question" in inbox and "Tax question" in inbox
    for case in (case_a, case_b):
        assert client.get(url("detail", case)).status_code == 200
        assert client.post(url("claim", case)).status_code == 302
        case.refresh_from_db()
        assert case.owner == both and case.state == CaseState.DRAFTING
    tagged = client.post(url("tag", case_b), {"topics": [topic_b.pk]})
    assert tagged.status_code == 302
    assert list(case_b.topics.all()) == [topic_b]
    api = APIClient()
    api.force_authenticate(both)
    listed = {c["id"] for c in api.get("/api/v1/cases/").json()["results"]}
    assert {case_a.pk, case_b.pk} <= listed
