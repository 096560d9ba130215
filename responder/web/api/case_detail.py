"""The API's read of one case: the case with its drafts, approval steps, history and
outbox, which spans the layers below the web (cases, workflows, channels)."""

from __future__ import annotations

from django.db.models import Prefetch

from responder.accounts.models import User
from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.inbox.models import Case, Draft
from responder.inbox.selectors import MAX_ID, cases_visible_to
from workflows.models import ApprovalStep, StepDecision


def case_detail(*, user: User, case_id: int) -> Case:
    """One case with everything its page shows, in a fixed number of queries.

    Raises Case.DoesNotExist when the case does not exist or `user` may not see it.
    """
    if not 0 < case_id <= MAX_ID:
        raise Case.DoesNotExist
    steps = (
        ApprovalStep.objects.select_related("delegate", "draft")
        .prefetch_related(
            "reviewers",
            Prefetch(
                "decisions",
                queryset=StepDecision.objects.select_related("reviewer", "edited_draft").order_by(
                    "created_at", "id"
                ),
            ),
        )
        .order_by("round", "position")
    )
    return (
        cases_visible_to(user=user)
        .select_related("department", "account", "owner", "parent")
        .prefetch_related(
            "topics",
            Prefetch(
                "drafts",
                queryset=Draft.objects.select_related(
                    "author", "edited_from", "library_answer"
                ).order_by("version"),
            ),
            Prefetch("approval_steps", queryset=steps),
            Prefetch(
                "audit_events",
                queryset=AuditEvent.objects.select_related("actor").order_by("created_at", "id"),
            ),
            Prefetch("outbox_items", queryset=OutboxItem.objects.order_by("created_at", "id")),
        )
        .get(pk=case_id)
    )
