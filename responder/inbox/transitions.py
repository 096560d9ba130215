"""The one way a case changes state: lock, check, transition, save, audit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import TransitionNotAllowed, can_proceed

from responder.audit.services import audit_event, audit_record, audit_record_many
from responder.db import rows_update
from responder.errors import ConflictError
from responder.inbox.models import Case
from responder.inbox.notifications import notify_many, notify_transition, transition_pending


def cases_lock(*, case_ids: Iterable[int]) -> dict[int, Case]:
    """Lock many case rows for this transaction, in id order (so two batches cannot
    deadlock on each other). Cases that do not exist are left out."""
    assert transaction.get_connection().in_atomic_block, "cases_lock needs a transaction"
    return {
        case.pk: case
        for case in Case.objects.select_for_update().filter(pk__in=set(case_ids)).order_by("pk")
    }


def case_lock(*, case_id: int, expected_version: int | None = None) -> Case:
    """Lock the case row for this transaction. Must be called inside atomic()."""
    assert transaction.get_connection().in_atomic_block, "case_lock needs a transaction"
    try:
        case = Case.objects.select_for_update().get(pk=case_id)
    except Case.DoesNotExist:
        raise ConflictError(_("This case does not exist."), code="not_found") from None
    if expected_version is not None and case.version != expected_version:
        raise ConflictError(
            _("This case changed since you loaded it (now: %(state)s). Reload and try again.")
            % {"state": case.get_state_display()},
            code="stale",
        )
    return case


def case_transition(
    *,
    case: Case,
    name: str,
    actor: Any,
    via: str,
    details: dict[str, Any] | None = None,
    action: str | None = None,
    **kwargs: Any,
) -> Case:
    """Apply the FSM transition `name` to a locked case, save it, and audit it."""
    from_state = _transition_apply(case=case, name=name, kwargs=kwargs)
    case.save()
    audit_record(
        action=action or f"case.{name}",
        via=via,
        actor=actor,
        case=case,
        from_state=from_state,
        to_state=case.state,
        details=details,
    )
    notify_transition(case=case, name=name, actor=actor, action=action, kwargs=kwargs)
    return case


def case_transition_many(
    *,
    cases: Sequence[Case],
    name: str,
    actor: Any,
    via: str,
    details: Sequence[dict[str, Any] | None] | None = None,
    arguments: Sequence[dict[str, Any]] | None = None,
    action: str | None = None,
) -> list[Case]:
    """The batch form of `case_transition`, for cases locked together (`cases_lock`):
    each case is checked and moved as `case_transition` does (`details[i]` and
    `arguments[i]` belong to `cases[i]`), then all are saved in one UPDATE (the fields
    the transition changed, the version, updated_at) and audited in one INSERT, one
    event per case. A case that may not make the transition raises ConflictError
    before anything is saved."""
    if not cases:
        return []
    now = timezone.now()
    changed = {"version", "updated_at"}
    events = []
    for i, case in enumerate(cases):
        before = _loaded_values(case)
        from_state = _transition_apply(
            case=case, name=name, kwargs=arguments[i] if arguments is not None else {}
        )
        case.updated_at = now
        after = _loaded_values(case)
        changed.update(
            field for field, value in after.items() if field not in before or before[field] != value
        )
        events.append(
            audit_event(
                action=action or f"case.{name}",
                via=via,
                actor=actor,
                case=case,
                from_state=from_state,
                to_state=case.state,
                details=details[i] if details is not None else None,
            )
        )
    rows_update(cases, sorted(changed))
    audit_record_many(events=events)
    notify_many(
        pending=[
            item
            for i, case in enumerate(cases)
            for item in transition_pending(
                case=case,
                name=name,
                actor=actor,
                action=action,
                kwargs=arguments[i] if arguments is not None else {},
            )
        ]
    )
    return list(cases)


def _transition_apply(*, case: Case, name: str, kwargs: dict[str, Any]) -> str:
    """Check and run the transition on the instance, bump its version; returns the
    state it left. Saving and auditing are the caller's."""
    method: Callable[..., None] = getattr(case, name)
    if not can_proceed(method):
        raise ConflictError(
            _("A case that is %(state)s cannot be %(action)s.")
            % {"state": case.get_state_display().lower(), "action": _ACTION_WORDS.get(name, name)},
            code="invalid_transition",
        )
    from_state = str(case.state)
    try:
        method(**kwargs)
    except TransitionNotAllowed as exc:  # a condition changed under us
        raise ConflictError(str(exc), code="invalid_transition") from exc
    case.version += 1
    return from_state


_CASE_COLUMNS = frozenset(
    field.attname for field in Case._meta.concrete_fields if not field.primary_key
)


def _loaded_values(case: Case) -> dict[str, Any]:
    # Only what is loaded: reading a deferred field here would cost a query.
    return {k: v for k, v in case.__dict__.items() if k in _CASE_COLUMNS}


_ACTION_WORDS: dict[str, Any] = {
    "claim": gettext_lazy("claimed"),
    "release": gettext_lazy("released"),
    "submit": gettext_lazy("submitted"),
    "approve": gettext_lazy("approved"),
    "request_changes": gettext_lazy("sent back"),
    "withdraw": gettext_lazy("withdrawn"),
    "close": gettext_lazy("closed"),
    "reopen": gettext_lazy("reopened"),
    "start_posting": gettext_lazy("posted"),
    "mark_replied": gettext_lazy("marked replied"),
    "fail_post": gettext_lazy("marked failed"),
    "retry": gettext_lazy("retried"),
    "undo_submit": gettext_lazy("undone"),
    "undo_approve": gettext_lazy("undone"),
}


def case_touch(
    *,
    case: Case,
    action: str,
    actor: Any,
    via: str,
    details: dict[str, Any] | None = None,
    subject: Any = None,
    fields: tuple[str, ...] = (),
) -> Case:
    """Record a change to a locked case that keeps its state (a self-loop the FSM
    cannot see): save `fields`, bump the version so stale forms are refused, audit."""
    case.version += 1
    case.save(update_fields=[*fields, "version", "updated_at"])
    audit_record(
        action=action,
        via=via,
        actor=actor,
        case=case,
        from_state=case.state,
        to_state=case.state,
        subject=subject,
        details=details,
    )
    return case
