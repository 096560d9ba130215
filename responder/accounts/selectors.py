"""Reads of people and roles. Who may do what is answered by responder.accounts.authz."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from responder.accounts import authz
from responder.accounts.models import Department, User


def user_has_role(*, user: User, roles: Iterable[str], department_id: int | None) -> bool:
    """True if `user` holds one of `roles` in the department (see authz.has_role); with
    no department, in any department."""
    if department_id is None:
        return authz.departments_where(user, roles=roles) != set()
    return authz.has_role(user, roles, department_id)


def user_department_ids(*, user: User, roles: Iterable[str] | None = None) -> set[int] | None:
    """The departments whose cases the user may see; None means all (site admin)."""
    return authz.departments_where(user, roles=roles)


def people_with_role(*, department: Department, role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department=department, memberships__role=role
    ).distinct()
