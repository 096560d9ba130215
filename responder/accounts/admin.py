"""Admin pages for departments and people (roles are held per department)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from responder.accounts.changes import people_changed_by
from responder.accounts.models import Department, Holiday, Membership, User


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
class DepartmentAdmin(PeopleChangesByAdmin):
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
class UserAdmin(PeopleChangesByAdmin, DjangoUserAdmin):
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

    @admin.action(description=_("Deactivate the selected people"))
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        # One save each (not update()), so their pending approval steps are re-routed.
        count = 0
        for user in queryset.filter(is_active=True):
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
