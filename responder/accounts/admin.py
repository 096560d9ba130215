"""Admin pages for departments and people (roles are held per department).

Scoped through authz (responder.accounts.admin_scoping): a department admin sees and
changes their departments, their people and their roles there, and never the site-wide
flags (superuser, staff, site admin) nor people who belong to other departments.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from responder.accounts import authz
from responder.accounts.admin_scoping import DepartmentScopedAdmin, ScopedInline, _administers
from responder.accounts.models import Department, Holiday, Membership, User


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
class DepartmentAdmin(DepartmentScopedAdmin):
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
class UserAdmin(DepartmentScopedAdmin, DjangoUserAdmin):  # type: ignore[misc]
    """People. A department admin sees the people of their departments (and people
    with no role anywhere yet, such as the one they just added), and changes only
    those whose every role is in their departments and who are not site admins."""

    department_path = "memberships__department_id"
    site_only_fields = SITE_ONLY_USER_FIELDS
    inlines = [MembershipInline]
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
            from responder.errors import PermissionDenied

            raise PermissionDenied
        DjangoUserAdmin.save_model(self, request, obj, form, change)

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(
            f"{m.get_role_display()} ({m.department.slug})" for m in obj.memberships.all()
        )
