"""Reads of the approval engine: what waits for a reviewer, and which steps one may see.

A person sees an approval step when they may see its case (responder.accounts.authz:
any role in the case's department, or asked to decide one of its steps with a
reviewing role there; a delegate once the step escalated to them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from responder.accounts import authz
from responder.accounts.models import User
from responder.inbox.models import Case, CaseState
from responder.inbox.selectors import MAX_ID, IdFilter
from workflows.models import ApprovalStep, StepDecision, StepStatus


def _step_queryset(*, with_case: bool = False) -> QuerySet[ApprovalStep]:
    """Steps with their reviewers and decisions; `with_case` adds the case and the draft's
    author, which one step's page shows and a list does not."""
    steps = ApprovalStep.objects.select_related("draft", "delegate").prefetch_related(
        "reviewers",
        Prefetch(
            "decisions",
            queryset=StepDecision.objects.select_related("reviewer", "edited_draft").order_by(
                "created_at", "id"
            ),
        ),
    )
    if with_case:
        steps = steps.select_related(
            "case__department", "case__owner", "case__account", "draft__author"
        ).prefetch_related("case__topics")
    return steps


def steps_waiting_for(*, user: User) -> QuerySet[ApprovalStep]:
    """Open steps `user` can decide now (authz STEP_DECIDE), the most urgent first:
    those where they are a reviewer and have not decided yet, and those escalated to
    them as delegate; only in departments where they hold a reviewing role."""
    if not authz.is_active_person(user):
        return ApprovalStep.objects.none()
    reviewing = authz.departments_where(user, roles=authz.REVIEWING_ROLES)
    reviewer_of = ApprovalStep.reviewers.through.objects.filter(user_id=user.pk).values(
        "approvalstep_id"
    )
    already_decided = StepDecision.objects.filter(step_id=OuterRef("pk"), reviewer_id=user.pk)
    steps = (
        _step_queryset(with_case=True)
        .filter(status=StepStatus.OPEN, case__state=CaseState.IN_REVIEW)
        .filter(Q(pk__in=reviewer_of) | Q(escalated_at__isnull=False, delegate_id=user.pk))
        .exclude(Exists(already_decided))
    )
    if reviewing is not None:
        steps = steps.filter(case__department_id__in=reviewing)
    return steps.order_by("due_at", "id")


class StepFilter(django_filters.FilterSet):
    mine = django_filters.BooleanFilter(method="filter_mine", label=_("waiting for my decision"))
    status = django_filters.MultipleChoiceFilter(choices=StepStatus.choices)
    case = IdFilter(field_name="case_id")

    class Meta:
        model = ApprovalStep
        fields: list[str] = []

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[ApprovalStep] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: User | None = None,
    ) -> None:
        super().__init__(data=data, queryset=queryset, request=request, prefix=prefix)
        self.user = user if user is not None else getattr(request, "user", None)

    @extend_schema_field(OpenApiTypes.BOOL)
    def filter_mine(
        self, queryset: QuerySet[ApprovalStep], name: str, value: bool | None
    ) -> QuerySet[ApprovalStep]:
        if not value or self.user is None:
            return queryset
        return queryset.filter(pk__in=steps_waiting_for(user=self.user).values("pk"))


def steps_visible_to(*, user: User, with_case: bool = False) -> QuerySet[ApprovalStep]:
    """Every step `user` may read (authz STEP_VIEW: those of the cases they may see),
    unordered."""
    steps = _step_queryset(with_case=with_case)
    visible = authz.cases_visible_q(user)
    if visible is None:
        return steps
    return steps.filter(case_id__in=Case.objects.filter(visible).values("pk"))


def steps_for(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[ApprovalStep]:
    """Steps `user` may read, oldest first; `filters` as in StepFilter (mine, status, case)."""
    steps = steps_visible_to(user=user).order_by("id")
    if filters:
        steps = StepFilter(filters, queryset=steps, user=user).qs
    return steps


def step_detail(*, user: User, step_id: int) -> ApprovalStep:
    """One step with its case, draft, reviewers and decisions.

    Raises ApprovalStep.DoesNotExist when it does not exist or `user` may not see it.
    """
    if not 0 < step_id <= MAX_ID:
        raise ApprovalStep.DoesNotExist
    return steps_visible_to(user=user, with_case=True).get(pk=step_id)
