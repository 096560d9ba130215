"""Undo (#14) through the pages and the API: the e-mailed link's page after an approval,
the signed-in review page, the API's undo-send, and undoing a bulk close in the inbox."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, OutboxStatus
from responder.inbox import services as inbox
from responder.inbox.models import Case, CaseState
from workflows import submission
from workflows.models import ApprovalStep, StepStatus
from workflows.tokens import review_token_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(team):
    team.department.undo_hold_seconds = 60
    team.department.save(update_fields=["undo_hold_seconds"])
    return team


def _in_review(team) -> tuple[Case, ApprovalStep]:
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case, ApprovalStep.objects.get(case=case)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_emailed_links_page_offers_undo_after_the_approval(held):
    case, step = _in_review(held)
    link = f"/review/{review_token_make(step_id=step.pk, user_id=held.sme.pk)}/"
    client = Client()

    done = client.post(link, {"action": "approve"})

    assert done.status_code == 200
    assert "Sending in" in done.content.decode()
    assert f'action="{link}undo/"' in done.content.decode()
    undone = client.post(f"{link}undo/", follow=True)
    assert undone.redirect_chain[-1][0] == link
    page = undone.content.decode()
    assert "The approval waits for your decision again" in page
    assert "Approve this reply" in page  # the same link decides again
    step.refresh_from_db()
    assert (step.status, Case.objects.get(pk=case.pk).state) == (StepStatus.OPEN, "in_review")
    assert OutboxItem.objects.get(case=case).status == OutboxStatus.UNDONE
    # Approved again; once the hold is over the link's Undo is refused.
    client.post(link, {"action": "approve"})
    item = OutboxItem.objects.get(case=case, status=OutboxStatus.PENDING)
    with time_machine.travel(item.not_before + dt.timedelta(seconds=1)):
        late = client.post(f"{link}undo/")
    assert late.status_code == 409
    assert "Too late to undo" in late.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED


def test_the_signed_in_review_page_offers_undo_and_comes_back_to_it(held):
    case, step = _in_review(held)
    sme = _signed_in(held.sme)
    page = f"/review/step/{step.pk}/"

    decided = sme.post(page, {"action": "approve"}, follow=True)

    assert decided.redirect_chain[-1][0] == page
    assert "Sending in" in decided.content.decode()
    undone = sme.post(f"/cases/{case.pk}/undo-send/", {"next": page}, follow=True)
    assert undone.redirect_chain[-1][0] == page
    assert "Undone: the reply was not posted" in undone.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.IN_REVIEW


def test_the_api_undoes_a_held_reply_and_says_why_it_cannot_twice(held):
    held.answer_from_library(case := held.case())
    api = _signed_in(held.officer)
    api.get("/api/v1/me/")  # a session request carries its CSRF token in tests' client

    (reply,) = api.get(f"/api/v1/cases/{case.pk}/").json()["outbox"]
    assert (reply["status"], reply["not_before"] is not None) == ("pending", True)

    response = api.post(f"/api/v1/cases/{case.pk}/undo-send/", {}, content_type="application/json")

    assert response.status_code == 200, response.content
    assert response.json()["state"] == "drafting"
    again = api.post(f"/api/v1/cases/{case.pk}/undo-send/", {}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_undone")
    outsider = _signed_in(held.outsider)
    hidden = outsider.post(
        f"/api/v1/cases/{case.pk}/undo-send/", {}, content_type="application/json"
    )
    assert hidden.status_code == 404


def test_a_bulk_close_can_be_undone_within_the_hold_and_not_after(held):
    first, second, third = held.case(), held.case(), held.case()
    officer = _signed_in(held.officer)
    closing = {"action": "close", "reason": "spam", "case": [first.pk, second.pk]}

    inbox_page = officer.post("/inbox/bulk/", closing, follow=True).content.decode()

    assert 'id="close-undo"' in inbox_page
    assert "2 cases closed. You can undo this for" in inbox_page
    reopened = officer.post("/inbox/bulk/undo/", {"next": "/"}, follow=True).content.decode()
    assert "Undone: 2 cases reopened." in reopened
    assert 'id="close-undo"' not in reopened
    states = Case.objects.filter(pk__in=[first.pk, second.pk]).values_list("state", flat=True)
    assert set(states) == {CaseState.NEW}
    assert AuditEvent.objects.filter(action="case.close_undo").count() == 2

    officer.post("/inbox/bulk/", {**closing, "case": [third.pk]})
    with time_machine.travel(dt.timedelta(seconds=61)):
        late = officer.post("/inbox/bulk/undo/", {"next": "/"}, follow=True).content.decode()
    assert "Too late to undo: the cases stay closed." in late
    assert 'id="close-undo"' not in late
    assert Case.objects.get(pk=third.pk).state == CaseState.CLOSED


def test_without_a_hold_a_bulk_close_offers_no_undo(team):
    case = team.case()
    officer = _signed_in(team.officer)
    page = officer.post(
        "/inbox/bulk/", {"action": "close", "reason": "spam", "case": [case.pk]}, follow=True
    )
    assert 'id="close-undo"' not in page.content.decode()


def test_a_department_admin_sets_the_undo_hold_in_the_admin(team):
    admin = _signed_in(team.admin)
    page = admin.get(f"/admin/accounts/department/{team.department.pk}/change/")
    assert page.status_code == 200
    assert 'name="undo_hold_seconds"' in page.content.decode()
