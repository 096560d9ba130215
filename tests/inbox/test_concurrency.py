"""Double clicks and races, with real concurrent connections to PostgreSQL.

Each attempt runs in its own thread (so its own database connection and
transaction); a barrier releases them together. The row lock in the services must
let exactly one win and give the other a clear conflict, with one audit event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.errors import ConflictError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalStep, StepDecision, StepStatus
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db(transaction=True)


def race(*attempts: Callable[[], Any]) -> list[Any]:
    """Run the attempts at the same moment; return each one's result or exception."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = [None] * len(attempts)

    def run(index: int, attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = attempt()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "an attempt hung"
    return results


def conflicts(results: list[Any]) -> list[ConflictError]:
    return [r for r in results if isinstance(r, ConflictError)]


def submitted_case(team, *, sensitive: bool = False):
    case = team.sensitive_case() if sensitive else team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Our new answer.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case


def test_two_officers_claiming_one_case_exactly_one_wins(team):
    case = team.case()
    results = race(
        lambda: inbox.case_claim(case_id=case.pk, actor=team.officer, via="web"),
        lambda: inbox.case_claim(case_id=case.pk, actor=team.officer2, via="web"),
    )
    assert len(conflicts(results)) == 1
    winner = next(r for r in results if not isinstance(r, Exception))
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    assert case.owner_id == winner.owner_id
    assert "holds this case" in conflicts(results)[0].message
    assert AuditEvent.objects.filter(case=case, action="case.claim").count() == 1


def test_two_smes_deciding_one_step_exactly_one_decides(team):
    case = submitted_case(team)
    step = ApprovalStep.objects.get(case=case)
    results = race(
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
        ),
        lambda: approval_decide(
            step_id=step.pk,
            reviewer=team.sme2,
            decision="request_changes",
            comment="Add the fee.",
            via="email",
        ),
    )
    assert len(conflicts(results)) == 1
    assert "already decided" in conflicts(results)[0].message
    assert StepDecision.objects.filter(step=step).count() == 1
    decision_events = AuditEvent.objects.filter(case=case, action__startswith="approval.")
    assert decision_events.count() == 1
    case.refresh_from_db()
    approved = decision_events.get().action == "approval.approve"
    assert case.state == (CaseState.APPROVED if approved else CaseState.DRAFTING)
    assert OutboxItem.objects.filter(case=case).count() == (1 if approved else 0)


def test_double_submitted_form_submits_once(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Our new answer.")
    results = race(
        lambda: submission.draft_submit(case_id=case.pk, actor=team.officer, via="web"),
        lambda: submission.draft_submit(case_id=case.pk, actor=team.officer, via="web"),
    )
    assert len(conflicts(results)) == 1
    assert ApprovalStep.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(case=case, action="case.submit").count() == 1


def test_double_submitted_library_answer_posts_once(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk,
        actor=team.officer,
        via="web",
        text=team.answer.text_en,
        library_answer_id=team.answer.pk,
    )
    results = race(
        lambda: submission.draft_submit(case_id=case.pk, actor=team.officer, via="web"),
        lambda: submission.draft_submit(case_id=case.pk, actor=team.officer, via="web"),
    )
    assert len(conflicts(results)) == 1
    assert OutboxItem.objects.filter(case=case).count() == 1


def test_two_approvals_needed_both_count_and_the_layer_closes_once(team):
    """A layer that needs two people: concurrent approvals are serialised, both are
    recorded, and the case leaves review exactly once (a self-loop the FSM alone
    could not see)."""
    ApprovalLayer.objects.filter(policy__name="New answer").update(approvals_required=2)
    case = submitted_case(team)
    step = ApprovalStep.objects.get(case=case)
    results = race(
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
        ),
        lambda: approval_decide(step_id=step.pk, reviewer=team.sme2, decision="approve", via="web"),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    step.refresh_from_db()
    case.refresh_from_db()
    assert step.status == StepStatus.APPROVED
    assert case.state == CaseState.APPROVED
    assert OutboxItem.objects.filter(case=case).count() == 1
    assert AuditEvent.objects.filter(case=case, action="approval.approve").count() == 2
    assert (
        AuditEvent.objects.filter(case=case, to_state=CaseState.APPROVED)
        .exclude(from_state=CaseState.APPROVED)
        .count()
        == 1
    )


def test_same_reviewer_double_click_counts_once(team):
    ApprovalLayer.objects.filter(policy__name="New answer").update(approvals_required=2)
    case = submitted_case(team)
    step = ApprovalStep.objects.get(case=case)
    results = race(
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
        ),
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
        ),
    )
    assert len(conflicts(results)) == 1
    assert StepDecision.objects.filter(step=step).count() == 1
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
