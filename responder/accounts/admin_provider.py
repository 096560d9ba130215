"""The identity provider's groups → roles mapping in the Django admin, with a preview:
"this person would get …" (responder.accounts.oidc). Department admins map groups to
roles of their own departments; site admins to any."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

from responder.accounts.admin_scoping import DepartmentScopedAdmin, _administers
from responder.accounts.models import ProviderGroupRole, User
from responder.accounts.oidc import RolesPlan, roles_plan
from responder.errors import PermissionDenied


class PreviewForm(forms.Form):
    groups = forms.CharField(
        label=_("Groups the provider sends"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line, as in the groups claim."),
    )
    username = forms.CharField(
        label=_("Username (optional)"),
        required=False,
        max_length=150,
        help_text=_("An existing person: also shows which of their roles would be removed."),
    )


@admin.register(ProviderGroupRole)
class ProviderGroupRoleAdmin(DepartmentScopedAdmin):
    list_display = ["group", "department", "role"]
    list_filter = ["role", "department"]
    search_fields = ["group"]
    change_list_template = "admin/accounts/providergrouprole/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        preview = self.admin_site.admin_view(self.preview_view)
        return [
            path("preview/", preview, name="accounts_providergrouprole_preview"),
            *super().get_urls(),
        ]

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        form = PreviewForm(request.GET or None)
        result: dict[str, Any] | None = None
        if form.is_valid():
            groups = [g.strip() for g in form.cleaned_data["groups"].splitlines() if g.strip()]
            username = form.cleaned_data["username"].strip()
            person = User.objects.filter(username=username).first() if username else None
            plan = _scoped(roles_plan(user=person, groups=groups), _administers(request))
            result = {
                "person": person,
                "username": username,
                "wanted": plan.describe(plan.wanted),
                "added": plan.describe(plan.added),
                "removed": plan.describe(plan.removed),
            }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Preview the provider's roles"),
            "form": form,
            "result": result,
        }
        return TemplateResponse(request, "admin/accounts/providergrouprole/preview.html", context)


def _scoped(plan: RolesPlan, departments: set[int] | None) -> RolesPlan:
    """Only the departments the reader administers (None: all)."""
    if departments is None:
        return plan
    keep = {key for key in plan.wanted | plan.added | plan.removed if key[0] in departments}
    return RolesPlan(
        wanted=plan.wanted & keep, added=plan.added & keep, removed=plan.removed & keep
    )
