"""The bell's pages: one's notifications (each opens its case and is marked read),
and which kinds also come by e-mail. Each person sees only their own."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from responder.inbox import notifications as service
from responder.inbox.notification_models import NotificationKind


def _uid(request: HttpRequest) -> int:
    return request.user.pk or 0  # signed in: login_required


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(service.notifications_for(user_id=_uid(request)), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one's notification read and go to its case (another's: not found)."""
    notification = service.notification_read(user_id=_uid(request), notification_id=notification_id)
    if notification is None:
        raise Http404(_("No such notification."))
    return redirect(reverse("cases:detail", args=[notification.case_id]))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    service.notifications_read_all(user_id=_uid(request))
    messages.success(request, _("All notifications marked read."))
    return redirect(reverse("notifications:list"))


class PreferencesForm(forms.Form):
    email_kinds = forms.MultipleChoiceField(
        label=_("Also send me an e-mail when"),
        choices=NotificationKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            service.email_kinds_save(
                user=request.user,  # type: ignore[arg-type]
                kinds=form.cleaned_data["email_kinds"],
            )
            messages.success(request, _("Your e-mail preferences are saved."))
            return redirect(reverse("notifications:preferences"))
    else:
        form = PreferencesForm(
            initial={"email_kinds": sorted(service.email_kinds(user_id=_uid(request)))}
        )
    return render(request, "notifications/preferences.html", {"form": form})
