"""The inbox's reading pane (#14): the case chosen in the list, read beside it at
1200 px and wider (below, after the list). `/?open=<id>` renders it with the page;
the list's script asks the same URL with htmx and swaps in the pane alone, so the
list stays where it was. Reads only.

The pane shows what the case page shows to the same people: the case must be one
this person may see and work on (responder.accounts.authz, CASE_VIEW and CASE_WORK,
exactly as the case page asks); anything else is "not found", like a case that does
not exist, so ids cannot be probed from the inbox either."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.inbox.models import Case, CaseState
from responder.inbox.response_clock import clock_status
from responder.inbox.thread import case_thread
from workflows.models import ApprovalStep, StepStatus
from workflows.sent_back import sent_back_ids

FOLLOWUPS_SHOWN = 10


def pane_case_id(request: HttpRequest) -> int | None:
    """The case asked for by `?open=<id>`, if the value is a case id at all."""
    value = request.GET.get("open", "")
    return int(value) if value.isdigit() and len(value) < 19 else None


def pane_context(request: HttpRequest, case_id: int | None) -> dict[str, Any]:
    """What the pane shows: nothing chosen yet, the case, or "not found"."""
    if case_id is None:
        return {"pane_case": None, "pane_missing": None}
    user: User = request.user  # type: ignore[assignment]
    case = (
        Case.objects.select_related("owner", "account", "department", "parent")
        .filter(pk=case_id)
        .first()
    )
    if (
        case is None
        or not authz.may(user, Action.CASE_VIEW, case)
        or not authz.may(user, Action.CASE_WORK, case)
    ):
        return {"pane_case": None, "pane_missing": case_id}
    now = timezone.now()
    open_step = (
        ApprovalStep.objects.filter(case=case, status=StepStatus.OPEN)
        .select_related("layer")
        .order_by("-round", "position")
        .first()
    )
    return {
        "pane_case": case,
        "pane_missing": None,
        "pane_ancestors": case_thread(case=case),
        "pane_followups": list(case.followups.order_by("received_at", "pk")[:FOLLOWUPS_SHOWN]),
        "pane_clock": clock_status(
            respond_by=case.respond_by,
            first_response_at=case.first_response_at,
            state=case.state,
            now=now,
        ),
        "pane_step": open_step,
        "pane_step_overdue": bool(
            open_step is not None and open_step.due_at is not None and open_step.due_at < now
        ),
        "pane_can_claim": case.state == CaseState.NEW,
        # As the list says it: a drafting case a reviewer sent back.
        "pane_sent_back": case.state == CaseState.DRAFTING and bool(sent_back_ids([case.pk])),
    }
