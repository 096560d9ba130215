"""Reads for the review pages and emails: the thread, decisions, comments and the
diff of an SME's edit. The steps waiting for a person are workflows.selectors'."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from responder.accounts.models import User
from responder.inbox.models import Case, Draft
from workflows.models import (
    ApprovalStep,
    CaseComment,
    Consultation,
    Decision,
    StepDecision,
)

THREAD_DEPTH = 5


def case_thread(*, case: Case, depth: int = THREAD_DEPTH) -> list[Case]:
    """The earlier posts of the conversation this case answers, oldest first."""
    thread: list[Case] = []
    seen = {case.pk}
    parent = case.parent
    while parent is not None and parent.pk not in seen and len(thread) < depth:
        thread.append(parent)
        seen.add(parent.pk)
        parent = parent.parent
    thread.reverse()
    return thread


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


_TOKEN = re.compile(r"\s+|[^\s]+")


def diff_html(before: str, after: str) -> SafeString:
    """A word-level diff of two texts as HTML: removed words in <del>, added in <ins>.
    Every piece of text is escaped (drafts quote citizens)."""
    old = _TOKEN.findall(before)
    new = _TOKEN.findall(after)
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(old[a1:a2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(''.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(''.join(new[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped


def draft_diff(*, draft: Draft) -> DraftDiff | None:
    """The change an SME made, if this draft is an edit of an earlier one."""
    before = draft.edited_from
    if before is None:
        return None
    return DraftDiff(before=before, after=draft, html=diff_html(before.text, draft.text))
