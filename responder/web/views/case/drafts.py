"""The reply being written: save a draft, check it as the officer types, submit it for
approval, and withdraw it from review. Each write calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from responder.errors import ConflictError, PermissionDenied
from responder.inbox import checks as outgoing
from responder.inbox import services
from responder.redirects import next_path
from responder.web.case_forms import CheckForm, DraftForm, SubmitForm
from responder.web.views.case.page import (
    TEMPLATE,
    VIA,
    act,
    button_action,
    case_for,
    failure,
    form_error,
)
from workflows import submission
from workflows.undo import reply_undo


@login_required
@require_POST
def draft_save(request: HttpRequest, case_id: int) -> HttpResponse:
    form = DraftForm(request.POST)
    if not form.is_valid():
        return failure(request, case_id, form_error(form), 400)
    data = form.cleaned_data
    return act(
        request,
        case_id,
        lambda u: services.draft_save(
            case_id=case_id,
            actor=u,
            via=VIA,
            text=data["text"],
            language=data["language"],
            library_answer_id=data.get("library_answer_id"),
            private=bool(data.get("private")),
        ),
        _("Draft saved."),
    )


@login_required
@require_POST
def draft_submit(request: HttpRequest, case_id: int) -> HttpResponse:
    form = SubmitForm(request.POST)
    valid = form.is_valid()
    version = form.cleaned_data.get("version") if valid else None
    acknowledged = bool(form.cleaned_data.get("acknowledge_public")) if valid else False

    return act(
        request,
        case_id,
        lambda u: submission.draft_submit(
            case_id=case_id,
            actor=u,
            via=VIA,
            expected_version=version,
            acknowledge_public=acknowledged,
            unchanged_reason=form.cleaned_data.get("unchanged_reason", "")
            if form.is_valid()
            else "",
        ),
        _("Reply submitted."),
    )


case_withdraw = button_action(
    submission.case_withdraw, gettext_lazy("Reply withdrawn from review; you can change it.")
)


@login_required
@require_POST
def case_undo_send(request: HttpRequest, case_id: int) -> HttpResponse:
    """Undo a reply still in its department's hold: from the case page (answered as
    every case action), or from the signed-in review page (back to it, with `next`)."""
    done = _("Undone: the reply was not posted. The draft is kept.")
    back = next_path(request, fallback="")
    if not back:
        return act(
            request,
            case_id,
            lambda u: reply_undo(case_id=case_id, actor=u, via=VIA),
            done,
        )
    try:
        reply_undo(case_id=case_id, actor=request.user, via=VIA)
    except (ConflictError, PermissionDenied) as exc:
        messages.error(request, str(getattr(exc, "message", None) or exc))
    else:
        messages.success(request, done)
    return redirect(back)


@login_required
@require_POST
def draft_checks(request: HttpRequest, case_id: int) -> HttpResponse:
    """The outgoing-content checks of the text in the editor, as the officer types."""
    case = case_for(request, case_id)
    form = CheckForm(request.POST)
    text = form.cleaned_data["text"] if form.is_valid() else ""
    language = (form.cleaned_data.get("language") if form.is_valid() else None) or None
    results = outgoing.outgoing_checks(case=case, text=text, language=language) if text else []
    return render(
        request,
        f"{TEMPLATE}#editor_checks",
        {"editor_checks": results, "case": case, "editor_text": text},
    )
