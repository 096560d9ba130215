"""The broker (Redis) is down when an action commits: the action stands, the person
gets a normal page, the error is logged, and the SLA sweep sends the email later.

"Down" is real: the Celery app publishes to a local port nothing listens on. The
tests are transactional, so on_commit callbacks run inside the request as in
production.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from responder.accounts.models import Department, Role
from responder.channels.models import OutboxItem
from responder.channels.posting import outbox_due_ids
from responder.channels.posting.policy import SWEEP_GRACE
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.broker import broker_down, queueing_errors, tasks_run_inline
from tests.factories import person, submitted_in_new_words
from workflows import submission
from workflows.escalation import LOST_EMAIL_AFTER, sla_sweep_run
from workflows.models import ApprovalLayer, ApprovalStep, Consultation, StepStatus

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def approval_requests(address: str) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [address]]


def sweep_later(minutes: float = 3):
    with tasks_run_inline():
        return sla_sweep_run(now=timezone.now() + dt.timedelta(minutes=minutes))


def test_an_officer_submits_while_the_broker_is_down_and_the_sweep_asks_the_reviewers(team, caplog):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")

    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        response = signed_in(team.officer).post(f"/cases/{case.pk}/submit/")

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    step = ApprovalStep.objects.get(case=case, status=StepStatus.OPEN)
    (logged,) = queueing_errors(caplog, "workflows.tasks.step_opened_notify")
    assert f"({step.pk},)" in logged and "will be retried by the sweep" in logged
    assert mail.outbox == []

    # A task that is merely late is left to the worker.
    assert sweep_later(minutes=LOST_EMAIL_AFTER.total_seconds() / 60 / 2).opened_requeued == 0
    assert mail.outbox == []

    assert sweep_later().opened_requeued == 1
    assert approval_requests(team.sme.email) == [f"Reply to approve: case #{case.pk}"]
    assert approval_requests(team.sme2.email) == [f"Reply to approve: case #{case.pk}"]
    assert len(mail.outbox) == 2

    assert sweep_later(minutes=10).opened_requeued == 0
    assert len(mail.outbox) == 2


def test_a_reviewer_approves_while_the_broker_is_down_and_the_director_is_asked_once(team, caplog):
    case = team.sensitive_case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    with tasks_run_inline():  # the broker is up: the SMEs are asked at once
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    first, second = ApprovalStep.objects.filter(case=case).order_by("position")
    assert len(approval_requests(team.sme.email)) == 1
    mail.outbox.clear()

    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        response = signed_in(team.sme).post(f"/review/step/{first.pk}/", {"action": "approve"})

    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (StepStatus.APPROVED, StepStatus.OPEN)
    (logged,) = queueing_errors(caplog, "workflows.tasks.step_opened_notify")
    assert f"({second.pk},)" in logged
    assert mail.outbox == []

    assert sweep_later().opened_requeued == 1
    assert mail.outbox and approval_requests(team.director.email) == [
        f"Reply to approve: case #{case.pk}"
    ]
    assert len(mail.outbox) == 1  # the SMEs, who had theirs, get nothing more
    assert sweep_later(minutes=10).opened_requeued == 0
    assert len(mail.outbox) == 1

    # The director approves from the email while the broker is down again: the reply
    # is saved for posting, and the outbox sweep finds it.
    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        response = signed_in(team.director).post(
            f"/review/step/{second.pk}/", {"action": "approve"}
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    item = OutboxItem.objects.get(case=case)
    (logged,) = queueing_errors(caplog, "responder.channels.tasks.outbox_send")
    assert f"({item.pk},)" in logged
    due = timezone.now() + SWEEP_GRACE + dt.timedelta(seconds=1)
    assert item.pk in outbox_due_ids(now=due)


def test_an_officer_consults_while_the_broker_is_down_and_the_sweep_asks_the_expert(team, caplog):
    expert = person(Role.SME, Department.objects.get(slug="taxes"), username="tina")
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")

    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        response = signed_in(team.officer).post(
            f"/review/case/{case.pk}/consult/",
            {"expert": expert.pk, "question": "Is a passport refund taxable?"},
        )

    assert response.status_code == 302
    consultation = Consultation.objects.get(case=case, expert=expert)
    (logged,) = queueing_errors(caplog, "workflows.tasks.consultation_notify")
    assert f"({consultation.pk},)" in logged
    assert mail.outbox == []

    result = sweep_later()
    assert (result.consultations_requeued, result.opened_requeued) == (1, 0)
    (email,) = mail.outbox
    assert email.to == [expert.email]
    assert "Your input is requested" in email.subject
    assert sweep_later(minutes=10).consultations_requeued == 0
    assert len(mail.outbox) == 1


def test_an_escalation_whose_email_was_lost_reaches_the_delegate_once(team, caplog):
    delegate = person(Role.APPROVER, team.department, username="dana")
    # Steps copy their layer when the draft is submitted: the delegate is set first.
    ApprovalLayer.objects.filter(policy__name="New answer").update(delegate=delegate)
    case = team.case()
    with tasks_run_inline():
        step = submitted_in_new_words(team, case, "Ten business days.")
    assert step.delegate == delegate
    mail.outbox.clear()

    # The sweep escalates while the broker is restarting: stamped, email lost.
    overdue = step.due_at + dt.timedelta(seconds=1)
    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        assert sla_sweep_run(now=overdue).escalated == 1
    assert queueing_errors(caplog, "workflows.tasks.step_escalated_notify")
    assert approval_requests(delegate.email) == []

    def sweep_at(moment):
        with tasks_run_inline():
            return sla_sweep_run(now=moment)

    assert sweep_at(overdue + LOST_EMAIL_AFTER / 2).escalations_requeued == 0
    assert sweep_at(overdue + LOST_EMAIL_AFTER * 2).escalations_requeued == 1
    (sent,) = approval_requests(delegate.email)
    assert f"#{case.pk}" in sent
    assert sweep_at(overdue + LOST_EMAIL_AFTER * 3).escalations_requeued == 0
    assert len(approval_requests(delegate.email)) == 1


def test_a_draft_sent_back_while_the_broker_is_down_reaches_the_officer_once(team, caplog):
    case = team.case()
    with tasks_run_inline():
        step = submitted_in_new_words(team, case, "Ten business days.")
    mail.outbox.clear()

    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        response = signed_in(team.sme).post(
            f"/review/step/{step.pk}/",
            {"action": "request_changes", "comment": "Say business days."},
        )
    assert response.status_code == 302
    assert queueing_errors(caplog, "workflows.tasks.changes_requested_notify")
    assert approval_requests(team.officer.email) == []

    assert sweep_later().changes_requeued == 1
    (told,) = approval_requests(team.officer.email)
    assert f"#{case.pk}" in told
    assert sweep_later(minutes=10).changes_requeued == 0
    assert len(approval_requests(team.officer.email)) == 1
