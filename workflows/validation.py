"""Checks that refuse a policy or a set of routing rules that cannot work.

Shared by the policy editor (workflows.policy_services) and the Django admin forms.
Everything works on plain specs, so a change is checked *before* it is saved.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.models import Department, Membership, Role, User
from responder.channels.models import PlatformAccount
from workflows.models import ApprovalPolicy


@dataclass
class LayerSpec:
    """One approval layer as the editor proposes it (not yet saved)."""

    name: str
    reviewer_role: str = ""
    name_fr: str = ""
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
    name_fr: str = ""
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


def _people_problems(layer: LayerSpec, *, label: str, departments: list[int]) -> list[str]:
    """Named reviewers and the delegate must be able to decide: active, and holding a
    reviewing role (authz.REVIEWING_ROLES) in every department the layer serves."""
    problems: list[str] = []
    people = {
        u.pk: u
        for u in User.objects.filter(
            pk__in=[*layer.reviewer_ids, *([layer.delegate_id] if layer.delegate_id else [])]
        )
    }
    names = dict(Department.objects.filter(pk__in=departments).values_list("pk", "name"))
    for reviewer_id in layer.reviewer_ids:
        reviewer = people.get(reviewer_id)
        for department_id in departments:
            if reviewer is not None and not authz.holds_reviewing_role(reviewer, department_id):
                problems.append(
                    _(
                        "%(person)s, a named reviewer of layer “%(layer)s”, is not a "
                        "subject-matter expert, approver or admin in %(department)s, so "
                        "they may not decide its cases."
                    )
                    % {
                        "person": reviewer,
                        "layer": label,
                        "department": names.get(department_id, department_id),
                    }
                )
    if layer.delegate_id is None:
        return problems
    delegate = people.get(layer.delegate_id)
    if departments:
        lacking = [
            d
            for d in departments
            if delegate is None or not authz.holds_reviewing_role(delegate, d)
        ]
    else:  # no department known yet: a reviewing role somewhere, at least
        may_review = Membership.objects.filter(
            user_id=layer.delegate_id,
            user__is_active=True,
            role__in=[*REVIEWING_ROLES, Role.ADMIN],
        )
        lacking = [] if may_review.exists() else [0]
    if lacking:
        problems.append(
            _(
                "The delegate of layer “%(layer)s” is not a subject-matter expert, "
                "approver or admin%(where)s, so escalations would reach someone who "
                "cannot decide."
            )
            % {
                "layer": label,
                "where": _(" in %(department)s")
                % {"department": ", ".join(str(names.get(d, d)) for d in lacking)}
                if departments
                else "",
            }
        )
    return problems


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


def layer_problems(
    layer: LayerSpec,
    *,
    department_ids: Iterable[int] = (),
    policy_department_id: int | None = None,
) -> list[str]:
    """Why this layer could never be approved, if it could not.

    A layer without a department of its own uses the case's department: it is then
    checked against every department a rule can route to it (`department_ids`).
    Named reviewers and the delegate must hold a reviewing role in each of those
    departments. A department's policy (`policy_department_id`) keeps to its own.
    """
    problems: list[str] = []
    label = layer.name or _("(unnamed layer)")
    departments = (
        [layer.reviewer_department_id]
        if layer.reviewer_department_id
        else sorted(set(department_ids))
    )
    if (
        policy_department_id is not None
        and layer.reviewer_department_id is not None
        and layer.reviewer_department_id != policy_department_id
    ):
        problems.append(
            _(
                "Layer “%(layer)s” looks for reviewers in another department: a "
                "department's policy may only use reviewers of its own department."
            )
            % {"layer": label}
        )
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
    problems.extend(_people_problems(layer, label=label, departments=departments))
    return problems


def layers_problems(
    layers: Sequence[LayerSpec],
    *,
    department_ids: Iterable[int] = (),
    policy_department_id: int | None = None,
) -> list[str]:
    department_ids = list(department_ids)
    problems: list[str] = []
    names = [layer.name.strip().lower() for layer in layers]
    if len(set(names)) != len(names):
        problems.append(_("Two layers of one policy have the same name."))
    for layer in layers:
        problems.extend(
            layer_problems(
                layer, department_ids=department_ids, policy_department_id=policy_department_id
            )
        )
    return problems


def _subset(a: dict[str, object], b: dict[str, object]) -> bool:
    """True when every criterion of `a` is also set, to the same value, in `b`."""
    return all(key in b and b[key] == value for key, value in a.items())


def rules_problems(
    rules: Sequence[RuleSpec],
    *,
    layer_counts: dict[int, int],
    policy_names: dict[int, str],
    policy_departments: Mapping[int, int | None] | None = None,
) -> list[str]:
    """Shadowed rules, zero-layer policies reachable by text that is not an unchanged
    library answer, and rules of a department's policy that target another department.

    `layer_counts` maps each policy id to the number of layers it will have;
    `policy_departments` each policy id to its department (None: site-wide).
    """
    problems: list[str] = []
    for r in rules:
        owner = (policy_departments or {}).get(r.policy_id)
        if owner is not None and r.department_id != owner:
            problems.append(
                _(
                    "Rule “%(rule)s” must route cases of the department of policy "
                    "“%(policy)s” only: a department's rule can never target another "
                    "department."
                )
                % {"rule": r.name, "policy": policy_names.get(r.policy_id, r.policy_id)}
            )
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


def rule_departments_forced(
    rules: Sequence[RuleSpec], *, policy_departments: dict[int, int | None]
) -> list[RuleSpec]:
    """The rules, each rule of a department's policy that names no department given the
    policy's own (a rule naming another department is left for rules_problems)."""
    out: list[RuleSpec] = []
    for r in rules:
        owner = policy_departments.get(r.policy_id)
        if owner is not None and r.department_id is None:
            r = replace(r, department_id=owner)
        out.append(r)
    return out


def rule_spec_from(rule: Any) -> RuleSpec:
    """A RuleSpec from a saved RoutingRule (or anything with the same attributes)."""
    return RuleSpec(
        id=getattr(rule, "pk", None),
        name=rule.name,
        name_fr=getattr(rule, "name_fr", ""),
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
        name_fr=getattr(layer, "name_fr", ""),
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
    """The departments a policy's cases can come from: its own for a department's
    policy; for a site-wide one, those its rules name, or every department when one of
    its rules names none."""

    if policy_id is not None:
        own = ApprovalPolicy.objects.filter(pk=policy_id).values_list("department_id", flat=True)
        department_id = own.first()
        if department_id is not None:
            return [department_id]
    mine = [r for r in rules if r.policy_id == policy_id and r.is_active]
    if not mine:
        return []
    if any(r.department_id is None for r in mine):
        # Cases come from our platform accounts: a rule for "any department" can
        # bring cases of every department that has one.

        ids = set(
            PlatformAccount.objects.filter(is_active=True).values_list("department_id", flat=True)
        )
        ids |= {r.department_id for r in mine if r.department_id is not None}
        return sorted(ids) or list(Department.objects.values_list("pk", flat=True))
    return sorted({r.department_id for r in mine if r.department_id is not None})
