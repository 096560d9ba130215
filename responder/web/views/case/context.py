"""What the case page shows: the citizen's post and its thread, ownership, the draft
editor and its checks, the approval preview, the approval steps and the case's
history. Reads only; the views that render it are in page.py."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, OutboxKind
from responder.channels.selectors import outbox_failure
from responder.inbox import checks as outgoing
from responder.inbox.classification_reasons import classification_lines
from responder.inbox.diff import word_diff
from responder.inbox.legal_hold import legal_hold_context
from responder.inbox.models import (
    Case,
    CaseState,
    CloseReason,
    Draft,
    Priority,
    Risk,
    Topic,
)
from responder.inbox.response_clock import clock_status
from responder.inbox.suggest import suggest_answers
from responder.inbox.thread import case_thread
from workflows.models import ApprovalStep, StepStatus
from workflows.routing import Route, effective_risk, route_for
from workflows.sent_back import sent_back_for
from workflows.undo import reply_undo_offer


def _editor_text(text: str, case: Case) -> str:
    """A saved draft without the @handle the poster adds (shown as a fixed prefix)."""
    prefix = outgoing.reply_prefix(case).strip()
    if prefix and text.lower().startswith(prefix.lower()):
        return text[len(prefix) :].lstrip()
    return text


def route_preview(*, case: Case, draft: Draft) -> Route:
    """Which approval layers this draft would need if submitted now, with names: the
    routing decision the submit service will take (workflows.routing.route_for)."""

    return route_for(
        case=case,
        draft_text=draft.text,
        language=draft.language,
        library_answer=draft.library_answer,
        author_id=draft.author_id,
    )


def _banner_route(
    *, case: Case, editor: dict[str, Any], latest: Draft | None, preview: Route | None
) -> Route | None:
    """The routing decision for the text in the editor, when it came from the library:
    the approval box's own decision when the editor shows the saved version, so that
    the banner and the approval box never disagree."""
    answer = editor.get("library_answer")
    if answer is None or case.state != CaseState.DRAFTING:
        return None
    if (
        preview is not None
        and latest is not None
        and latest.library_answer_id == answer.pk
        and editor["text"] == _editor_text(latest.text, case)
        and editor["language"] == latest.language
    ):
        return preview

    return route_for(
        case=case,
        draft_text=editor["text"],
        language=editor["language"],
        library_answer=answer,
        author_id=case.owner_id,
    )


def _thread(case: Case) -> tuple[list[Case], list[Case]]:
    """The posts this one answers (oldest first) and the follow-ups to it."""
    followups = list(case.followups.order_by("received_at", "pk")[:20])
    return case_thread(case=case), followups


def _sla(case: Case, open_step: ApprovalStep | None) -> dict[str, Any]:
    now = timezone.now()
    if open_step is not None and open_step.due_at is not None:
        return {"due_at": open_step.due_at, "overdue": open_step.due_at < now, "step": open_step}
    return {"due_at": None, "overdue": False, "step": None}


def _response_clock(case: Case) -> dict[str, Any]:
    """The first-response clock as the status panel shows it (response_clock.py)."""
    return {
        "respond_by": case.respond_by,
        "status": clock_status(
            respond_by=case.respond_by,
            first_response_at=case.first_response_at,
            state=case.state,
            now=timezone.now(),
        ),
        "met": (
            None
            if case.respond_by is None or case.first_response_at is None
            else case.first_response_at <= case.respond_by
        ),
    }


def case_context(
    request: HttpRequest,
    case: Case,
    *,
    editor: dict[str, Any] | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    drafts = list(
        case.drafts.select_related("author", "library_answer", "edited_from").order_by("version")
    )
    latest = drafts[-1] if drafts else None
    steps = list(
        ApprovalStep.objects.filter(case=case)
        .select_related("layer")
        .prefetch_related("reviewers", Prefetch("decisions__reviewer"))
        .order_by("-round", "position")
    )
    open_step = next((s for s in steps if s.status == StepStatus.OPEN), None)
    outbox = (  # the reply's row: an after-hours notice is not the case's answer
        OutboxItem.objects.filter(case=case)
        .exclude(kind=OutboxKind.NOTICE)
        .order_by("-created_at", "-id")
        .first()
    )
    ancestors, followups = _thread(case)
    language = case.language if case.language in ("en", "fr") else "en"
    return {
        **legal_hold_context(user=user, case=case),
        "case": case,
        "error": error,
        **_abilities(user=user, case=case),
        **_editor_context(case=case, editor=editor, latest=latest),
        "history_drafts": _history_drafts(drafts),
        "steps": steps,
        "open_step": open_step,
        "sla": _sla(case, open_step),
        **_clock_context(case=case, latest=latest),
        "events": list(
            AuditEvent.objects.filter(case=case)
            .select_related("actor")
            .order_by("created_at", "id")
        ),
        "outbox": outbox,
        "undo_offer": reply_undo_offer(user=user, case=case),
        "post_failure": (
            outbox_failure(item=outbox)
            if outbox is not None and case.state == CaseState.POST_FAILED
            else None
        ),
        "ancestors": ancestors,
        "followups": followups,
        "earlier_cases": _earlier_cases(user=user, case=case),
        "topics_all": Topic.objects.filter(
            Q(department_id=case.department_id) | Q(department__isnull=True)
        ),
        "case_topic_ids": set(case.topics.values_list("id", flat=True)),
        "risks": Risk.choices,
        "classification_lines": classification_lines(case),
        "effective_risk": Risk(effective_risk(case)).label,
        "close_reasons": CloseReason.choices,
        "language": language,
        "other_language": "fr" if language == "en" else "en",
        "suggestions": suggest_answers(case=case, language=language),
        "now": timezone.now(),
    }


def _clock_context(*, case: Case, latest: Draft | None) -> dict[str, Any]:
    """The first-response clock, the priority control, and a reviewer's request for
    changes (Submit waits for a change, or "Submit unchanged" with a reason)."""
    sent_back = sent_back_for(case)
    return {
        "response_clock": _response_clock(case),
        "priorities": Priority.choices,
        "can_set_priority": case.state not in (CaseState.CLOSED, CaseState.REPLIED),
        "sent_back": sent_back,
        "sent_back_unchanged": (
            sent_back is not None
            and latest is not None
            and latest.text.strip() == sent_back.text.strip()
        ),
    }


def _abilities(*, user: User, case: Case) -> dict[str, Any]:
    """What this person may do to the case now (the page's buttons)."""
    is_admin = authz.may(user, Action.CASE_SUPERVISE, case)
    drafting = case.state == CaseState.DRAFTING
    is_owner = case.owner_id == user.pk
    held_by_other = drafting and case.owner_id is not None and not is_owner
    can_edit = drafting and is_owner
    return {
        "is_admin": is_admin,
        "is_owner": is_owner,
        "can_edit": can_edit,
        "held_by_other": held_by_other,
        "can_claim": case.state == CaseState.NEW,
        "can_send": case.state == CaseState.NEW or can_edit,
        "can_release": drafting and (is_owner or is_admin),
        "can_take_over": held_by_other and is_admin,
        "can_close": (
            case.state in (CaseState.NEW, CaseState.DRAFTING, CaseState.POST_FAILED)
            and not held_by_other
        ),
        "can_reopen": case.state == CaseState.CLOSED,
        "can_withdraw": case.state == CaseState.IN_REVIEW and is_owner,
        "can_retry": case.state == CaseState.POST_FAILED,
        "can_revise": case.state == CaseState.POST_FAILED,
        "can_tag": case.state in (CaseState.NEW, CaseState.DRAFTING),
    }


def _history_drafts(drafts: list[Draft]) -> list[dict[str, Any]]:
    """Every version, newest first, each with its word diff from the one it changed."""
    history = []
    previous: Draft | None = None
    for draft in drafts:
        base = draft.edited_from or previous
        history.append(
            {
                "draft": draft,
                "diff": word_diff(base.text, draft.text) if base is not None else None,
                "base_version": base.version if base is not None else None,
            }
        )
        previous = draft
    history.reverse()
    return history


def _editor_context(
    *, case: Case, editor: dict[str, Any] | None, latest: Draft | None
) -> dict[str, Any]:
    """The editor, the latest version's checks, and where submitting would route it."""
    # The editor shows the latest draft unless a library answer was just picked.
    if editor is None:
        editor = {
            "text": _editor_text(latest.text, case) if latest else "",
            "language": latest.language
            if latest
            else (case.language if case.language in ("en", "fr") else "en"),
            "library_answer": latest.library_answer if latest else None,
        }
    # The saved version's checks are shown by the submit area; the editor shows its
    # own only for text that is not saved yet (a library answer just picked).
    unsaved = latest is None or editor["text"] != _editor_text(latest.text, case)
    editor_checks = (
        outgoing.outgoing_checks(case=case, text=editor["text"], language=editor["language"])
        if editor["text"] and unsaved
        else []
    )
    latest_checks = (
        outgoing.outgoing_checks(case=case, text=latest.text, language=latest.language)
        if latest
        else []
    )
    drafting = case.state == CaseState.DRAFTING
    preview = route_preview(case=case, draft=latest) if latest and drafting else None
    return {
        "latest": latest,
        "latest_checks": latest_checks,
        "latest_blocked": outgoing.has_errors(latest_checks),
        "editor": editor,
        "editor_checks": editor_checks,
        "editor_length": outgoing.reply_length(
            platform=case.platform, text=outgoing.full_reply_text(case=case, text=editor["text"])
        ),
        "editor_text": editor["text"],
        "draft_private": bool(latest and latest.private_reply),
        "limit": outgoing.platform_limit(case.platform),
        "prefix": outgoing.reply_prefix(case),
        "preview": preview,
        "banner": _banner_route(case=case, editor=editor, latest=latest, preview=preview),
    }


def _earlier_cases(*, user: User, case: Case) -> list[Case]:
    """The author's five latest earlier cases, in departments this person works in."""
    departments = authz.departments_where(user, roles=authz.OFFICER_ROLES)
    earlier = Case.objects.filter(
        author_handle=case.author_handle, received_at__lt=case.received_at
    ).exclude(pk=case.pk)
    if departments is not None:
        earlier = earlier.filter(department_id__in=departments)
    return list(earlier.order_by("-received_at")[:5])
