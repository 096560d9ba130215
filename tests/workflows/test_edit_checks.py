"""Issue 11 item 3: a reviewer's "Edit, then approve" is checked exactly like the
officer's draft, from every door: the emailed link, the signed-in step page, the API.
An edit that fails a hard check changes nothing, says why with the same words, and
keeps the reviewer's text."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.errors import ValidationError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.workflows.mailsink import fresh_rate_limit  # noqa: F401
from workflows import submission
from workflows.models import ApprovalStep, StepDecision
from workflows.services import approval_decide
from workflows.tokens import review_token_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limit")]

BAD_LINK = "Renewals take 10 business days. Details: http://bit.ly/x"
TOO_LONG = "Renewals take 10 business days. " + "a" * 648  # 680 characters


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def in_review(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk, actor=team.officer, via="web", text="Renewals take 10 business days."
    )
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case, ApprovalStep.objects.get(case=case)


def nothing_happened(case, step, audit_before):
    case.refresh_from_db()
    step.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert step.status == "open"
    assert not StepDecision.objects.filter(step=step).exists()
    assert case.drafts.count() == 1
    assert not OutboxItem.objects.filter(case=case).exists()
    assert AuditEvent.objects.count() == audit_before


def test_the_service_refuses_an_edit_with_a_link_to_a_domain_not_allowed(team):
    case, step = in_review(team)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        approval_decide(
            step_id=step.pk,
            reviewer=team.sme,
            decision="edit_approve",
            via="web",
            edited_text=BAD_LINK,
        )
    assert refused.value.code == "checks_failed"
    assert "Links to domains that are not allowed: http://bit.ly/x" in refused.value.messages[0]
    nothing_happened(case, step, before)


def test_the_service_refuses_a_680_character_edit_with_the_length_message(team):
    case, step = in_review(team)
    prefix = len(f"@{case.author_handle.split('@')[0]} ")  # Mastodon counts @user@server as @user
    with pytest.raises(ValidationError) as refused:
        approval_decide(
            step_id=step.pk,
            reviewer=team.sme,
            decision="edit_approve",
            via="web",
            edited_text=TOO_LONG,
        )
    length = 680 + prefix
    assert (
        f"{length} characters with the handle: {length - 500} over the 500 limit."
        in refused.value.messages[0]
    )


def test_the_emailed_link_refuses_the_edit_and_keeps_the_reviewers_text(team):
    case, step = in_review(team)
    before = AuditEvent.objects.count()
    client = Client(enforce_csrf_checks=True)
    url = f"/review/{review_token_make(step_id=step.pk, user_id=team.sme.pk)}/"
    page = client.get(url)
    body = page.content.decode()
    # The reviewer sees what will be posted, @handle included, and its length.
    handle = case.author_handle
    assert f"@{handle} Renewals take 10 business days." in body
    assert f"{len('@' + handle.split('@')[0]) + 1 + 31} of 500 characters" in body

    response = client.post(
        url,
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "action": "edit_approve",
            "edited_text": BAD_LINK,
        },
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "Links to domains that are not allowed: http://bit.ly/x" in body
    assert 'id="edit-checks"' in body  # every check, beside the edit box
    assert f">{BAD_LINK}</textarea>" in body  # the reviewer's text is kept
    nothing_happened(case, step, before)


def test_the_signed_in_step_page_refuses_a_too_long_edit(team):
    case, step = in_review(team)
    before = AuditEvent.objects.count()
    client = Client()
    client.force_login(team.sme)
    page = client.get(f"/review/step/{step.pk}/").content.decode()
    assert f"@{case.author_handle} Renewals take 10 business days." in page
    assert "of 500 characters, as the platform counts them" in page
    response = client.post(
        f"/review/step/{step.pk}/", {"action": "edit_approve", "edited_text": TOO_LONG}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "over the 500 limit" in body
    assert f">{TOO_LONG}</textarea>" in body
    nothing_happened(case, step, before)


def test_the_api_refuses_the_edit_with_the_same_message(team):
    case, step = in_review(team)
    before = AuditEvent.objects.count()
    response = api_as(team.sme).post(
        f"/api/v1/steps/{step.pk}/decide/",
        {"decision": "edit_approve", "edited_text": BAD_LINK},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "checks_failed"
    assert "Links to domains that are not allowed: http://bit.ly/x" in response.json()["detail"]
    nothing_happened(case, step, before)


def test_an_edit_that_passes_the_checks_is_approved_and_posted_as_edited(team):
    case, step = in_review(team)
    edited = "Renewals take 10 business days. See canada.ca/passports."
    approval_decide(
        step_id=step.pk, reviewer=team.sme, decision="edit_approve", via="web", edited_text=edited
    )
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert OutboxItem.objects.get(case=case).draft.text == edited


def test_a_revised_reply_with_a_bad_link_is_refused(simulator, team):
    """After the platform refused a reply, the revised version meets the same checks,
    with the same words as the reviewer's edit."""
    from tests.channels.outbox_helpers import platform_refused

    case = team.case()
    team.answer_from_library(case)
    platform_refused(simulator, case.pk)
    officer = api_as(team.officer2)
    assert officer.post(f"/api/v1/cases/{case.pk}/revise/", {}, format="json").status_code == 200
    saved = officer.post(f"/api/v1/cases/{case.pk}/draft/", {"text": BAD_LINK}, format="json")
    assert saved.status_code == 200  # a draft may be saved with errors, to fix later

    submitted = officer.post(f"/api/v1/cases/{case.pk}/submit/", {}, format="json")

    assert submitted.status_code == 400
    assert submitted.json()["code"] == "checks_failed"
    assert "Links to domains that are not allowed: http://bit.ly/x" in submitted.json()["detail"]
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    assert not ApprovalStep.objects.filter(case=case, status="open").exists()
    assert OutboxItem.objects.filter(case=case).count() == 1  # only the refused one
