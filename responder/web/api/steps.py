"""REST API of approval steps: what waits for me, one step, and deciding it.

A step the caller may not see (authz STEP_VIEW, through workflows.selectors) is
answered 404; a visible step the caller may not decide (authz STEP_DECIDE, asked by
approval_decide) is answered 403 when they try to decide it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from responder.audit.models import Via
from responder.web.api.cases import (
    LIST_RESPONSES,
    READ_RESPONSES,
    CheckedCursorPagination,
    action_responses,
    object_id,
)
from responder.web.api.filters import StrictFilterBackend
from responder.web.api.serializers import DecideInput, StepDetailSerializer, StepSerializer
from workflows.models import ApprovalStep
from workflows.selectors import StepFilter, step_detail, steps_for
from workflows.services import approval_decide


class StepPagination(CheckedCursorPagination):
    ordering = ("id",)
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(tags=["approvals"])
@extend_schema_view(
    list=extend_schema(
        summary="Approval steps you may see; mine=true: those waiting for your decision",
        responses={200: StepSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One approval step with the question, the draft and the decisions",
        responses={200: StepDetailSerializer, **READ_RESPONSES},
    ),
)
class StepViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[ApprovalStep]):
    serializer_class = StepSerializer
    pagination_class = StepPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = StepFilter
    queryset = ApprovalStep.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return ApprovalStep.objects.none()
        return steps_for(user=self.request.user)  # type: ignore[arg-type]

    def _step(self, step_id: int) -> ApprovalStep:
        try:
            return step_detail(user=self.request.user, step_id=step_id)  # type: ignore[arg-type]
        except ApprovalStep.DoesNotExist:
            raise NotFound(_("Not found.")) from None

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        step = self._step(object_id(kwargs.get("pk")))
        return Response(StepDetailSerializer(step, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="Decide the step: approve, edit then approve, or request changes",
        request=DecideInput,
        responses=action_responses(StepDetailSerializer),
    )
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        serializer = DecideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        step = self._step(object_id(pk))
        approval_decide(
            step_id=step.pk,
            reviewer=request.user,  # type: ignore[arg-type]
            decision=data["decision"],
            via=Via.API.value,
            comment=data.get("comment", ""),
            edited_text=data.get("edited_text", ""),
            expected_version=data.get("expected_version"),
        )
        step = self._step(step.pk)
        return Response(StepDetailSerializer(step, context=self.get_serializer_context()).data)
