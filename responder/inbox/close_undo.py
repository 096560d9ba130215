"""Undoing a bulk close within the department's undo hold (Department.undo_hold_seconds):
the cases the close closed are reopened, audited as "case.close_undo". After the hold
the close stands."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.models import Department, User
from responder.errors import ConflictError, PermissionDenied
from responder.inbox.models import Case, CaseState
from responder.inbox.transitions import case_transition_many, cases_lock


def close_undo_hold(*, case_ids: list[int]) -> int:
    """Seconds a bulk close of these cases can be undone (the shortest hold of their
    departments; 0: not at all)."""
    holds = Department.objects.filter(cases__pk__in=case_ids).values_list(
        "undo_hold_seconds", flat=True
    )
    return min(holds, default=0)


def cases_close_undo(
    *,
    closed: list[tuple[int, int]],
    closed_at: dt.datetime,
    actor: User,
    via: str,
    now: dt.datetime | None = None,
) -> list[Case]:
    """Reopen the cases of a bulk close by `actor` at `closed_at`. `closed` holds each
    case's id and its version just after the close: a case changed since (reopened,
    worked on) is left as it is. Refuses, changing nothing, once the hold is over, or
    when `actor` may not undo it (the person who closed, or an officer of the case's
    department). Returns the cases reopened."""
    now = now or timezone.now()
    versions = dict(closed)
    if now > closed_at + dt.timedelta(seconds=close_undo_hold(case_ids=list(versions))):
        raise ConflictError(_("Too late to undo: the cases stay closed."), code="too_late")
    with transaction.atomic():
        cases = cases_lock(case_ids=versions)
        reopen: list[Case] = []
        for case in cases.values():
            if not authz.may_undo(actor, case=case, done_by_id=actor.pk):
                raise PermissionDenied(_("You may not undo this close."))
            if case.state == CaseState.CLOSED and case.version == versions[case.pk]:
                reopen.append(case)
        return case_transition_many(
            cases=reopen,
            name="reopen",
            actor=actor,
            via=via,
            action="case.close_undo",
            details=[{"closed_at": closed_at.isoformat()}] * len(reopen),
        )
