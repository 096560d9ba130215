"""Admin pages for departments and people (roles are held per department).

Scoped through authz (responder.accounts.admin_scoping): a department admin sees and
changes their departments, their people and their roles there, and never the site-wide
flags (superuser, staff, site admin) nor people who belong to other departments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from responder.accounts import authz
from responder.accounts.admin_scoping import DepartmentScopedAdmin, ScopedInline, _administers
from responder.accounts.changes import people_changed_by
from responder.accounts.models import Department, Holiday, Membership, User
from responder.errors import PermissionDenied


class PeopleChangesByAdmin(admin.ModelAdmin):
    """Changes made on these pages (inlines, deletions, actions) are recorded as made
    by the signed-in admin: removing a role or a person takes them off their pending
    approval steps (workflows.revocation), audited under the admin's name."""

    def changeform_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with people_changed_by(actor=request.user, via="admin"):
            return super().changeform_view(request, *args, **kwargs)

    def changelist_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with people_changed_by(actor=request.user, via="admin"):
            return super().changelist_view(request, *args, **kwargs)

    def delete_view(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        with people_changed_by(actor=request.user, via="admin"):
            return super().delete_view(request, *args, **kwargs)


class MembershipInline(ScopedInline, admin.TabularInline):  # type: ignore[type-arg]
    """A person's roles: a department admin sees and grants roles in their
    departments only (the person's other roles are neither shown nor touched)."""

    model = Membership
    extra = 1
    autocomplete_fields = ["department"]
    verbose_name = _("role in a department")
    verbose_name_plural = _("roles in departments")


class DepartmentMembershipInline(ScopedInline, admin.TabularInline):  # type: ignore[type-arg]
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("person")
    verbose_name_plural = _("people and their roles")


class HolidayInline(ScopedInline, admin.TabularInline):  # type: ignore[type-arg]
    model = Holiday
    extra = 0


@admin.register(Department)
class DepartmentAdmin(PeopleChangesByAdmin, DepartmentScopedAdmin):
    department_path = "pk"
    site_only_add = True  # creating or deleting a department is a site admin's
    list_display = ["name", "slug", "retention_days", "people_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DepartmentMembershipInline, HolidayInline]

    @admin.display(description=_("people"))
    def people_count(self, obj: Department) -> int:
        return obj.people.distinct().count()


@admin.register(Holiday)
class HolidayAdmin(DepartmentScopedAdmin):
    show_shared = True  # holidays of every department: shown, a site admin's to change
    list_display = ["date", "name", "department"]
    list_filter = ["department"]
    date_hierarchy = "date"


SITE_ONLY_USER_FIELDS = ("is_staff", "is_superuser", "site_admin", "groups", "user_permissions")


@admin.register(User)
class UserAdmin(PeopleChangesByAdmin, DepartmentScopedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    """People. A department admin sees the people of their departments (and people
    with no role anywhere yet, such as the one they just added), and changes only
    those whose every role is in their departments and who are not site admins."""

    department_path = "memberships__department_id"
    site_only_fields = SITE_ONLY_USER_FIELDS
    inlines = [MembershipInline]
    actions = ["deactivate"]
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "roles",
        "is_active",
    ]
    list_filter = ["is_active", "is_superuser", "language", "memberships__role"]
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("Responder"), {"fields": ["language", "site_admin"]}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Responder"), {"fields": ["email", "first_name", "last_name", "language"]}),
    )

    def scope_q(self, departments: set[int]) -> Q:
        unassigned = Q(memberships__isnull=True, is_superuser=False, site_admin=False)
        return Q(memberships__department_id__in=sorted(departments)) | unassigned

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("memberships__department")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        departments = _administers(request)
        if obj is None or departments is None:
            return self._some(request)
        if authz.is_site_admin(obj):
            return False
        held = set(obj.memberships.values_list("department_id", flat=True))
        return held <= departments

    def department_of(self, obj: Any) -> int | None:  # unused: see has_change_permission
        return None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and not self.has_change_permission(request, obj):
            raise PermissionDenied
        DjangoUserAdmin.save_model(self, request, obj, form, change)

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(
            f"{m.get_role_display()} ({m.department.slug})" for m in obj.memberships.all()
        )

    @admin.action(description=_("Deactivate the selected people"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # One save each (not update()), so their pending approval steps are re-routed.
        count = 0
        for user in queryset.filter(is_active=True):
            if not self.has_change_permission(request, user):
                continue  # someone with roles elsewhere, or a site admin: not theirs
            with transaction.atomic():  # the person and their re-routed steps together
                user.is_active = False
                user.save(update_fields=["is_active"])
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d person deactivated.", "%(count)d people deactivated.", count)
            % {"count": count},
            messages.SUCCESS,
        )


# The identity provider's groups → roles mapping (OpenID Connect), with its preview.
from responder.accounts import admin_provider  # noqa: E402, F401
