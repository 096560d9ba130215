""" "Changes requested": a case a reviewer sent back, as the officer sees it.

A drafting case is sent back when the last step of its latest approval round asked
for changes (the other steps of that round were cancelled). The officer's inbox marks
it ("Changes requested" badge and filter); the case page shows the reviewer's words
above the editor; and the draft cannot go back unchanged without a reason
(responder/inbox/services.py draft_submit).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Max, OuterRef, Subquery

from responder.inbox.models import Case, CaseState
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus


@dataclass(frozen=True)
class SentBack:
    step: ApprovalStep
    text: str  # the draft text the reviewer sent back
    comments: list[tuple[str, str]]  # (reviewer, their words)


def _latest_round() -> Subquery:
    return Subquery(
        ApprovalStep.objects.filter(case_id=OuterRef("case_id"))
        .values("case_id")
        .annotate(top=Max("round"))
        .values("top")[:1]
    )


def sent_back_ids(case_ids: list[int]) -> set[int]:
    """Which of these cases (drafting ones) were sent back in their latest round."""
    if not case_ids:
        return set()
    return set(
        ApprovalStep.objects.filter(
            case_id__in=case_ids,
            case__state=CaseState.DRAFTING,
            status=StepStatus.CHANGES_REQUESTED,
        )
        .annotate(latest=_latest_round())
        .filter(round=F("latest"))
        .values_list("case_id", flat=True)
    )


def sent_back_for(case: Case) -> SentBack | None:
    """The step that sent a drafting case back, its draft's text and the reviewers'
    words; None when the case is not waiting on requested changes."""
    if case.state != CaseState.DRAFTING:
        return None
    latest = ApprovalStep.objects.filter(case=case).aggregate(top=Max("round"))["top"]
    step = (
        ApprovalStep.objects.filter(case=case, round=latest, status=StepStatus.CHANGES_REQUESTED)
        .select_related("draft")
        .first()
    )
    if step is None:
        return None
    comments = [
        (str(d.reviewer), d.comment)
        for d in StepDecision.objects.filter(step=step, decision=Decision.REQUEST_CHANGES)
        .select_related("reviewer")
        .order_by("created_at", "pk")
    ]
    return SentBack(step=step, text=step.draft.text if step.draft else "", comments=comments)
