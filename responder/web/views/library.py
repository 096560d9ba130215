"""The answer library, for officers: search and read; admins edit in the admin."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from responder.accounts import authz
from responder.accounts.models import User
from responder.errors import PermissionDenied
from responder.inbox.suggest import library_for, library_search

TEMPLATE = "inbox/library.html"


def _admin_url(name: str, *args: object) -> str | None:
    """A Django admin link, or None while the library is not registered there."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@login_required
@require_GET
def library_index(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    departments = authz.departments_where(user, roles=authz.OFFICER_ROLES)
    if departments is not None and not departments:
        raise PermissionDenied(_("The answer library is for communication officers."))
    query = request.GET.get("q", "").strip()[:200]
    answers = (
        library_search(query=query, department_ids=departments, limit=200)
        if query
        else library_for(department_ids=departments).order_by("title_en", "pk")[:200]
    )
    can_edit = bool(user.is_staff and user.has_perm("inbox.change_libraryanswer"))
    rows = [
        {
            "answer": answer,
            "edit_url": _admin_url("admin:inbox_libraryanswer_change", answer.pk)
            if can_edit
            else None,
        }
        for answer in answers
    ]
    context = {
        "rows": rows,
        "query": query,
        "today": timezone.localdate(),
        "admin_url": _admin_url("admin:inbox_libraryanswer_changelist") if can_edit else None,
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"{TEMPLATE}#results", context)
    return render(request, TEMPLATE, context)


urlpatterns = [
    path("library/", library_index, name="index"),
]
