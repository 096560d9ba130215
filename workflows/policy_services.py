"""Changes to approval policies and routing rules: validated, audited, versioned.

Cases already in review are not affected by any of this: their approval steps are
copies of the layers taken at submit time (workflows.services.steps_create).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

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
    rule_spec_from,
    rules_problems,
)


def user_is_policy_admin(user: Any) -> bool:
    """Admins (role admin in any department) and superusers may edit policies."""
    from responder.accounts.models import Membership, Role

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists())


def _require_admin(actor: User) -> None:
    if not user_is_policy_admin(actor):
        raise PermissionDenied(_("Only admins may change approval policies."))


def policy_snapshot(policy: ApprovalPolicy) -> dict[str, Any]:
    """The policy as it stands: what a revision keeps."""
    return {
        "name": policy.name,
        "description": policy.description,
        "is_active": policy.is_active,
        "version": policy.version,
        "layers": [
            {
                "position": layer.position,
                "name": layer.name,
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


def _lock_policy(policy_id: int, expected_version: int | None) -> ApprovalPolicy:
    try:
        policy = ApprovalPolicy.objects.select_for_update().get(pk=policy_id)
    except ApprovalPolicy.DoesNotExist:
        raise ConflictError(_("This policy does not exist."), code="not_found") from None
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


def policy_create(*, actor: User, name: str, description: str = "") -> ApprovalPolicy:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError(_("A policy needs a name."))
    with transaction.atomic():
        if ApprovalPolicy.objects.filter(name__iexact=name).exists():
            raise ValidationError(_("A policy with this name already exists."))
        policy = ApprovalPolicy.objects.create(name=name, description=description, version=0)
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
) -> ApprovalPolicy:
    _require_admin(actor)
    name = name.strip()
    if not name:
        raise ValidationError(_("A policy needs a name."))
    with transaction.atomic():
        policy = _lock_policy(policy_id, expected_version)
        if ApprovalPolicy.objects.filter(name__iexact=name).exclude(pk=policy.pk).exists():
            raise ValidationError(_("A policy with this name already exists."))
        changes = {
            key: [getattr(policy, key), value]
            for key, value in (
                ("name", name),
                ("description", description),
                ("is_active", is_active),
            )
            if getattr(policy, key) != value
        }
        if not changes:
            return policy
        policy.name, policy.description, policy.is_active = name, description, is_active
        policy.save(update_fields=["name", "description", "is_active", "updated_at"])
        policy_revise(
            policy=policy, actor=actor, action="policy.update", details={"changes": changes}
        )
        return policy


def policy_layers_problems(
    *, policy_id: int | None, layers: Sequence[LayerSpec], rules: Sequence[RuleSpec] | None = None
) -> list[str]:
    """Everything wrong with giving `policy_id` these layers (nothing saved)."""
    rules = list(rules) if rules is not None else _all_rule_specs()
    problems = layers_problems(
        layers, department_ids=policy_department_ids(policy_id=policy_id, rules=rules)
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
    _require_admin(actor)
    with transaction.atomic():
        policy = _lock_policy(policy_id, expected_version)
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
    problems = rules_problems(rules, layer_counts=_layer_counts(), policy_names=_policy_names())
    # A rule that brings a new department to a policy must find reviewers there.
    for policy in ApprovalPolicy.objects.prefetch_related("layers"):
        departments = policy_department_ids(policy_id=policy.pk, rules=rules)
        specs = [layer_spec_from(layer) for layer in policy.layers.all()]
        for problem in layers_problems(specs, department_ids=departments):
            problems.append(
                _("Policy “%(policy)s”: %(problem)s") % {"policy": policy.name, "problem": problem}
            )
    return problems


def rules_save(*, actor: User, rules: Sequence[RuleSpec]) -> list[RoutingRule]:
    """Replace every routing rule by `rules`: rules with an id are updated, the others
    created, and saved rules missing from `rules` deleted."""
    _require_admin(actor)
    with transaction.atomic():
        # One editor at a time: lock every policy (rules are checked as a whole).
        policies = {p.pk: p for p in ApprovalPolicy.objects.select_for_update().order_by("pk")}
        for spec in rules:
            if spec.policy_id not in policies:
                raise ValidationError(_("A rule points at a policy that does not exist."))
        problems = rules_problems_for(rules)
        if problems:
            raise ValidationError(problems)
        before = {r.pk: rule_spec_from(r) for r in RoutingRule.objects.all()}
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
