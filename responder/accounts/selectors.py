"""Reads of people and roles. Who may do what is answered by responder.accounts.authz."""

from __future__ import annotations

from django.db.models import QuerySet

from responder.accounts.models import Department, User


def people_with_role(*, department: Department, role: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, memberships__department=department, memberships__role=role
    ).distinct()
