from __future__ import annotations

import pytest

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.errors import ConflictError, PermissionDenied
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from workflows import submission
from workflows.models import ApprovalStep, StepStatus
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


def test_unchanged_library_answer_goes_straight_to_the_outbox(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk,
        actor=team.officer,
        via="web",
        text=team.answer.text_en,
        library_answer_id=team.answer.pk,
    )
    case = submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")

    assert case.state == CaseState.APPROVED
    assert not ApprovalStep.objects.filter(case=case).exists()
    item = OutboxItem.objects.get(case=case)
    assert item.text.startswith(f"@{case.author_handle} ")
    team.answer.refresh_from_db()
    assert team.answer.times_used == 1


def test_sensitive_answer_needs_sme_then_director(team):
    case = team.sensitive_case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="api")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="api", text="Our own words.")
    case = submission.draft_submit(case_id=case.pk, actor=team.officer, via="api")
    assert case.state == CaseState.IN_REVIEW
    first, second = ApprovalStep.objects.filter(case=case).order_by("position")
    assert (first.status, second.status) == (StepStatus.OPEN, StepStatus.WAITING)

    with pytest.raises(PermissionDenied):
        approval_decide(step_id=first.pk, reviewer=team.director, decision="approve", via="web")
    with pytest.raises(ConflictError, match="earlier layer"):
        approval_decide(step_id=second.pk, reviewer=team.director, decision="approve", via="web")
    approval_decide(step_id=first.pk, reviewer=team.sme, decision="approve", via="email")
    second.refresh_from_db()
    assert second.status == StepStatus.OPEN
    assert not OutboxItem.objects.filter(case=case).exists()

    approval_decide(step_id=second.pk, reviewer=team.director, decision="approve", via="email")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert OutboxItem.objects.filter(case=case).count() == 1
    actions = list(AuditEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "case.claim",
        "draft.save",
        "case.submit",
        "approval.approve",
        "approval.approve",
    ]


def test_request_changes_sends_the_case_back(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="First try.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=case)
    approval_decide(
        step_id=step.pk,
        reviewer=team.sme,
        decision="request_changes",
        comment="Mention the fee.",
        via="email",
    )
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    with pytest.raises(ConflictError):
        approval_decide(step_id=step.pk, reviewer=team.sme2, decision="approve", via="email")
