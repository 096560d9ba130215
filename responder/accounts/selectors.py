"""Who may do what, read from memberships. Superusers are admins everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from responder.accounts.models import Department, Membership, Role, User


def _is_anonymous(user: object) -> bool:
    return not getattr(user, "is_authenticated", False)


def user_has_role(*, user: User, roles: Iterable[str], department_id: int | None) -> bool:
    """True if `user` holds one of `roles` in the department (admins count everywhere)."""
    if _is_anonymous(user) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    memberships = Membership.objects.filter(user=user)
    wanted = set(roles)
    if department_id is not None:
        memberships = memberships.filter(department_id=department_id)
    return memberships.filter(role__in=wanted | {Role.ADMIN}).exists()


def user_department_ids(*, user: User, roles: Iterable[str] | None = None) -> set[int] | None:
    """The departments whose cases the user may see; None means all (superuser)."""
    if _is_anonymous(user):
        return set()
    if user.is_superuser:
        return None
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=set(roles) | {Role.ADMIN})
    return set(memberships.values_list("department_id", flat=True))


def people_with_role(*, department: Department, role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department=department, memberships__role=role
    ).distinct()
