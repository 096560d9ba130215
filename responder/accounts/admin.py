"""Admin pages for departments and people (roles are held per department)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from responder.accounts.models import Department, Holiday, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["department"]
    verbose_name = _("role in a department")
    verbose_name_plural = _("roles in departments")


class DepartmentMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    verbose_name = _("person")
    verbose_name_plural = _("people and their roles")


class HolidayInline(admin.TabularInline):
    model = Holiday
    extra = 0


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "retention_days", "people_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [DepartmentMembershipInline, HolidayInline]

    @admin.display(description=_("people"))
    def people_count(self, obj: Department) -> int:
        return obj.people.distinct().count()


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "department"]
    list_filter = ["department"]
    date_hierarchy = "date"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
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
        (_("Responder"), {"fields": ["language"]}),
    )
    add_fieldsets = (
        *(DjangoUserAdmin.add_fieldsets or ()),
        (_("Responder"), {"fields": ["email", "first_name", "last_name", "language"]}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return super().get_queryset(request).prefetch_related("memberships__department")

    @admin.display(description=_("roles"))
    def roles(self, obj: User) -> str:
        return ", ".join(
            f"{m.get_role_display()} ({m.department.slug})" for m in obj.memberships.all()
        )
