"""REST API of a case's legal hold: POST /api/v1/cases/{id}/legal-hold/.

Department admins set or lift the hold with a reason (responder.inbox.legal_hold);
the case is answered as GET /api/v1/cases/{id}/ shows it, with `legal_hold`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from responder.audit.models import Via
from responder.inbox.legal_hold import REASON_MAX, case_legal_hold_set, legal_hold_require
from responder.inbox.models import Case
from responder.web.api.serializers import CaseDetailSerializer, ErrorSerializer

RESPONSES = {
    200: CaseDetailSerializer,
    400: OpenApiResponse(
        response=OpenApiTypes.OBJECT, description="Bad input: field errors ({field: [messages]})."
    ),
    401: OpenApiResponse(response=ErrorSerializer, description="No valid token or session."),
    403: OpenApiResponse(
        response=ErrorSerializer, description="Not an administrator of the case's department."
    ),
    404: OpenApiResponse(
        response=ErrorSerializer, description="No such case, or one you may not see."
    ),
    409: OpenApiResponse(
        response=ErrorSerializer, description="The case already has that hold (code unchanged)."
    ),
}


class LegalHoldInput(serializers.Serializer[Any]):
    hold = serializers.BooleanField(help_text=_("true sets the hold, false lifts it."))
    reason = serializers.CharField(
        max_length=REASON_MAX, help_text=_("Why the hold is set or lifted (audited).")
    )


class CaseLegalHoldMixin(viewsets.GenericViewSet[Case]):
    """The legal-hold action of CaseViewSet, which provides `_input`,
    `_visible_case_id` and `_case_response` (the same visibility as its other actions)."""

    def _input(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        raise NotImplementedError

    def _visible_case_id(self) -> int:
        raise NotImplementedError

    def _case_response(self, case_id: int) -> Response:
        raise NotImplementedError

    @extend_schema(
        summary="Set or lift the case's legal hold, with a reason (department admins)",
        description=(
            "While a case is held, retention does not remove its personal information. "
            "Asking for the hold the case already has answers 409 (code unchanged)."
        ),
        request=LegalHoldInput,
        responses=RESPONSES,
    )
    @action(detail=True, methods=["post"], url_path="legal-hold")
    def legal_hold(self, request: Request, pk: str | None = None) -> Response:
        case_id = self._visible_case_id()
        legal_hold_require(actor=request.user, case=Case.objects.get(pk=case_id))
        data = self._input(LegalHoldInput)
        case_legal_hold_set(
            case_id=case_id,
            actor=request.user,
            hold=data["hold"],
            reason=data["reason"],
            via=Via.API.value,
        )
        return self._case_response(case_id)
