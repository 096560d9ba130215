"""Which cases a person's inbox may show (responder.accounts.authz decides)."""

from __future__ import annotations

from collections.abc import Iterable

from responder.accounts import authz
from responder.accounts.models import User
from responder.inbox.models import Case


def inbox_access(*, user: User) -> tuple[list[int] | None, set[str]]:
    """(department ids the user sees, the roles the user holds anywhere).

    Any role in a department shows its cases; None means every department (site
    admins, who hold every role).
    """
    departments = authz.departments_where(user)
    roles = authz.held_roles(user)
    return (None if departments is None else sorted(departments)), roles


def inbox_visible_ids(*, department_ids: list[int] | None, ids: Iterable[int]) -> set[int]:
    qs = Case.objects.filter(pk__in=list(ids))
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return set(qs.values_list("id", flat=True))
