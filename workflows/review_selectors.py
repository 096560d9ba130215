"""Reads for the review pages and emails: the thread, decisions, comments and the
diff of an SME's edit. The steps waiting for a person are workflows.selectors'."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from responder.accounts.models import User
from responder.inbox.diff import diff_html
from responder.inbox.models import Case, Draft
from workflows.models import (
    ApprovalStep,
    CaseComment,
    Consultation,
    Decision,
    StepDecision,
)


def case_comments(*, case: Case) -> QuerySet[CaseComment]:
    return CaseComment.objects.filter(case=case).select_related(
        "author", "consultation__department"
    )


def step_decisions(*, step: ApprovalStep) -> QuerySet[StepDecision]:
    return StepDecision.objects.filter(step=step).select_related("reviewer", "edited_draft")


def case_decisions(*, case: Case) -> QuerySet[StepDecision]:
    """Every decision taken on the case, all rounds, in order (with the edits' diffs)."""
    return (
        StepDecision.objects.filter(step__case=case)
        .select_related("reviewer", "step", "edited_draft__edited_from")
        .order_by("created_at", "id")
    )


def step_approval_count(*, step: ApprovalStep) -> int:
    return StepDecision.objects.filter(
        step=step, decision__in=(Decision.APPROVE, Decision.EDIT_APPROVE)
    ).count()


def consultations_waiting_for(*, user: User) -> QuerySet[Consultation]:
    return Consultation.objects.filter(expert=user, answered_at__isnull=True).select_related(
        "case", "requested_by"
    )


@dataclass(frozen=True)
class DraftDiff:
    before: Draft
    after: Draft
    html: SafeString


def draft_diff(*, draft: Draft) -> DraftDiff | None:
    """The change an SME made, if this draft is an edit of an earlier one."""
    before = draft.edited_from
    if before is None:
        return None
    return DraftDiff(before=before, after=draft, html=diff_html(before.text, draft.text))
