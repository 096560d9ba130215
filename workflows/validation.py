"""Checks that refuse a policy or a set of routing rules that cannot work.

Shared by the policy editor (workflows.policy_services) and the Django admin forms.
Everything works on plain specs, so a change is checked *before* it is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from responder.accounts.models import Membership, Role, User


@dataclass
class LayerSpec:
    """One approval layer as the editor proposes it (not yet saved)."""

    name: str
    reviewer_role: str = ""
    reviewer_department_id: int | None = None
    reviewer_ids: list[int] = field(default_factory=list)
    approvals_required: int = 1
    sla_minutes: int = 240
    delegate_id: int | None = None
    id: int | None = None


@dataclass
class RuleSpec:
    """One routing rule as the editor proposes it (not yet saved)."""

    name: str
    policy_id: int
    priority: int = 100
    department_id: int | None = None
    topic_id: int | None = None
    risk: str = ""
    platform: str = ""
    library_unchanged: bool | None = None
    is_active: bool = True
    id: int | None = None

    def criteria(self) -> dict[str, object]:
        """The criteria this rule sets; an absent key matches anything."""
        values: dict[str, object] = {
            "department": self.department_id,
            "topic": self.topic_id,
            "risk": self.risk or None,
            "platform": self.platform or None,
            "library_unchanged": self.library_unchanged,
        }
        return {k: v for k, v in values.items() if v is not None}


REVIEWING_ROLES = (Role.SME, Role.APPROVER)


def _role_holders(*, role: str, department_id: int) -> int:
    return (
        User.objects.filter(
            is_active=True,
            memberships__department_id=department_id,
            memberships__role=role,
        )
        .distinct()
        .count()
    )


def layer_problems(layer: LayerSpec, *, department_ids: Iterable[int] = ()) -> list[str]:
    """Why this layer could never be approved, if it could not.

    A layer without a department of its own uses the case's department: it is then
    checked against every department a rule can route to it (`department_ids`).
    """
    problems: list[str] = []
    label = layer.name or _("(unnamed layer)")
    if not layer.name.strip():
        problems.append(_("Every layer needs a name."))
    if layer.approvals_required < 1:
        problems.append(_("Layer “%(layer)s” must need at least one approval.") % {"layer": label})
    if layer.reviewer_ids:
        active = User.objects.filter(pk__in=layer.reviewer_ids, is_active=True).count()
        if active < layer.approvals_required:
            problems.append(
                _(
                    "Layer “%(layer)s” needs %(needed)s approval(s) but names only "
                    "%(have)s active reviewer(s)."
                )
                % {"layer": label, "needed": layer.approvals_required, "have": active}
            )
    elif not layer.reviewer_role:
        problems.append(
            _("Layer “%(layer)s” has nobody in it: name reviewers or choose a role.")
            % {"layer": label}
        )
    else:
        departments = (
            [layer.reviewer_department_id]
            if layer.reviewer_department_id
            else sorted(set(department_ids))
        )
        from responder.accounts.models import Department

        names = dict(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
        for department_id in departments:
            have = _role_holders(role=layer.reviewer_role, department_id=department_id)
            if have < layer.approvals_required:
                problems.append(
                    _(
                        "Layer “%(layer)s” has nobody in it: %(department)s has %(have)s "
                        "active person(s) with the role %(role)s, and the layer needs "
                        "%(needed)s."
                    )
                    % {
                        "layer": label,
                        "department": names.get(department_id, department_id),
                        "have": have,
                        "role": Role(layer.reviewer_role).label,
                        "needed": layer.approvals_required,
                    }
                )
    if layer.delegate_id is not None:
        may_review = Membership.objects.filter(
            user_id=layer.delegate_id,
            user__is_active=True,
            role__in=[*REVIEWING_ROLES, Role.ADMIN],
        )
        if layer.reviewer_department_id:
            may_review = may_review.filter(department_id=layer.reviewer_department_id)
        if not may_review.exists():
            problems.append(
                _(
                    "The delegate of layer “%(layer)s” is not a subject-matter expert, "
                    "approver or admin%(where)s, so escalations would reach someone who "
                    "cannot decide."
                )
                % {
                    "layer": label,
                    "where": _(" in the layer's department")
                    if layer.reviewer_department_id
                    else "",
                }
            )
    return problems


def layers_problems(
    layers: Sequence[LayerSpec], *, department_ids: Iterable[int] = ()
) -> list[str]:
    department_ids = list(department_ids)
    problems: list[str] = []
    names = [layer.name.strip().lower() for layer in layers]
    if len(set(names)) != len(names):
        problems.append(_("Two layers of one policy have the same name."))
    for layer in layers:
        problems.extend(layer_problems(layer, department_ids=department_ids))
    return problems


def _subset(a: dict[str, object], b: dict[str, object]) -> bool:
    """True when every criterion of `a` is also set, to the same value, in `b`."""
    return all(key in b and b[key] == value for key, value in a.items())


def rules_problems(
    rules: Sequence[RuleSpec], *, layer_counts: dict[int, int], policy_names: dict[int, str]
) -> list[str]:
    """Shadowed rules, and zero-layer policies reachable by text that is not an
    unchanged library answer.

    `layer_counts` maps each policy id to the number of layers it will have.
    """
    problems: list[str] = []
    active = sorted((r for r in rules if r.is_active), key=lambda r: (r.priority, r.id or 10**12))
    for index, later in enumerate(active):
        for earlier in active[:index]:
            if _subset(earlier.criteria(), later.criteria()):
                if earlier.criteria() == later.criteria():
                    reason = _(
                        "Rules “%(earlier)s” and “%(later)s” have the same criteria; "
                        "only the first (priority %(priority)s) can ever match."
                    )
                else:
                    reason = _(
                        "Rule “%(later)s” can never match: rule “%(earlier)s” (priority "
                        "%(priority)s) comes first and matches everything it matches."
                    )
                problems.append(
                    reason
                    % {"earlier": earlier.name, "later": later.name, "priority": earlier.priority}
                )
                break
    for r in active:
        if layer_counts.get(r.policy_id, 0) == 0 and r.library_unchanged is not True:
            problems.append(
                _(
                    "Rule “%(rule)s” sends replies to policy “%(policy)s”, which has no "
                    "approval layers; a policy without layers may only be used for "
                    "unchanged library answers (set “unchanged library answer” to Yes)."
                )
                % {"rule": r.name, "policy": policy_names.get(r.policy_id, r.policy_id)}
            )
    return problems


def rule_spec_from(rule: Any) -> RuleSpec:
    """A RuleSpec from a saved RoutingRule (or anything with the same attributes)."""
    return RuleSpec(
        id=getattr(rule, "pk", None),
        name=rule.name,
        policy_id=rule.policy_id,
        priority=rule.priority,
        department_id=rule.department_id,
        topic_id=rule.topic_id,
        risk=rule.risk or "",
        platform=rule.platform or "",
        library_unchanged=rule.library_unchanged,
        is_active=rule.is_active,
    )


def layer_spec_from(layer: Any, *, reviewer_ids: list[int] | None = None) -> LayerSpec:
    return LayerSpec(
        id=getattr(layer, "pk", None),
        name=layer.name,
        reviewer_role=layer.reviewer_role or "",
        reviewer_department_id=layer.reviewer_department_id,
        reviewer_ids=reviewer_ids
        if reviewer_ids is not None
        else (
            list(layer.reviewers.values_list("pk", flat=True)) if getattr(layer, "pk", None) else []
        ),
        approvals_required=layer.approvals_required,
        sla_minutes=layer.sla_minutes,
        delegate_id=layer.delegate_id,
    )


def policy_department_ids(*, policy_id: int | None, rules: Iterable[RuleSpec]) -> list[int]:
    """The departments a policy's cases can come from: those its rules name, or every
    department when one of its rules names none."""
    from responder.accounts.models import Department

    mine = [r for r in rules if r.policy_id == policy_id and r.is_active]
    if not mine:
        return []
    if any(r.department_id is None for r in mine):
        # Cases come from our platform accounts: a rule for "any department" can
        # bring cases of every department that has one.
        from responder.channels.models import PlatformAccount

        ids = set(
            PlatformAccount.objects.filter(is_active=True).values_list("department_id", flat=True)
        )
        ids |= {r.department_id for r in mine if r.department_id is not None}
        return sorted(ids) or list(Department.objects.values_list("pk", flat=True))
    return sorted({r.department_id for r in mine if r.department_id is not None})
