"""Who reviews a case is asked of the authorization module (issue #11, item 2): a
delegate sees a case only once a step has escalated to them, and decides only with a
reviewing role in the case's department; named reviewers and delegates without one
are not copied onto a step; "Waiting for me" lists only what a person may decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from rest_framework.test import APIClient

from responder.accounts.models import Membership, Role
from responder.errors import ConflictError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState, Draft
from tests.factories import (
    CaseFactory,
    DepartmentFactory,
    PlatformAccountFactory,
    person,
    submitted_in_new_words,
)
from tests.workflows.mailsink import fresh_rate_limit  # noqa: F401
from workflows import submission
from workflows.escalation import step_escalate
from workflows.models import ApprovalLayer, ApprovalStep, StepDecision
from workflows.selectors import steps_waiting_for
from workflows.tokens import review_token_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limit")]


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def foreign_director(team):
    """The director of another department, named delegate of the "New answer" layer
    (as the seeded site-wide policy did)."""
    taxes = DepartmentFactory(name="Taxes", slug="taxes")
    director = person(Role.APPROVER, taxes, username="tara")
    ApprovalLayer.objects.filter(policy__name="New answer").update(delegate=director)
    return director


def _escalated_to(step: ApprovalStep, delegate) -> ApprovalStep:
    """A step that names `delegate` (as steps made before this check did), escalated."""
    ApprovalStep.objects.filter(pk=step.pk).update(delegate=delegate)
    assert step_escalate(step_id=step.pk, now=step.due_at + dt.timedelta(seconds=1))
    step.refresh_from_db()
    return step


def test_a_delegate_of_another_department_is_not_copied_onto_the_step(team, foreign_director):
    step = submitted_in_new_words(team, team.case())
    assert step.delegate is None
    assert list(step.reviewers.order_by("username")) == [team.sme, team.sme2]


def test_a_delegate_of_the_department_is_copied_onto_the_step(team):
    dana = person(Role.APPROVER, team.department, username="dana")
    ApprovalLayer.objects.filter(policy__name="New answer").update(delegate=dana)
    assert submitted_in_new_words(team, team.case()).delegate == dana


def test_a_delegate_cannot_read_another_departments_case_before_escalation(team, foreign_director):
    case = team.case()
    step = submitted_in_new_words(team, case)
    ApprovalStep.objects.filter(pk=step.pk).update(delegate=foreign_director)

    client = api(foreign_director)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client.get(f"/api/v1/steps/{step.pk}/").status_code == 404
    assert client.get("/api/v1/steps/").json()["results"] == []


def test_a_delegate_of_another_department_cannot_decide_after_escalation(team, foreign_director):
    case = team.case()
    step = _escalated_to(submitted_in_new_words(team, case), foreign_director)
    drafts = Draft.objects.filter(case=case).count()

    response = api(foreign_director).post(
        f"/api/v1/steps/{step.pk}/decide/",
        {"decision": "edit_approve", "edited_text": "My own words, posted on your account."},
        format="json",
    )
    assert response.status_code in (403, 404)
    token = review_token_make(step_id=step.pk, user_id=foreign_director.pk)
    link = Client().get(f"/review/{token}/")
    assert link.status_code == 403
    assert "This link is not for you" in link.content.decode()
    signed_in = Client()
    signed_in.force_login(foreign_director)
    page = signed_in.post(
        f"/review/step/{step.pk}/", {"action": "edit_approve", "edited_text": "Mine."}
    )
    assert page.status_code == 403

    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert Draft.objects.filter(case=case).count() == drafts
    assert not StepDecision.objects.filter(step=step).exists()


def test_a_delegate_of_the_department_decides_after_escalation(team):
    dana = person(Role.APPROVER, team.department, username="dana")
    case = team.case()
    step = _escalated_to(submitted_in_new_words(team, case), dana)

    response = api(dana).post(
        f"/api/v1/steps/{step.pk}/decide/", {"decision": "approve"}, format="json"
    )
    assert response.status_code == 200, response.content
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_named_reviewers_of_another_department_are_dropped(team, foreign_director):
    layer = ApprovalLayer.objects.get(policy__name="New answer")
    layer.reviewers.set([foreign_director])
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="New words.")

    with pytest.raises(ConflictError) as refused:
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    assert refused.value.code == "policy_unusable"
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    assert not ApprovalStep.objects.filter(case=case).exists()

    layer.reviewers.add(team.director)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    assert list(ApprovalStep.objects.get(case=case).reviewers.all()) == [team.director]


def test_waiting_for_me_empties_when_the_reviewing_role_is_removed(team):
    case = team.case()
    step = submitted_in_new_words(team, case)
    assert list(steps_waiting_for(user=team.sme)) == [step]

    Membership.objects.filter(user=team.sme).delete()

    assert list(steps_waiting_for(user=team.sme)) == []
    assert api(team.sme).get("/api/v1/steps/?mine=true").json()["results"] == []
    assert list(steps_waiting_for(user=team.sme2)) == [step]


def test_a_reviewer_of_two_departments_waits_for_both(team):
    taxes = DepartmentFactory(name="Taxes", slug="taxes")
    Membership.objects.create(user=team.sme, department=taxes, role=Role.SME)
    officer_b = person(Role.OFFICER, taxes, username="bob")
    case_b = CaseFactory(account=PlatformAccountFactory(department=taxes), department=taxes)

    class TeamB:
        officer = officer_b

    step_a = submitted_in_new_words(team, team.case())
    step_b = submitted_in_new_words(TeamB, case_b)
    assert set(steps_waiting_for(user=team.sme)) == {step_a, step_b}
