"""The case page itself, and how every action on it answers: the fresh page (or its
body, for htmx), or the refusal in the page's alert area."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.accounts.models import User
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox.models import Case
from responder.web.views.case.context import case_context

StrOrPromise = str | Promise

VIA = "web"
TEMPLATE = "inbox/case.html"


def case_for(request: HttpRequest, case_id: int) -> Case:
    """The case, if this person may work on it (an officer or admin of its department).

    A case they may not even see (another department's) is "not found", exactly like
    one that does not exist, so that ids cannot be probed; one they may see but not
    work on (a reviewer of its department) is refused."""
    case = (
        Case.objects.select_related("owner", "account", "department", "parent")
        .filter(pk=case_id)
        .first()
    )
    user: User = request.user  # type: ignore[assignment]
    if case is None or not authz.may(user, Action.CASE_VIEW, case):
        raise Http404(_("This case does not exist."))
    authz.require(
        user,
        Action.CASE_WORK,
        case,
        message=_("Only communication officers of this department can see it."),
    )
    return case


def render_case(
    request: HttpRequest,
    case: Case,
    *,
    partial: str | None = None,
    status: int = 200,
    **kwargs: Any,
) -> HttpResponse:
    template = f"{TEMPLATE}#{partial}" if partial else TEMPLATE
    return render(request, template, case_context(request, case, **kwargs), status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    case = case_for(request, case_id)
    if request.htmx:  # type: ignore[attr-defined]
        return render_case(request, case, partial="case_body")
    return render_case(request, case)


# --- how actions answer ------------------------------------------------------------------


def failure(request: HttpRequest, case_id: int, message: str, status: int) -> HttpResponse:
    """A refused action: the message in the alert area (htmx), or the whole page."""
    if request.htmx:  # type: ignore[attr-defined]
        response = render(
            request, f"{TEMPLATE}#alert", {"error": message, "case_id": case_id}, status=status
        )
        response["HX-Retarget"] = "#case-alert"
        response["HX-Reswap"] = "outerHTML"
        return response
    try:
        case = case_for(request, case_id)
    except (Http404, PermissionDenied):
        return render(request, "inbox/case_error.html", {"error": message}, status=status)
    return render_case(request, case, error=message, status=status)


def act(
    request: HttpRequest, case_id: int, action: Callable[[User], object], done: StrOrPromise
) -> HttpResponse:
    """Run one service for the signed-in user and answer with the fresh page."""
    user: User = request.user  # type: ignore[assignment]
    try:
        case_for(request, case_id)
        action(user)
    except ConflictError as exc:
        return failure(request, case_id, exc.message, 409)
    except ValidationError as exc:
        return failure(request, case_id, " ".join(exc.messages), 400)
    except PermissionDenied as exc:
        return failure(request, case_id, str(exc) or _("You may not do this."), 403)
    if request.htmx:  # type: ignore[attr-defined]
        case = case_for(request, case_id)
        response = render_case(request, case, partial="case_body")
        response["HX-Trigger"] = "case-changed"
        return response
    from django.contrib import messages

    messages.success(request, str(done))
    return redirect(reverse("cases:detail", args=[case_id]))


def button_action(
    service: Callable[..., object], done: StrOrPromise
) -> Callable[[HttpRequest, int], HttpResponse]:
    """The view of a case action that takes no input (one button): run `service` for
    the signed-in user, as `act` does."""

    @login_required
    @require_POST
    def view(request: HttpRequest, case_id: int) -> HttpResponse:
        return act(request, case_id, lambda u: service(case_id=case_id, actor=u, via=VIA), done)

    return view


def form_error(form: Any) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
