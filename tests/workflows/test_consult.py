"""Consulting an expert of another department, and the comment thread on a case."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from responder.accounts.models import Department, Role
from responder.audit.models import AuditEvent
from responder.errors import PermissionDenied, ValidationError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.factories import person
from tests.workflows.mailsink import (  # noqa: F401
    eager_tasks,
    fresh_rate_limit,
    link_in,
)
from workflows import submission
from workflows.consultations import comment_add, consultation_request
from workflows.models import ApprovalStep, CaseComment, Consultation, StepDecision

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_rate_limit", "eager_tasks"),
]


@pytest.fixture
def tax_expert(team):
    return person(Role.SME, Department.objects.get(slug="taxes"), username="tina")


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def _claimed(team):
    case = team.case(text="Do I pay tax on a passport <refund>?")
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="No tax applies.")
    return case


def _consulted(team, case, expert, capture_on_commit):
    """The officer asks `expert` about `case`; the email goes out."""
    with capture_on_commit(execute=True):
        return consultation_request(
            case_id=case.pk,
            actor=team.officer,
            expert_id=expert.pk,
            question="Is a passport refund taxable?",
            via="web",
        )


def test_an_expert_of_another_department_answers_in_the_thread(
    team, tax_expert, django_capture_on_commit_callbacks
):
    case = _claimed(team)
    consultation = _consulted(team, case, tax_expert, django_capture_on_commit_callbacks)
    (asked,) = [m for m in mail.outbox if m.to == [tax_expert.email]]
    assert "Is a passport refund taxable?" in asked.body
    assert "Do I pay tax on a passport <refund>?" in asked.body
    path = _path(link_in(asked.message()))

    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    body = page.content.decode()
    assert page.status_code == 200
    assert "Is a passport refund taxable?" in body
    assert "&lt;refund&gt;" in body
    assert 'value="approve"' not in body  # comment only: no approval right
    csrf = page.context["csrf_token"]

    refused = client.post(path, {"csrfmiddlewaretoken": csrf, "action": "approve"})
    assert refused.status_code == 400
    assert "does not allow that action" in refused.content.decode()
    assert not StepDecision.objects.exists()

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            path,
            {"csrfmiddlewaretoken": csrf, "action": "comment", "comment": "Not taxable."},
        )
    assert done.status_code == 200
    consultation.refresh_from_db()
    assert consultation.answered_at is not None
    reply = CaseComment.objects.get(case=case, author=tax_expert)
    assert (reply.text, reply.via, reply.consultation) == ("Not taxable.", "email", consultation)
    assert [m.to for m in mail.outbox] == [[team.officer.email]]  # the officer is told
    assert "Not taxable." in mail.outbox[0].body
    event = AuditEvent.objects.get(action="consultation.reply")
    assert (event.via, event.actor) == ("email", tax_expert)

    again = client.post(path, {"csrfmiddlewaretoken": csrf, "action": "comment", "comment": "x"})
    assert again.status_code == 410
    assert CaseComment.objects.filter(author=tax_expert).count() == 1


def test_only_officers_consult_and_only_experts_of_other_departments(team, tax_expert):
    case = _claimed(team)
    with pytest.raises(PermissionDenied):
        consultation_request(
            case_id=case.pk, actor=team.sme, expert_id=tax_expert.pk, question="?", via="web"
        )
    with pytest.raises(ValidationError):
        consultation_request(
            case_id=case.pk, actor=team.officer, expert_id=team.sme.pk, question="?", via="web"
        )
    assert not Consultation.objects.exists()


def test_officer_and_reviewer_talk_in_the_case_thread(team, django_capture_on_commit_callbacks):
    case = _claimed(team)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    assert ApprovalStep.objects.filter(case=case).count() == 1
    mail.outbox.clear()

    officer = Client()
    officer.force_login(team.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(
            f"/review/case/{case.pk}/comment/",
            {"text": "Source: the fees page.", "next": f"/cases/{case.pk}/"},
        )
    assert response.status_code == 302
    # Each reviewer who has not decided is told, with their own link to answer.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([team.sme.email, team.sme2.email])
    sme_mail = next(m for m in mail.outbox if m.to == [team.sme.email])
    path = _path(link_in(sme_mail.message()))

    client = Client(enforce_csrf_checks=True)
    page = client.get(path)
    assert "Source: the fees page." in page.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            path,
            {
                "csrfmiddlewaretoken": page.context["csrf_token"],
                "action": "comment",
                "comment": "Fine, approving soon.",
            },
        )
    assert answered.status_code == 302  # back to the review page: the link still works
    assert "Fine, approving soon." in client.get(path).content.decode()
    assert [m.to for m in mail.outbox] == [[team.officer.email]]
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW  # a comment decides nothing
    assert list(CaseComment.objects.filter(case=case).values_list("via", flat=True)) == [
        "web",
        "email",
    ]

    with pytest.raises(PermissionDenied):
        comment_add(case_id=case.pk, author=team.outsider, text="Hi", via="web")


def test_a_signed_in_expert_answers_from_waiting_for_me(
    team, tax_expert, django_capture_on_commit_callbacks
):
    case = _claimed(team)
    consultation = _consulted(team, case, tax_expert, django_capture_on_commit_callbacks)
    page_url = f"/review/consultation/{consultation.pk}/"

    # Someone else, even a reviewer of the case's department, cannot open it.
    other = Client()
    other.force_login(team.sme)
    assert other.get(page_url).status_code == 403

    client = Client()
    client.force_login(tax_expert)
    mine = client.get("/review/mine/").content.decode()
    assert "Is a passport refund taxable?" in mine and f'href="{page_url}"' in mine
    page = client.get(page_url).content.decode()
    assert "Is a passport refund taxable?" in page and "&lt;refund&gt;" in page
    assert 'value="approve"' not in page  # comment only: no approval right

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(page_url, {"action": "comment", "comment": "Not taxable."})
    assert done.status_code == 200
    reply = CaseComment.objects.get(case=case, author=tax_expert)
    assert (reply.text, reply.via, reply.consultation) == ("Not taxable.", "web", consultation)
    assert [m.to for m in mail.outbox] == [[team.officer.email]]
    assert "Is a passport refund taxable?" not in client.get("/review/mine/").content.decode()

    # Answered once: the page says so and takes no second answer.
    again = client.post(page_url, {"action": "comment", "comment": "Also this."})
    assert again.status_code == 400
    assert "You already answered this question." in client.get(page_url).content.decode()
    assert CaseComment.objects.filter(author=tax_expert).count() == 1
