"""A policy's history as an admin reads it: each saved version with what changed
since the one before, in words ("Layer 2 “Director”: SLA (minutes) 240 → 120")."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from responder.audit.labels import audit_action_label
from responder.localized_names import localized
from workflows.models import PolicyRevision

_POLICY_FIELDS: dict[str, Callable[[], str]] = {
    "name": lambda: _("Name"),
    "name_fr": lambda: _("French name"),
    "description": lambda: _("Description"),
    "is_active": lambda: _("Active"),
}
_LAYER_FIELDS: dict[str, Callable[[], str]] = {
    "name": lambda: _("Name"),
    "name_fr": lambda: _("French name"),
    "reviewer_role": lambda: _("Reviewer role"),
    "reviewer_department": lambda: _("in department"),
    "reviewers": lambda: _("Or named reviewers"),
    "approvals_required": lambda: _("Approvals needed"),
    "sla_minutes": lambda: _("SLA (minutes)"),
    "delegate": lambda: _("Delegate when overdue"),
}


@dataclass
class HistoryLine:
    revision: PolicyRevision
    label: str
    changes: list[str]


def _show(value: Any) -> str:
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _named(layer: dict[str, Any]) -> str:
    """A layer of a snapshot by its name in the reader's language."""
    return localized(layer.get("name", ""), layer.get("name_fr", ""))


def snapshot_diff(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What changed between two policy snapshots, one line per change."""
    lines = [
        f"{label()}: {_show(before.get(key))} → {_show(after.get(key))}"
        for key, label in _POLICY_FIELDS.items()
        if before.get(key) != after.get(key)
    ]
    old = {layer["position"]: layer for layer in before.get("layers", [])}
    new = {layer["position"]: layer for layer in after.get("layers", [])}
    for position in sorted(set(old) | set(new)):
        a, b = old.get(position), new.get(position)
        if a is None and b is not None:
            lines.append(_("Layer %(n)s “%(name)s” added") % {"n": position, "name": _named(b)})
        elif b is None and a is not None:
            lines.append(_("Layer %(n)s “%(name)s” removed") % {"n": position, "name": _named(a)})
        elif a is not None and b is not None:
            for key, label in _LAYER_FIELDS.items():
                if a.get(key) != b.get(key):
                    lines.append(
                        _("Layer %(n)s “%(name)s”: %(field)s %(old)s → %(new)s")
                        % {
                            "n": position,
                            "name": _named(b),
                            "field": label(),
                            "old": _show(a.get(key)),
                            "new": _show(b.get(key)),
                        }
                    )
    if before.get("rules") != after.get("rules"):
        lines.append(_("Routing rules changed"))
    return lines


def policy_history(revisions: list[PolicyRevision]) -> list[HistoryLine]:
    """Newest first (as given), each with its label and its changes from the older one."""
    out = []
    for index, revision in enumerate(revisions):
        older = revisions[index + 1] if index + 1 < len(revisions) else None
        changes = snapshot_diff(older.snapshot, revision.snapshot) if older is not None else []
        out.append(HistoryLine(revision, audit_action_label(revision.action), changes))
    return out
