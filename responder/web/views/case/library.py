"""The answer library on the case page: suggestions and search in either language,
and filling the editor with a chosen answer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.channels.services import reply_text
from responder.inbox.models import Case, CaseState, LibraryAnswer
from responder.inbox.suggest import library_search, suggest_answers
from responder.web.case_forms import SubmitForm
from responder.web.views.case.page import TEMPLATE, VIA, act, case_for, render_case
from workflows import submission
from workflows.routing import route_for


def _language(request: HttpRequest, case: Case) -> str:
    """The answer's language asked for (?lang= or the form's lang), else the case's."""
    asked = request.POST.get("lang") or request.GET.get("lang")
    if asked in ("en", "fr"):
        return asked
    return case.language if case.language in ("en", "fr") else "en"


def _usable_answer(request: HttpRequest, case: Case) -> LibraryAnswer:
    """The library answer named by ?answer= (or the form's answer), if this person may
    use it for this case: shared or of the case's department; any other is "not found"."""
    try:
        answer_id = int(request.POST.get("answer") or request.GET.get("answer", ""))
    except ValueError:
        raise Http404(_("No such library answer.")) from None
    answer = LibraryAnswer.objects.filter(pk=answer_id, is_active=True).first()
    if answer is None or not authz.may_use_for_case(
        request.user, Action.LIBRARY_USE, answer, case=case
    ):
        raise Http404(_("No such library answer."))
    return answer


def can_send_answer(case: Case, user: object) -> bool:
    """ "Send this answer" is offered on a free case (it claims it) or one this person
    is drafting."""
    user_id = getattr(user, "pk", None)
    return case.state == CaseState.NEW or (
        case.state == CaseState.DRAFTING and case.owner_id == user_id
    )


@login_required
@require_http_methods(["GET", "POST"])
def send_answer(request: HttpRequest, case_id: int) -> HttpResponse:
    """A library answer in two clicks: GET shows the exact text as it will be posted
    (with the citizen's @handle) and its route (workflows.routing.route_for); POST
    claims the case when free, drafts the answer unchanged and submits it."""
    case = case_for(request, case_id)
    authz.require(request.user, Action.CASE_WORK, case)
    answer = _usable_answer(request, case)
    language = _language(request, case)
    if request.method == "POST":
        form = SubmitForm(request.POST)
        version = form.cleaned_data.get("version") if form.is_valid() else None
        return act(
            request,
            case_id,
            lambda u: submission.library_answer_send(
                case_id=case_id,
                actor=u,
                via=VIA,
                answer_id=answer.pk,
                language=language,
                expected_version=version,
            ),
            _("Reply submitted."),
        )
    text = answer.text_for(language)
    route = route_for(
        case=case,
        draft_text=text,
        language=language,
        library_answer=answer,
        author_id=request.user.pk,
    )
    context = {
        "case": case,
        "answer": answer,
        "language": language,
        "title": answer.title_for(language),
        "posted_text": reply_text(case=case, text=text),
        "route": route,
        "can_send": can_send_answer(case, request.user),
        "claims": case.state == CaseState.NEW,
    }
    return render(request, "inbox/send_answer.html", context)


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
        "can_send": can_send_answer(case, request.user),
    }
    return render(request, f"{TEMPLATE}#library", context)
