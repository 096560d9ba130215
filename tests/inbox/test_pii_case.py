"""Issue 13: personal information on a case. Flagged at ingest, masked everywhere the
citizen's text appears for everyone, revealed only for a stated reason (audited),
refused in every outgoing text, redacted from the stored copy."""

# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)
from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.test import APIClient

from responder.audit.models import AuditEvent
from responder.channels.ingest import account_poll
from responder.errors import ConflictError, ValidationError
from responder.inbox import services as inbox
from responder.inbox.models import Case
from responder.inbox.pii_services import case_pii_redact
from tests.workflows.mailsink import fresh_rate_limit, parts, smtp  # noqa: F401
from workflows import submission
from workflows.models import ApprovalStep
from workflows.services import approval_decide
from workflows.tasks import step_opened_notify
from workflows.tokens import review_token_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limit")]

SIN = "046 454 286"
QUESTION = f"@passports my SIN is {SIN}, why is my application stuck?"


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def web_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def in_review(team, text=QUESTION):
    case = team.case(text=text, pii_kinds=["sin"])
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk, actor=team.officer, via="web", text="Renewals take 10 business days."
    )
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web", acknowledge_public=True)
    return case, ApprovalStep.objects.get(case=case)


def test_ingest_flags_the_kinds_found_and_keeps_the_visibility(simulator, mastodon_account):
    simulator.post_mention(text=f"my SIN is {SIN} and my phone 613-555-0143", acct="c1")
    simulator.post_mention(text="Dossier number? none, just asking", acct="c2", visibility="direct")
    account_poll(account_id=mastodon_account.pk)
    flagged = Case.objects.get(author_handle="c1")
    assert flagged.pii_kinds == ["sin", "phone"]
    plain = Case.objects.get(author_handle="c2")
    assert plain.pii_kinds == [] and plain.visibility == "direct"


def test_inbox_badge_filter_and_masked_snippet(team):
    flagged = team.case(text=QUESTION, pii_kinds=["sin"], visibility="direct")
    plain = team.case(text="How long does a renewal take?")
    client = web_as(team.officer)
    body = client.get("/").content.decode()
    assert SIN not in body
    assert "•••-•••-286".replace("-", " ") in body  # the last three kept, spaces kept
    assert "Personal information" in body and "Direct message" in body
    only = client.get("/?personal=on").content.decode()
    assert f'data-case-id="{flagged.pk}"' in only
    assert f'data-case-id="{plain.pk}"' not in only
    listed = api_as(team.officer).get("/api/v1/cases/?personal=true").json()["results"]
    assert [c["id"] for c in listed] == [flagged.pk]
    assert listed[0]["pii_kinds"] == ["sin"] and listed[0]["visibility"] == "direct"


def test_the_raw_value_is_absent_everywhere_for_a_role_that_may_not_reveal(team, smtp):
    """A reviewer (SME) reads the case page, the review page, the review e-mail; an admin
    downloads exports; everyone reads the API: the SIN never appears."""
    case, step = in_review(team)
    seen: dict[str, str] = {}
    sme = web_as(team.sme)
    seen["case page"] = sme.get(f"/cases/{case.pk}/").content.decode()
    seen["review page"] = sme.get(f"/review/step/{step.pk}/").content.decode()
    token = review_token_make(step_id=step.pk, user_id=team.sme.pk)
    seen["emailed review page"] = Client().get(f"/review/{token}/").content.decode()
    seen["mine"] = sme.get("/review/mine/").content.decode()
    step_opened_notify(step.pk)  # what the worker runs after commit
    for address in (team.sme.email, team.sme2.email):
        (message,) = smtp.wait_for(address)
        seen[f"mail to {address}"] = "\n".join(parts(message))
    admin = web_as(team.admin)
    seen["cases.csv"] = b"".join(
        admin.get("/analytics/export/cases.csv").streaming_content  # type: ignore[attr-defined]
    ).decode()
    seen["record"] = admin.get(f"/analytics/cases/{case.pk}/record/").content.decode()
    seen["record.json"] = admin.get(f"/analytics/cases/{case.pk}/record.json").content.decode()
    from responder.testing.factories import UserFactory

    site_admin = UserFactory(is_superuser=True, is_staff=True)
    seen["django admin"] = (
        web_as(site_admin).get(f"/admin/inbox/case/{case.pk}/change/").content.decode()
    )
    for who in (team.sme, team.officer, team.admin):
        api = api_as(who)
        seen[f"api case {who}"] = api.get(f"/api/v1/cases/{case.pk}/").content.decode()
        seen[f"api list {who}"] = api.get("/api/v1/cases/").content.decode()
        seen[f"api step {who}"] = api.get(f"/api/v1/steps/{step.pk}/").content.decode()
    assert len(seen) >= 12
    for where, body in seen.items():
        assert SIN not in body, where
        assert SIN.replace(" ", "") not in body, where
    assert "•••" in seen["review page"] and "•••" in seen["record.json"]
    assert "•••" in seen["django admin"]
    record = json.loads(seen["record.json"])
    assert record["personal_information"]["kinds_found"] == ["sin"]
    assert record["personal_information"]["masked"] is True

    # The SME may not reveal: no button, and the URL and the API refuse.
    assert 'name="reason"' not in seen["case page"]
    assert sme.post(f"/cases/{case.pk}/reveal/", {"reason": "curious"}).status_code == 403
    refused = api_as(team.sme).post(
        f"/api/v1/cases/{case.pk}/reveal/", {"reason": "curious"}, format="json"
    )
    assert refused.status_code == 403
    assert not AuditEvent.objects.filter(action="case.pii_reveal").exists()


def test_an_officer_reveals_for_a_reason_audited_on_the_page_and_the_api(team):
    case = team.case(text=QUESTION, pii_kinds=["sin"])
    client = web_as(team.officer)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert SIN not in page and 'name="reason"' in page
    assert client.post(f"/cases/{case.pk}/reveal/", {"reason": ""}).status_code == 400
    client.post(f"/cases/{case.pk}/reveal/", {"reason": "Citizen called about the form"})
    assert SIN in client.get(f"/cases/{case.pk}/").content.decode()
    # Only this session: another browser of the same officer still sees it masked.
    assert SIN not in web_as(team.officer).get(f"/cases/{case.pk}/").content.decode()
    event = AuditEvent.objects.get(action="case.pii_reveal", case=case)
    assert event.actor == team.officer and event.details["reason"].startswith("Citizen")
    assert SIN not in json.dumps(event.details)

    api = api_as(team.officer2)
    assert SIN not in api.get(f"/api/v1/cases/{case.pk}/").content.decode()
    revealed = api.post(f"/api/v1/cases/{case.pk}/reveal/", {"reason": "Follow-up"}, format="json")
    assert revealed.status_code == 200
    assert revealed.json()["text"] == QUESTION
    assert revealed.json()["personal_information"] == [{"kind": "sin", "start": 21, "end": 32}]
    assert AuditEvent.objects.filter(action="case.pii_reveal", via="api").count() == 1


def test_a_reviewer_edit_adding_a_sin_is_refused_with_the_check_message(team):
    _, step = in_review(team, text="How long does a renewal take?")
    with pytest.raises(ValidationError) as refused:
        approval_decide(
            step_id=step.pk,
            reviewer=team.sme,
            decision="edit_approve",
            via="web",
            edited_text=f"We found your file under SIN {SIN}, it is on its way.",
        )
    assert refused.value.code == "checks_failed"
    assert "personal information (social insurance number)" in refused.value.messages[0]


def test_an_api_draft_with_a_sin_is_refused_at_submit_and_the_checks_api_agrees(team):
    case = team.case(text=QUESTION)
    officer = api_as(team.officer)
    officer.post(f"/api/v1/cases/{case.pk}/claim/", {}, format="json")
    text = f"Thanks, SIN {SIN} is noted."
    officer.post(f"/api/v1/cases/{case.pk}/draft/", {"text": text}, format="json")
    submitted = officer.post(f"/api/v1/cases/{case.pk}/submit/", {}, format="json")
    assert submitted.status_code == 400
    assert "personal information (social insurance number)" in submitted.json()["detail"]

    checks = officer.post(
        "/api/v1/checks/", {"text": text, "language": "en", "case": case.pk}, format="json"
    ).json()
    assert checks["ok"] is False
    assert checks["personal_information"] == [{"kind": "sin", "start": 12, "end": 23}]
    assert SIN not in json.dumps(checks)
    clean = officer.post("/api/v1/checks/", {"text": "Call 1-800-567-6868."}, format="json")
    assert clean.json()["personal_information"] == []
    # The department's allow-list is respected.
    team.department.pii_allow_list = "613-555-0143"
    team.department.save()
    allowed = officer.post(
        "/api/v1/checks/", {"text": "Call us at 613-555-0143.", "case": case.pk}, format="json"
    )
    assert allowed.json()["personal_information"] == []


def test_the_editor_highlights_the_span(team):
    case = team.case(text=QUESTION)
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    response = web_as(team.officer).post(
        f"/cases/{case.pk}/draft/checks/",
        {"text": f"Your SIN {SIN} is fine.", "language": "en"},
        HTTP_HX_REQUEST="true",
    )
    assert f'<mark class="pii-span" title="Social insurance number">{SIN}</mark>' in (
        response.content.decode()
    )


def test_redaction_removes_the_value_keeps_the_flow_and_respects_legal_hold(team):
    case, _ = in_review(team)
    redacted = case_pii_redact(case_id=case.pk, actor=team.officer, via="web")
    assert SIN not in redacted.text and "[Social insurance number]" in redacted.text
    assert redacted.state == "in_review"
    assert redacted.personal_data_redactions[0]["kinds"] == ["sin"]
    assert redacted.pii_kinds == []  # no badge any more; the record keeps the redaction
    event = AuditEvent.objects.get(action="case.pii_redact", case=case)
    assert event.actor == team.officer and event.details["kinds"] == ["sin"]
    assert SIN not in json.dumps(event.details)

    held = team.case(text=QUESTION, legal_hold=True)
    with pytest.raises(ConflictError):
        case_pii_redact(case_id=held.pk, actor=team.officer, via="web")
    assert Case.objects.get(pk=held.pk).text == QUESTION
    with pytest.raises(Exception):
        case_pii_redact(case_id=held.pk, actor=team.sme, via="web")


def test_a_span_selected_by_the_officer_is_redacted_through_the_page(team):
    case = team.case(text="My name is Jo Tremblay, help please")
    client = web_as(team.officer)
    response = client.post(f"/cases/{case.pk}/redact/", {"start": 11, "end": 22})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.text == "My name is [removed], help please"


def test_a_public_reply_to_a_personal_post_needs_an_acknowledgement(team):
    case = team.case(text=QUESTION, pii_kinds=["sin"])
    officer = api_as(team.officer)
    officer.post(f"/api/v1/cases/{case.pk}/claim/", {}, format="json")
    officer.post(
        f"/api/v1/cases/{case.pk}/draft/", {"text": "Renewals take 10 days."}, format="json"
    )
    refused = officer.post(f"/api/v1/cases/{case.pk}/submit/", {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "public_reply_to_personal"
    assert Case.objects.get(pk=case.pk).state == "drafting"
    page = web_as(team.officer).get(f"/cases/{case.pk}/").content.decode()
    assert 'name="acknowledge_public"' in page
    accepted = officer.post(
        f"/api/v1/cases/{case.pk}/submit/", {"acknowledge_public": True}, format="json"
    )
    assert accepted.status_code == 200 and accepted.json()["state"] == "in_review"


def test_a_private_answer_goes_out_as_a_direct_message(team):
    from responder.channels.models import OutboxItem

    case = team.case(text=QUESTION, pii_kinds=["sin"])
    officer = api_as(team.officer)
    officer.post(f"/api/v1/cases/{case.pk}/claim/", {}, format="json")
    saved = officer.post(
        f"/api/v1/cases/{case.pk}/draft/",
        {"text": "We sent you a private message.", "private": True},
        format="json",
    )
    assert saved.json()["drafts"][-1]["private_reply"] is True
    assert officer.post(f"/api/v1/cases/{case.pk}/submit/", {}, format="json").status_code == 200
    step = ApprovalStep.objects.get(case=case)
    approval_decide(
        step_id=step.pk,
        reviewer=team.sme,
        decision="edit_approve",
        via="web",
        edited_text="We have sent you a private message.",
    )
    item = OutboxItem.objects.get(case=case)
    assert item.visibility == "direct"
    assert item.draft.private_reply is True  # the reviewer's edit kept the choice


def test_no_private_answer_where_the_platform_has_none(team):
    from responder.testing.factories import CaseFactory, PlatformAccountFactory

    account = PlatformAccountFactory(department=team.department, platform="x")
    case = CaseFactory(account=account, department=team.department, text=QUESTION)
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    with pytest.raises(ValidationError):
        inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Hi", private=True)


def test_a_role_that_may_not_reveal_cannot_confirm_a_guessed_number_by_searching(team):
    """Searching the cases for a guessed number would tell a reviewer it is there: the
    text of a case with personal information is searched only for those who may
    reveal it (officers and admins of its department); its handle stays searchable."""
    case = team.case(text=QUESTION)
    case.pii_kinds = ["sin"]
    case.save(update_fields=["pii_kinds"])
    plain = team.case(text="@passports why is my application stuck?")
    query = "/api/v1/cases/?q=046%20454"
    found_by_sme = {c["id"] for c in api_as(team.sme).get(query).json()["results"]}
    found_by_officer = {c["id"] for c in api_as(team.officer).get(query).json()["results"]}
    assert case.pk not in found_by_sme
    assert case.pk in found_by_officer
    stuck = "/api/v1/cases/?q=stuck"
    assert plain.pk in {c["id"] for c in api_as(team.sme).get(stuck).json()["results"]}
