""" "Changes requested": a case a reviewer sent back, as the officer sees it.

A drafting case is sent back when the last step of its latest approval round asked
for changes (the other steps of that round were cancelled). The officer's inbox marks
it ("Changes requested" badge and filter); the case page shows the reviewer's words
above the editor; and the draft cannot go back unchanged without a reason
(responder/inbox/services.py draft_submit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Max
from django.db.models.expressions import RawSQL

from responder.inbox.models import Case, CaseState
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus


@dataclass(frozen=True)
class SentBack:
    step: ApprovalStep
    text: str  # the draft text the reviewer sent back
    comments: list[tuple[str, str]]  # (reviewer, their words)


def sent_back_sql(step: str) -> tuple[str, list[Any]]:
    """The rule as an SQL condition on the approval step `step` (a table alias) and its
    parameters: this step asked for changes and belongs to its case's latest round. The
    case must be drafting too, which the caller checks. The one home of the rule in SQL:
    the inbox's filter, its rows' badge and sent_back_ids below."""
    table = connection.ops.quote_name(ApprovalStep._meta.db_table)
    return (
        f"%s = {step}.status AND {step}.round ="  # noqa: S608
        f" (SELECT MAX(s2.round) FROM {table} AS s2 WHERE s2.case_id = {step}.case_id)",
        [StepStatus.CHANGES_REQUESTED],
    )


def sent_back_ids(case_ids: list[int]) -> set[int]:
    """Which of these cases (drafting ones) were sent back in their latest round."""
    if not case_ids:
        return set()
    sql, params = sent_back_sql(connection.ops.quote_name(ApprovalStep._meta.db_table))
    return set(
        ApprovalStep.objects.filter(
            RawSQL(sql, params, output_field=BooleanField()),  # noqa: S611 - names only
            case_id__in=case_ids,
            case__state=CaseState.DRAFTING,
        ).values_list("case_id", flat=True)
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
