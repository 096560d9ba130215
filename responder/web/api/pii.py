"""REST API of personal information: reveal a case's text for a reason, and the
outgoing checks the editor shows.

- POST /api/v1/cases/{id}/reveal/ {reason}: the raw text, for officers and admins of
  the case's department; audited like the page's reveal ("case.pii_reveal"). Every
  other case response carries the masked text.
- POST /api/v1/checks/ {text, language, case?, platform?}: the same checks as the
  editor (responder.inbox.checks), with the personal information found as
  {"kind", "start", "end"}, never the value.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from responder.audit.models import Via
from responder.inbox.checks import (
    PLATFORM_LIMITS,
    has_errors,
    outgoing_checks,
    personal_information_in,
)
from responder.inbox.models import Case, CaseLanguage, Platform
from responder.inbox.pii import PiiKind, pii_kinds
from responder.inbox.pii_display import case_pii_findings
from responder.inbox.pii_services import REASON_MAX, case_pii_reveal
from responder.inbox.selectors import MAX_ID, cases_visible_to
from responder.web.api.routing import READ_ERRORS

VIA = Via.API.value
MAX_TEXT = 5000


class RevealInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=REASON_MAX, help_text=_("Why you need the text."))


class FindingSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=PiiKind.choices)
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class RevealOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    text = serializers.CharField(help_text=_("The citizen's post as stored, unmasked."))
    pii_kinds = serializers.ListField(child=serializers.CharField())
    personal_information = FindingSerializer(many=True)


class CaseRevealMixin:
    """The reveal action of /api/v1/cases/ (mixed into CaseViewSet)."""

    @extend_schema(
        summary="Reveal the case's text, personal information included (audited)",
        request=RevealInput,
        responses={200: RevealOutput, **READ_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str | None = None) -> Response:
        serializer = RevealInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        case_id = self._visible_case_id()  # type: ignore[attr-defined]
        case = case_pii_reveal(
            case_id=case_id,
            actor=request.user,
            reason=serializer.validated_data["reason"],
            via=VIA,
        )
        findings = case_pii_findings(case)
        return Response(
            {
                "id": case.pk,
                "text": case.text,
                "pii_kinds": pii_kinds(findings),
                "personal_information": [f.as_dict() for f in findings],
            }
        )


class ChecksInput(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=MAX_TEXT, allow_blank=True, trim_whitespace=False)
    language = serializers.ChoiceField(choices=["en", "fr"], required=False)
    case = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    platform = serializers.ChoiceField(
        choices=Platform.choices,
        required=False,
        help_text=_("Without a case: the platform the reply is for (Mastodon if absent)."),
    )


class ChecksView(APIView):
    parser_classes = [JSONParser]  # integrations and the editor send JSON

    @extend_schema(
        summary="The outgoing checks on a reply text, as the editor shows them",
        request=ChecksInput,
        responses={
            200: inline_serializer(
                "ChecksOutput",
                {
                    "ok": serializers.BooleanField(),
                    "checks": inline_serializer(
                        "CheckResultOut",
                        {
                            "code": serializers.CharField(),
                            "level": serializers.CharField(),
                            "message": serializers.CharField(),
                        },
                        many=True,
                    ),
                    "personal_information": FindingSerializer(many=True),
                },
            ),
            **READ_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ChecksInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        language = data.get("language")
        case_id = data.get("case")
        if case_id is not None:
            case = (
                cases_visible_to(user=request.user)  # type: ignore[arg-type]
                .select_related("department")
                .filter(pk=case_id)
                .first()
            )
            if case is None:
                raise NotFound(_("Not found."))
        else:
            platform = data.get("platform") or Platform.MASTODON
            case = Case(
                platform=platform if platform in PLATFORM_LIMITS else Platform.MASTODON,
                language=language or CaseLanguage.EN,
                author_handle="",
            )
        text = data["text"]
        results = outgoing_checks(case=case, text=text, language=language)
        department = case.department if case.department_id else None
        findings = personal_information_in(text, department=department)
        return Response(
            {
                "ok": not has_errors(results),
                "checks": [
                    {"code": r.code, "level": r.level, "message": r.message} for r in results
                ],
                "personal_information": [f.as_dict() for f in findings],
            }
        )
