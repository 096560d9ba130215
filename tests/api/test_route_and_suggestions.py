"""GET /api/v1/cases/{id}/route/ and /suggestions/: the submit service's own routing
decision and the case page's own library ranking, for scripts (issue 11)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from responder.inbox.suggest import suggest_answers
from responder.testing.factories import DepartmentFactory, LibraryAnswerFactory, TopicFactory
from workflows import submission
from workflows.models import ApprovalStep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "route-api-tests",
        }
    }
    cache.clear()


def drafted(team, text, **kwargs):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="api")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="api", text=text, **kwargs)
    return case


def test_the_route_of_an_edited_library_answer_is_what_submit_does(team, api_as):
    case = drafted(team, team.answer.text_en + " Thanks!", library_answer_id=team.answer.pk)
    api = api_as(team.officer)

    route = api.get(f"/api/v1/cases/{case.pk}/route/")

    assert route.status_code == 200, route.content
    data = route.json()
    assert data["draft_version"] == 1
    assert data["policy"]["name"] == "New answer"
    assert data["rule"] == "Everything else"
    assert data["library_answer"] == team.answer.pk
    assert data["library_unchanged"] is False and data["needs_approval"] is True
    assert data["layers"] == [
        {
            "position": 1,
            "name": "Subject-matter expert",
            "name_fr": "",
            "role": "sme",
            "approvals_required": 1,
            "reviewers_count": 2,
        }
    ]
    assert any("differs from library answer" in reason for reason in data["reasons"])
    # Submitting does exactly what the route said.
    api.post(f"/api/v1/cases/{case.pk}/submit/", {}, format="json")
    steps = ApprovalStep.objects.filter(case=case).order_by("position")
    assert [s.name for s in steps] == [layer["name"] for layer in data["layers"]]
    assert steps[0].policy_name == data["policy"]["name"]


def test_the_route_of_an_unchanged_answer_needs_no_layer(team, api_as):
    case = drafted(team, team.answer.text_en, library_answer_id=team.answer.pk)
    data = api_as(team.officer).get(f"/api/v1/cases/{case.pk}/route/").json()
    assert data["library_unchanged"] is True
    assert data["needs_approval"] is False and data["layers"] == []
    assert data["policy"]["name"] == "Pre-approved answer"
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="api")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_the_route_of_a_text_not_saved_yet(team, api_as):
    case = team.case(risk="sensitive")
    data = (
        api_as(team.officer)
        .get(f"/api/v1/cases/{case.pk}/route/", {"text": "Call us.", "language": "en"})
        .json()
    )
    assert data["draft_version"] is None
    assert [layer["name"] for layer in data["layers"]] == ["Subject-matter expert", "Director"]
    assert data["risk"] == "sensitive"


def test_route_and_suggestions_of_another_departments_case_are_404(team, api_as):
    case = drafted(team, "Renewals take 10 business days.")
    outsider = api_as(team.outsider)
    assert outsider.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert outsider.get(f"/api/v1/cases/{case.pk}/route/").status_code == 404
    assert outsider.get(f"/api/v1/cases/{case.pk}/suggestions/").status_code == 404
    assert api_as(team.officer).get("/api/v1/cases/999999/route/").status_code == 404


def test_route_refuses_bad_parameters(team, api_as):
    case = team.case()
    response = api_as(team.officer).get(
        f"/api/v1/cases/{case.pk}/route/", {"text": "x", "library_answer": "abc"}
    )
    assert response.status_code == 400


def test_suggestions_are_the_case_pages_ranking_best_first(team, api_as):
    lost_topic = TopicFactory(slug="lost-stolen")
    lost = LibraryAnswerFactory(
        topic=lost_topic,
        title_en="Lost or stolen passport",
        title_fr="Passeport perdu ou volé",
        text_en="Report a lost or stolen passport to the police and to us right away.",
        text_fr="Déclarez tout de suite un passeport perdu ou volé à la police et à nous.",
        approved_by=team.admin,
        department=team.department,
    )
    LibraryAnswerFactory(
        title_en="Stolen passport abroad",
        title_fr="Passeport volé à l'étranger",
        text_en="A passport stolen abroad: report it to the police and the embassy.",
        text_fr="Un passeport volé à l'étranger: déclarez-le à la police et à l'ambassade.",
        approved_by=team.admin,
    )
    foreign = LibraryAnswerFactory(
        title_en="Stolen passport (taxes)",
        title_fr="Passeport volé (impôts)",
        text_en="Report a stolen passport to the police.",
        text_fr="Déclarez un passeport volé à la police.",
        approved_by=team.admin,
        department=DepartmentFactory(slug="taxes-library"),
    )
    case = team.case(text="My passport was stolen in Paris, what do I do? Police?")

    response = api_as(team.officer).get(
        f"/api/v1/cases/{case.pk}/suggestions/", {"limit": 10, "language": "en"}
    )

    assert response.status_code == 200, response.content
    items = response.json()
    by_id = {item["answer"]["id"]: item for item in items}
    assert by_id[lost.pk]["topic"] == "lost-stolen"
    assert by_id[lost.pk]["answer"]["title"] == "Lost or stolen passport"
    assert {"id", "title", "text", "pre_approved", "review_date"} <= set(items[0]["answer"])
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0 and scores[0] <= 2
    assert foreign.pk not in [item["answer"]["id"] for item in items]
    page_order = [s.answer.pk for s in suggest_answers(case=case, language="en", limit=10)]
    assert [item["answer"]["id"] for item in items] == page_order
    # By default, as many as the case page shows.
    default = api_as(team.officer).get(f"/api/v1/cases/{case.pk}/suggestions/").json()
    assert [item["answer"]["id"] for item in default] == page_order[:3]
