"""The Django admin for site admins and department admins, through authz.

- Who may open /admin/ at all: an active site admin, or an active admin of some
  department (`ResponderAdminSite.has_permission`). `is_staff` is not the gate: access
  follows the roles authz reads, so removing someone's admin role closes the admin to
  them at once, with no second flag to forget. Only a site admin sees and sets
  `is_staff`, `is_superuser` and `site_admin` (Django's own tools still read is_staff).
- Models whose rows belong to a department (departments, people and their roles,
  platform accounts, library answers, topics, policies and rules, holidays) use
  `DepartmentScopedAdmin`: a department admin sees only the rows of the departments
  they administer (and, where `show_shared`, the shared rows read-only), picks only
  those departments (and their people, topics, policies) in foreign keys, and may
  change only rows of their departments. Every other model admin uses `SiteOnlyAdmin`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from responder.accounts import authz
from responder.errors import PermissionDenied


class ResponderAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not authz.is_active_person(user):
            return False
        return authz.is_site_admin(user) or bool(authz.admin_departments(user))


def _administers(request: HttpRequest) -> set[int] | None:
    """The departments the requester administers (None: every one, a site admin);
    computed once per request."""
    cached = getattr(request, "_admin_departments", False)
    if cached is False:
        cached = authz.admin_departments(request.user)
        request._admin_departments = cached  # type: ignore[attr-defined]
    return cached  # type: ignore[return-value]


class SiteOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Site admins only (a superuser, or User.site_admin). A model admin's own
    stricter rules (read-only pages) still apply: it overrides these methods."""

    def _site(self, request: HttpRequest) -> bool:
        return authz.is_site_admin(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._site(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._site(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._site(request)


class DepartmentScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows of the departments the requester administers; see the module docstring.

    `department_path` leads from the model to its department's id ("department_id",
    "pk" for Department itself, "policy__department_id" for a routing rule).
    `show_shared`: rows without a department are shown (read-only) to department
    admins. `site_only_add`: only a site admin adds rows (departments).
    """

    department_path = "department_id"
    show_shared = False
    site_only_add = False
    # The authz action that changing a row takes (policies: POLICY_MANAGE, ...).
    manage_action: authz.Action = authz.Action.DEPARTMENT_ADMIN
    # Fields a department admin sees but may not change.
    site_only_fields: tuple[str, ...] = ()

    # --- which rows -----------------------------------------------------------

    def scope_q(self, departments: set[int]) -> Q:
        q = Q(**{f"{self.department_path}__in": sorted(departments)})
        if self.show_shared:
            q |= Q(**{f"{self.department_path}__isnull": True})
        return q

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        departments = _administers(request)
        if departments is None:
            return qs
        return qs.filter(self.scope_q(departments)).distinct()

    def choices_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """What a foreign key to this model may point at, for this requester."""
        return self.get_queryset(request)

    def department_of(self, obj: Model) -> int | None:
        value: Any = obj
        for part in self.department_path.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return int(value)

    # --- permissions ----------------------------------------------------------

    def _some(self, request: HttpRequest) -> bool:
        departments = _administers(request)
        return departments is None or bool(departments)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._some(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None or _administers(request) is None:
            return self._some(request)
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self.site_only_add:
            return _administers(request) is None
        return self._some(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return self._some(request)
        return authz.may(request.user, self.manage_action, self.department_of(obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if self.site_only_add:
            return _administers(request) is None
        return self.has_change_permission(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if _administers(request) is not None:
            fields += [f for f in self.site_only_fields if f not in fields]
        return fields

    # --- what a department admin may pick -------------------------------------

    def _limit(self, request: HttpRequest, db_field: Any, kwargs: dict[str, Any]) -> None:
        if _administers(request) is None:
            return
        related = self.admin_site._registry.get(db_field.related_model)
        if isinstance(related, DepartmentScopedAdmin):
            kwargs["queryset"] = related.choices_queryset(request)
        elif related is not None:  # a site admin's model: nothing to pick
            kwargs["queryset"] = db_field.related_model._default_manager.none()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit(request, db_field, kwargs)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name == "department" and _administers(request):
            field.required = True  # a department admin's rows always have a department
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._limit(request, db_field, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The menus already limit the choices; a forged form is refused here.
        if _administers(request) is not None:
            authz.require(request.user, self.manage_action, self.department_of(obj))
        super().save_model(request, obj, form, change)


class ScopedInline(admin.options.InlineModelAdmin):  # type: ignore[type-arg]
    """An inline on a scoped model admin: as allowed as changing the parent row, its
    rows limited like the parent's (`department_path` from the inline's model), and
    its foreign keys limited like DepartmentScopedAdmin's."""

    department_path = "department_id"

    def _parent(self) -> Any:
        return self.admin_site._registry.get(self.parent_model)

    def _may(self, request: HttpRequest, obj: Any) -> bool:
        parent = self._parent()
        if _administers(request) is None:
            return True
        if obj is None:
            return parent is not None and parent.has_add_permission(request)
        return parent is not None and parent.has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)
        departments = _administers(request)
        if departments is None:
            return qs
        return qs.filter(**{f"{self.department_path}__in": sorted(departments)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        DepartmentScopedAdmin._limit(self, request, db_field, kwargs)  # type: ignore[arg-type]
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.name == "department" and _administers(request):
            field.required = True
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        DepartmentScopedAdmin._limit(self, request, db_field, kwargs)  # type: ignore[arg-type]
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def require_department_admin(request: HttpRequest, department_id: int | None) -> None:
    """For admin actions: refuse unless the requester administers that department."""
    if not authz.may(request.user, authz.Action.DEPARTMENT_ADMIN, department_id):
        raise PermissionDenied
