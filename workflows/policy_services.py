"""Changes to approval policies and routing rules: validated, audited, versioned.

Cases already in review are not affected by any of this: their approval steps are
copies of the layers taken at submit time (workflows.services.steps_create).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from responder.accounts import authz
from responder.accounts.models import User
from responder.audit.services import audit_record
from responder.errors import ConflictError, PermissionDenied, ValidationError
from workflows.models import ApprovalLayer, ApprovalPolicy, PolicyRevision, RoutingRule
from workflows.validation import (
    LayerSpec,
    RuleSpec,
    layer_spec_from,
    layers_problems,
    policy_department_ids,
    rule_departments_forced,
    rule_spec_from,
    rules_problems,
)


def policy_departments_for(user: Any) -> set[int] | None:
    """The departments whose policies `user` edits (None: every one, and site-wide
    policies too: a site admin). Empty: the policy editor is not for them."""
    return authz.admin_departments(user)


def may_manage_policies(user: Any) -> bool:
    """May `user` open the policy editor at all (site admin, or a department admin)?"""
    departments = policy_departments_for(user)
    return departments is None or bool(departments)


def _require(actor: Any, target: ApprovalPolicy | int | None) -> None:
    authz.require(
        actor,
        authz.Action.POLICY_MANAGE,
        target,
        message=_(
            "You may change only the approval policies of the departments you "
            "administer; site-wide policies belong to a site admin."
        ),
    )


def policy_snapshot(policy: ApprovalPolicy) -> dict[str, Any]:
    """The policy as it stands: what a revision keeps."""
    return {
        "name": policy.name,
        "name_fr": policy.name_fr,
        "description": policy.description,
        "is_active": policy.is_active,
        "department": policy.department_id,
        "version": policy.version,
        "layers": [
            {
                "position": layer.position,
                "name": layer.name,
                "name_fr": layer.name_fr,
                "reviewer_role": layer.reviewer_role,
                "reviewer_department": layer.reviewer_department_id,
                "reviewers": sorted(layer.reviewers.values_list("pk", flat=True)),
                "approvals_required": layer.approvals_required,
                "sla_minutes": layer.sla_minutes,
                "delegate": layer.delegate_id,
            }
            for layer in policy.layers.order_by("position")
        ],
        "rules": [
            {
                "id": r.pk,
                "name": r.name,
                "name_fr": r.name_fr,
                "priority": r.priority,
                "department": r.department_id,
                "topic": r.topic_id,
                "risk": r.risk,
                "platform": r.platform,
                "library_unchanged": r.library_unchanged,
                "is_active": r.is_active,
            }
            for r in policy.rules.order_by("priority", "id")
        ],
    }


def policy_revise(
    *,
    policy: ApprovalPolicy,
    actor: Any,
    action: str,
    details: dict[str, Any] | None = None,
    via: str = "web",
) -> PolicyRevision:
    """Bump the version, keep a snapshot, and audit: in the caller's transaction.
    Every way of editing a policy (this editor, the Django admin) records through it."""
    policy.version += 1
    policy.save(update_fields=["version", "updated_at"])
    revision = PolicyRevision.objects.create(
        policy=policy,
        policy_name=policy.name,
        version=policy.version,
        action=action,
        actor=actor,
        snapshot=policy_snapshot(policy),
    )
    audit_record(
        action=action,
        via=via,
        actor=actor,
        subject=policy,
        details={"policy": policy.name, "version": policy.version, **(details or {})},
    )
    return revision


def policy_lock(*, policy_id: int, expected_version: int | None, actor: Any) -> ApprovalPolicy:
    """Lock the policy for an edit made outside this module's services (the Django
    admin's form): refused if `actor` may not change it or if someone changed it since
    `expected_version`. Call inside the edit's transaction, before saving; then
    `policy_revise`."""
    return _lock_policy(policy_id, expected_version, actor=actor)


def _lock_policy(policy_id: int, expected_version: int | None, *, actor: Any) -> ApprovalPolicy:
    """The policy, locked, once `actor` may change it and nobody changed it since
    `expected_version` (the version the editor was opened at)."""
    try:
        policy = ApprovalPolicy.objects.select_for_update().get(pk=policy_id)
    except ApprovalPolicy.DoesNotExist:
        raise ConflictError(_("This policy does not exist."), code="not_found") from None
    _require(actor, policy)
    if expected_version is not None and policy.version != expected_version:
        raise ConflictError(
            _("Someone changed this policy since you opened it (now version %(v)s). Reload.")
            % {"v": policy.version},
            code="stale",
        )
    return policy


def _all_rule_specs() -> list[RuleSpec]:
    return [rule_spec_from(r) for r in RoutingRule.objects.all()]


def _layer_counts() -> dict[int, int]:
    return {p.pk: p.layers.count() for p in ApprovalPolicy.objects.all()}


def _policy_names() -> dict[int, str]:
    return dict(ApprovalPolicy.objects.values_list("pk", "name"))


def _policy_departments() -> dict[int, int | None]:
    return dict(ApprovalPolicy.objects.values_list("pk", "department_id"))


def policy_create(
    *,
    actor: User,
    name: str,
    description: str = "",
    department_id: int | None = None,
    name_fr: str = "",
) -> ApprovalPolicy:
    """A new policy of `department_id` (None: site-wide, for a site admin only)."""
    _require(actor, department_id)
    name = name.strip()
    if not name:
        raise ValidationError(_("A policy needs a name."))
    with transaction.atomic():
        if ApprovalPolicy.objects.filter(name__iexact=name).exists():
            raise ValidationError(_("A policy with this name already exists."))
        policy = ApprovalPolicy.objects.create(
            name=name,
            name_fr=name_fr.strip(),
            description=description,
            department_id=department_id,
            version=0,
        )
        policy_revise(policy=policy, actor=actor, action="policy.create", details={})
        return policy


def policy_update(
    *,
    policy_id: int,
    actor: User,
    name: str,
    description: str,
    is_active: bool,
    expected_version: int | None = None,
    name_fr: str | None = None,
) -> ApprovalPolicy:
    """Change the policy's names (English required; French blank: the English one is
    shown), description and whether it is active. `name_fr` None: left as it is."""
    name = name.strip()
    if not name:
        raise ValidationError(_("A policy needs a name."))
    with transaction.atomic():
        policy = _lock_policy(policy_id, expected_version, actor=actor)
        if ApprovalPolicy.objects.filter(name__iexact=name).exclude(pk=policy.pk).exists():
            raise ValidationError(_("A policy with this name already exists."))
        french = policy.name_fr if name_fr is None else name_fr.strip()
        changes = {
            key: [getattr(policy, key), value]
            for key, value in (
                ("name", name),
                ("name_fr", french),
                ("description", description),
                ("is_active", is_active),
            )
            if getattr(policy, key) != value
        }
        if not changes:
            return policy
        policy.name, policy.description, policy.is_active = name, description, is_active
        policy.name_fr = french
        policy.save(update_fields=["name", "name_fr", "description", "is_active", "updated_at"])
        policy_revise(
            policy=policy, actor=actor, action="policy.update", details={"changes": changes}
        )
        return policy


def policy_layers_problems(
    *, policy_id: int | None, layers: Sequence[LayerSpec], rules: Sequence[RuleSpec] | None = None
) -> list[str]:
    """Everything wrong with giving `policy_id` these layers (nothing saved)."""
    rules = list(rules) if rules is not None else _all_rule_specs()
    owner = (
        ApprovalPolicy.objects.filter(pk=policy_id).values_list("department_id", flat=True).first()
        if policy_id is not None
        else None
    )
    problems = layers_problems(
        layers,
        department_ids=policy_department_ids(policy_id=policy_id, rules=rules),
        policy_department_id=owner,
    )
    counts = _layer_counts()
    if policy_id is not None:
        counts[policy_id] = len(layers)
        problems += [
            p
            for p in rules_problems(
                [r for r in rules if r.policy_id == policy_id],
                layer_counts=counts,
                policy_names=_policy_names(),
                policy_departments=_policy_departments(),
            )
        ]
    return problems


def policy_layers_save(
    *,
    policy_id: int,
    actor: User,
    layers: Sequence[LayerSpec],
    expected_version: int | None = None,
) -> ApprovalPolicy:
    """Replace the policy's layers by `layers`, in that order (position 1, 2, ...).

    Layers keep their row when the spec carries their id, so earlier approval steps
    still point at the layer they were copied from.
    """
    with transaction.atomic():
        policy = _lock_policy(policy_id, expected_version, actor=actor)
        problems = policy_layers_problems(policy_id=policy.pk, layers=layers)
        if problems:
            raise ValidationError(problems)
        before = policy_snapshot(policy)["layers"]
        existing = {layer.pk: layer for layer in policy.layers.all()}
        keep_ids = {spec.id for spec in layers if spec.id in existing}
        for layer_id, layer in existing.items():
            if layer_id not in keep_ids:
                layer.delete()
        # Move kept layers out of the way first: (policy, position) is unique.
        for offset, layer_id in enumerate(sorted(keep_ids)):
            ApprovalLayer.objects.filter(pk=layer_id).update(position=1000 + offset)
        for position, spec in enumerate(layers, start=1):
            found = existing.get(spec.id) if spec.id is not None and spec.id in keep_ids else None
            layer = found if found is not None else ApprovalLayer(policy=policy)
            layer.position = position
            layer.name = spec.name.strip()
            layer.name_fr = spec.name_fr.strip()
            layer.reviewer_role = spec.reviewer_role
            layer.reviewer_department_id = spec.reviewer_department_id
            layer.approvals_required = spec.approvals_required
            layer.sla_minutes = spec.sla_minutes
            layer.delegate_id = spec.delegate_id
            layer.save()
            layer.reviewers.set(spec.reviewer_ids)
        after = policy_snapshot(policy)["layers"]
        policy_revise(
            policy=policy,
            actor=actor,
            action="policy.layers_change",
            details={"before": before, "after": after},
        )
        return policy


def rules_problems_for(rules: Sequence[RuleSpec]) -> list[str]:
    """Everything wrong with replacing all routing rules by `rules` (nothing saved)."""
    problems = rules_problems(
        rules,
        layer_counts=_layer_counts(),
        policy_names=_policy_names(),
        policy_departments=_policy_departments(),
    )
    # A rule that brings a new department to a policy must find reviewers there.
    for policy in ApprovalPolicy.objects.prefetch_related("layers"):
        departments = policy_department_ids(policy_id=policy.pk, rules=rules)
        specs = [layer_spec_from(layer) for layer in policy.layers.all()]
        found = layers_problems(
            specs, department_ids=departments, policy_department_id=policy.department_id
        )
        for problem in found:
            problems.append(
                _("Policy “%(policy)s”: %(problem)s") % {"policy": policy.name, "problem": problem}
            )
    return problems


def _rules_for_actor(
    *, actor: Any, rules: Sequence[RuleSpec], policies: dict[int, ApprovalPolicy]
) -> tuple[list[RuleSpec], set[int]]:
    """`rules` (the rules of the policies `actor` may edit, as the editor proposes
    them), each rule of a department's policy given its department, plus every other
    rule as it is; and the ids of the policies `actor` may edit."""
    editable = {pk for pk, p in policies.items() if authz.may(actor, authz.Action.POLICY_MANAGE, p)}
    if not may_manage_policies(actor):
        _require(actor, None)  # raises: the policy editor is not theirs
    current = {r.pk: r.policy_id for r in RoutingRule.objects.all()}
    for spec in rules:
        if spec.policy_id not in policies:
            raise ValidationError(_("A rule points at a policy that does not exist."))
        moved_from = current.get(spec.id) if spec.id is not None else None
        if spec.policy_id not in editable or (
            moved_from is not None and moved_from not in editable
        ):
            refused = spec.policy_id if spec.policy_id not in editable else moved_from
            raise PermissionDenied(
                _("You may not change the rules of policy “%(policy)s”.")
                % {"policy": policies[refused].name if refused in policies else ""}
            )
    departments = {pk: p.department_id for pk, p in policies.items()}
    mine = rule_departments_forced(rules, policy_departments=departments)
    others = [
        rule_spec_from(r)
        for r in RoutingRule.objects.exclude(policy_id__in=editable).order_by("pk")
    ]
    return [*mine, *others], editable


def rules_save(*, actor: User, rules: Sequence[RuleSpec]) -> list[RoutingRule]:
    """Replace the routing rules of the policies `actor` may edit by `rules`: rules
    with an id are updated, the others created, and their saved rules missing from
    `rules` deleted. Rules of other policies (site-wide ones, for a department admin)
    are kept as they are, and checked with them."""
    with transaction.atomic():
        # One editor at a time: lock every policy (rules are checked as a whole).
        policies = {p.pk: p for p in ApprovalPolicy.objects.select_for_update().order_by("pk")}
        everything, editable = _rules_for_actor(actor=actor, rules=rules, policies=policies)
        problems = rules_problems_for(everything)
        if problems:
            raise ValidationError(problems)
        mine = [r for r in everything if r.policy_id in editable]
        return _rules_write(actor=actor, rules=mine, editable=editable, policies=policies)


def _rules_write(
    *,
    actor: Any,
    rules: Sequence[RuleSpec],
    editable: set[int],
    policies: dict[int, ApprovalPolicy],
) -> list[RoutingRule]:
    before = {r.pk: rule_spec_from(r) for r in RoutingRule.objects.filter(policy_id__in=editable)}
    touched: dict[int, list[str]] = {}
    saved: list[RoutingRule] = []
    keep = {spec.id for spec in rules if spec.id in before}
    for rule_id, old in before.items():
        if rule_id not in keep:
            RoutingRule.objects.filter(pk=rule_id).delete()
            touched.setdefault(old.policy_id, []).append(f"removed {old.name}")
    for spec in rules:
        old_spec = before.get(spec.id) if spec.id is not None and spec.id in keep else None
        rule = RoutingRule.objects.get(pk=spec.id) if old_spec and spec.id else RoutingRule()
        for attr in (
            "name",
            "name_fr",
            "policy_id",
            "priority",
            "department_id",
            "topic_id",
            "risk",
            "platform",
            "library_unchanged",
            "is_active",
        ):
            setattr(rule, attr, getattr(spec, attr))
        rule.save()
        saved.append(rule)
        new_spec = rule_spec_from(rule)
        if old_spec is None:
            touched.setdefault(rule.policy_id, []).append(f"added {rule.name}")
        elif old_spec != new_spec:
            touched.setdefault(rule.policy_id, []).append(f"changed {rule.name}")
            if old_spec.policy_id != rule.policy_id:
                touched.setdefault(old_spec.policy_id, []).append(f"moved {rule.name}")
    for policy_id, changes in touched.items():
        policy_revise(
            policy=policies[policy_id],
            actor=actor,
            action="policy.rules_change",
            details={"changes": changes},
        )
    return saved
