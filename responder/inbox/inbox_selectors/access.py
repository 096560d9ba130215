"""Which cases a person's inbox may show."""

from __future__ import annotations

from collections.abc import Iterable

from responder.accounts.models import Membership, Role, User
from responder.inbox.models import Case


def inbox_access(*, user: User) -> tuple[list[int] | None, set[str]]:
    """(department ids the user sees, the user's roles), in one query.

    Any role in a department shows its cases; None means every department
    (superusers, who count as officers and admins).
    """
    if user.is_superuser:
        return None, {Role.OFFICER, Role.ADMIN}
    pairs = list(Membership.objects.filter(user=user).values_list("department_id", "role"))
    return sorted({d for d, _r in pairs}), {r for _d, r in pairs}


def inbox_visible_ids(*, department_ids: list[int] | None, ids: Iterable[int]) -> set[int]:
    qs = Case.objects.filter(pk__in=list(ids))
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    return set(qs.values_list("id", flat=True))
