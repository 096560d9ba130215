"""Saving and deleting inbox views: one's own, or (department admins) shared ones."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from responder.errors import PermissionDenied, ValidationError
from responder.inbox.saved_views import saved_view_delete, saved_view_save
from responder.web.inbox_forms import SavedViewForm
from responder.web.views.inbox import _access, _not_an_officer, _NotAnOfficer, _safe_next


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    try:
        _access(request)
    except _NotAnOfficer:
        return _not_an_officer(request)
    form = SavedViewForm(request.POST)
    query = ""
    if form.is_valid():
        query = form.cleaned_data["query"] or ""
        share_with = form.cleaned_data["share_with"] if form.cleaned_data["share"] else None
        try:
            view = saved_view_save(
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                name_fr=form.cleaned_data["name_fr"] or "",
                query=query,
                share_with=share_with,
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            if view.department_id is None:
                messages.success(request, _("Saved the view “%(name)s”.") % {"name": view.name})
            else:
                messages.success(
                    request,
                    _("Shared the view “%(name)s” with the department.")
                    % {"name": view.localized_name},
                )
    else:
        messages.error(request, _("Give the view a name."))
    return HttpResponseRedirect("/?" + query if query else "/")


@login_required
@require_POST
def saved_view_remove(request: HttpRequest, view_id: int) -> HttpResponse:
    try:
        saved_view_delete(user=request.user, view_id=view_id)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Deleted the saved view."))
    return HttpResponseRedirect(_safe_next(request))
