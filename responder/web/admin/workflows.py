"""Admin pages for approval policies, their layers, routing rules and approval steps.

Policy and rule forms are checked with the same rules as the policy editor
(workflows.validation), and each saved change bumps the policy's version and keeps a
revision, so cases already in review keep the layers they were given.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from responder.accounts import authz
from responder.accounts.admin_scoping import DepartmentScopedAdmin, ScopedInline, SiteOnlyAdmin
from responder.audit.models import Via
from responder.errors import ConflictError, PermissionDenied, ValidationError
from workflows.models import (
    ApprovalLayer,
    ApprovalPolicy,
    ApprovalStep,
    Decision,
    PolicyRevision,
    RoutingRule,
    StepDecision,
)
from workflows.policy_services import policy_lock, policy_revise
from workflows.services import approval_decide
from workflows.validation import (
    LayerSpec,
    layers_problems,
    policy_department_ids,
    rule_spec_from,
    rules_problems,
)


class LayerFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        specs = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            specs.append(
                LayerSpec(
                    id=form.instance.pk,
                    name=data.get("name") or "",
                    reviewer_role=data.get("reviewer_role") or "",
                    reviewer_department_id=getattr(data.get("reviewer_department"), "pk", None),
                    reviewer_ids=[u.pk for u in data.get("reviewers") or []],
                    approvals_required=data.get("approvals_required") or 1,
                    sla_minutes=data.get("sla_minutes") or 0,
                    delegate_id=getattr(data.get("delegate"), "pk", None),
                )
            )
        policy_id = self.instance.pk
        rules = [rule_spec_from(r) for r in RoutingRule.objects.all()]
        owner = self.instance.department_id
        departments = [owner] if owner else policy_department_ids(policy_id=policy_id, rules=rules)
        problems = layers_problems(specs, department_ids=departments, policy_department_id=owner)
        if policy_id is not None:
            counts = {p.pk: p.layers.count() for p in ApprovalPolicy.objects.all()}
            counts[policy_id] = len(specs)
            names = dict(ApprovalPolicy.objects.values_list("pk", "name"))
            problems += rules_problems(
                [r for r in rules if r.policy_id == policy_id],
                layer_counts=counts,
                policy_names=names,
                policy_departments={policy_id: owner},
            )
        if problems:
            raise forms.ValidationError(problems)


class ApprovalLayerInline(ScopedInline, admin.StackedInline):  # type: ignore[type-arg]
    department_path = "policy__department_id"
    model = ApprovalLayer
    formset = LayerFormSet
    extra = 0
    ordering = ["position"]
    autocomplete_fields = ["reviewers", "delegate"]
    fields = [
        ("position", "name", "name_fr"),
        ("reviewer_role", "reviewer_department"),
        "reviewers",
        ("approvals_required", "sla_minutes"),
        "delegate",
    ]


class ApprovalPolicyForm(forms.ModelForm):
    # The version the form was opened at: saving over someone else's later edit is
    # refused, as in the policy editor (policy_services.policy_lock).
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ApprovalPolicy
        fields = ["name", "name_fr", "description", "is_active", "department"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seen = data.get("seen_version")
        if self.instance.pk is not None and seen is not None:
            current = ApprovalPolicy.objects.values_list("version", flat=True).get(
                pk=self.instance.pk
            )
            if current != seen:
                raise forms.ValidationError(
                    _(
                        "Someone changed this policy since you opened it (now version %(v)s). Reload."  # noqa: E501
                    )
                    % {"v": current}
                )
        return data


@admin.register(ApprovalPolicy)
class ApprovalPolicyAdmin(DepartmentScopedAdmin):
    form = ApprovalPolicyForm
    show_shared = True  # site-wide policies: shown to department admins, not editable
    manage_action = authz.Action.POLICY_MANAGE
    list_display = [
        "name",
        "name_fr",
        "department",
        "layer_count",
        "is_active",
        "version",
        "updated_at",
    ]
    list_filter = ["is_active", "department"]
    search_fields = ["name", "name_fr"]
    readonly_fields = ["version", "updated_at"]
    inlines = [ApprovalLayerInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApprovalPolicy]:
        return super().get_queryset(request).prefetch_related("layers")

    def choices_queryset(self, request: HttpRequest) -> QuerySet[ApprovalPolicy]:
        # A rule may point only at a policy its author may edit.
        return self.get_queryset(request).filter(department__isnull=False)

    @admin.display(description=_("layers"))
    def layer_count(self, obj: ApprovalPolicy) -> int:
        return len(obj.layers.all())

    def save_model(
        self, request: HttpRequest, obj: ApprovalPolicy, form: Any, change: bool
    ) -> None:
        # The admin's change view runs in one transaction: the lock holds to the end.
        if change:
            policy_lock(
                policy_id=obj.pk,
                expected_version=form.cleaned_data.get("seen_version"),
                actor=request.user,
            )
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            policy_revise(
                via=Via.ADMIN,
                policy=form.instance,
                actor=request.user,
                action="policy.update" if change else "policy.create",
            )


class RoutingRuleForm(forms.ModelForm):
    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "name_fr",
            "policy",
            "priority",
            "department",
            "topic",
            "risk",
            "platform",
            "library_unchanged",
            "is_active",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors or data.get("policy") is None:
            return data
        owner = data["policy"].department
        if owner is not None and data.get("department") is None:
            data["department"] = owner  # a department's rule routes that department's cases
        proposed = RoutingRule(pk=self.instance.pk, **{k: v for k, v in data.items()})
        rules = [rule_spec_from(r) for r in RoutingRule.objects.exclude(pk=self.instance.pk or -1)]
        rules.append(rule_spec_from(proposed))
        counts = {p.pk: p.layers.count() for p in ApprovalPolicy.objects.all()}
        names = dict(ApprovalPolicy.objects.values_list("pk", "name"))
        departments = dict(ApprovalPolicy.objects.values_list("pk", "department_id"))
        problems = rules_problems(
            rules, layer_counts=counts, policy_names=names, policy_departments=departments
        )
        if problems:
            raise forms.ValidationError(problems)
        return data


@admin.register(RoutingRule)
class RoutingRuleAdmin(DepartmentScopedAdmin):
    department_path = "policy__department_id"
    show_shared = True  # rules of site-wide policies: shown, a site admin's to change
    manage_action = authz.Action.POLICY_MANAGE
    form = RoutingRuleForm
    list_display = [
        "priority",
        "name",
        "policy",
        "department",
        "topic",
        "risk",
        "platform",
        "library_unchanged",
        "is_active",
    ]
    list_display_links = ["name"]
    list_filter = ["policy", "is_active", "risk", "platform"]
    search_fields = ["name", "name_fr"]
    ordering = ["priority", "id"]

    def save_model(self, request: HttpRequest, obj: RoutingRule, form: Any, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            policy_revise(
                via=Via.ADMIN, policy=obj.policy, actor=request.user, action="policy.rules_change"
            )

    def delete_model(self, request: HttpRequest, obj: RoutingRule) -> None:
        with transaction.atomic():
            policy = obj.policy
            super().delete_model(request, obj)
            policy_revise(
                via=Via.ADMIN, policy=policy, actor=request.user, action="policy.rules_change"
            )


class StepDecisionInline(admin.TabularInline):
    model = StepDecision
    extra = 0
    can_delete = False
    fields = ["reviewer", "decision", "comment", "via", "created_at"]
    readonly_fields = ["reviewer", "decision", "comment", "via", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApprovalStep)
class ApprovalStepAdmin(SiteOnlyAdmin):
    """Read-only: steps are copies made at submit time and decided through services."""

    list_display = ["case", "round", "position", "name", "policy_name", "status", "due_at"]
    list_filter = ["status", "policy_name"]
    search_fields = ["case__id", "name", "policy_name"]
    list_select_related = ["case"]
    inlines = [StepDecisionInline]
    actions = ["approve"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Approve (as me, if I am a reviewer)"))
    def approve(self, request: HttpRequest, queryset: QuerySet[ApprovalStep]) -> None:
        approved = 0
        for step in queryset.order_by("pk"):
            try:
                approval_decide(
                    step_id=step.pk,
                    reviewer=request.user,  # type: ignore[arg-type]
                    decision=Decision.APPROVE,
                    via=Via.ADMIN,
                )
            except (ConflictError, PermissionDenied, ValidationError) as exc:
                self.message_user(request, f"{step}: {exc}", level=messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(request, _("%(count)s step(s) approved.") % {"count": approved})


@admin.register(PolicyRevision)
class PolicyRevisionAdmin(SiteOnlyAdmin):
    list_display = ["policy_name", "version", "action", "actor", "created_at"]
    list_filter = ["policy_name", "action"]
    readonly_fields = [f.name for f in PolicyRevision._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
