"""The answer library on the case page: suggestions and search in either language,
and filling the editor with a chosen answer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.inbox.models import CaseState, LibraryAnswer
from responder.inbox.suggest import library_search, suggest_answers
from responder.web.views.case.page import TEMPLATE, case_for, render_case


@login_required
@require_GET
def draft_use_answer(request: HttpRequest, case_id: int) -> HttpResponse:
    """The editor filled with a library answer, remembered so that an unchanged
    answer is recognised when the draft is saved. Only an answer this person may use
    that is shared or of the case's department: any other is "not found"."""
    case = case_for(request, case_id)
    language = request.GET.get("lang") if request.GET.get("lang") in ("en", "fr") else None
    language = language or (case.language if case.language in ("en", "fr") else "en")
    try:
        answer_id = int(request.GET.get("answer", ""))
    except ValueError:
        raise Http404(_("No such library answer.")) from None
    answer = LibraryAnswer.objects.filter(pk=answer_id, is_active=True).first()
    if answer is None or not authz.may_use_for_case(
        request.user, Action.LIBRARY_USE, answer, case=case
    ):
        raise Http404(_("No such library answer."))
    editor = {"text": answer.text_for(language), "language": language, "library_answer": answer}
    partial = "editor" if request.htmx else None  # type: ignore[attr-defined]
    return render_case(request, case, partial=partial, editor=editor)


@login_required
@require_GET
def library_panel(request: HttpRequest, case_id: int) -> HttpResponse:
    """Search the library from the case page, or switch the suggestions' language."""
    case = case_for(request, case_id)
    query = request.GET.get("q", "").strip()
    language = request.GET.get("lang") if request.GET.get("lang") in ("en", "fr") else None
    language = language or (case.language if case.language in ("en", "fr") else "en")
    results = (
        list(library_search(query=query, department_ids=[case.department_id], limit=10))
        if query
        else None
    )
    context = {
        "case": case,
        "language": language,
        "other_language": "fr" if language == "en" else "en",
        "query": query,
        "results": results,
        "suggestions": suggest_answers(case=case, language=language),
        "can_edit": case.state == CaseState.DRAFTING and case.owner_id == request.user.pk,
    }
    return render(request, f"{TEMPLATE}#library", context)
