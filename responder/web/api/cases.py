"""REST API of the inbox: cases and their transitions, the answer library, topics, me.

Views hold no business rules: they check the shape of the input (serializers), find
the case among those the caller may see (selectors), call one service with
via="api", and answer with the case as it is now. A case the caller may not see is
answered 404, exactly like a case that does not exist, so that ids of other
departments' cases cannot be probed. A visible case the caller lacks the role for is
answered 403; an action the case's state does not allow is answered 409.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, Throttled, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from responder.accounts.local_passwords import password_sign_in_allowed
from responder.accounts.login_throttle import (
    client_address,
    login_failures_clear,
    login_wait_message,
    login_wait_seconds,
)
from responder.audit.models import Via
from responder.channels import services as channel_services
from responder.inbox import services
from responder.inbox.case_risk import case_risk_set
from responder.inbox.models import Case, LibraryAnswer, Topic
from responder.inbox.selectors import (
    MAX_ID,
    CaseFilter,
    LibraryFilter,
    cases_for,
    cases_visible_to,
    library_answers_for,
    topics_for,
)
from responder.web.api.case_detail import case_detail
from responder.web.api.filters import StrictFilterBackend, page_size_checked, page_size_schema
from responder.web.api.legal_hold import CaseLegalHoldMixin
from responder.web.api.pii import CaseRevealMixin
from responder.web.api.routing import CaseRoutingMixin
from responder.web.api.serializers import (
    CaseDetailSerializer,
    CaseSerializer,
    CloseInput,
    DraftInput,
    ErrorSerializer,
    LibraryAnswerSerializer,
    MeSerializer,
    RiskInput,
    SubmitInput,
    TagInput,
    TakeOverInput,
    TokenSerializer,
    TopicSerializer,
    VersionedInput,
    me_data,
)
from workflows import submission
from workflows.undo import reply_undo

VIA = Via.API.value

BAD_INPUT = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description="Bad input: field errors ({field: [messages]}) or {detail, code}.",
)
NOT_FOUND = OpenApiResponse(
    response=ErrorSerializer,
    description="No such object, or one of another department (not visible to you).",
)
UNAUTHENTICATED = OpenApiResponse(
    response=ErrorSerializer, description="No valid token or session: sign in first."
)
FORBIDDEN = OpenApiResponse(
    response=ErrorSerializer,
    description="You lack the role for this (or a session request without its CSRF token).",
)
CONFLICT = OpenApiResponse(
    response=ErrorSerializer,
    description=(
        "Not possible in the current state (code invalid_transition, held, not_owner, "
        "already_decided, no_policy, policy_unusable, nothing_to_retry, too_late) or the case "
        "changed "
        "since the version you sent (code stale)."
    ),
)


def action_responses(ok: Any) -> dict[int, Any]:
    return {
        200: ok,
        400: BAD_INPUT,
        401: UNAUTHENTICATED,
        403: FORBIDDEN,
        404: NOT_FOUND,
        409: CONFLICT,
    }


READ_RESPONSES = {401: UNAUTHENTICATED, 403: FORBIDDEN, 404: NOT_FOUND}
LIST_RESPONSES = {400: BAD_INPUT, **READ_RESPONSES}


def object_id(raw: object) -> int:
    """An id from the URL; anything but a database-sized positive integer is 404."""
    text = str(raw)
    if not text.isascii() or not text.isdigit():
        raise NotFound(_("Not found."))
    value = int(text)
    if not 0 < value <= MAX_ID:
        raise NotFound(_("Not found."))
    return value


def action_post(func: Callable[..., Response]) -> Any:
    """A transition: POST /cases/{id}/<name>/. (A fresh decorator per action: DRF's
    keeps per-action settings, such as the schema, in the decorator's kwargs.)"""
    return action(detail=True, methods=["post"])(func)


def action_post_path(url_path: str) -> Callable[[Callable[..., Response]], Any]:
    return lambda func: action(detail=True, methods=["post"], url_path=url_path)(func)


class CheckedCursorPagination(CursorPagination):
    """Cursor pagination that checks the position a client sends back.

    The cursor is only base64, so anyone can forge one; DRF hands the position to the
    database as it is, and "abc" as an id or a NUL in a title would answer 500. A
    position that cannot be a value of the ordering field is an invalid cursor (404,
    as DRF answers for one that does not decode); times are passed on in UTC.
    """

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        page_size_checked(request, self.page_size_query_param, self.max_page_size)
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        page_size_schema(parameters, self.page_size_query_param, self.max_page_size)
        return parameters

    def decode_cursor(self, request: Request) -> Cursor | None:
        cursor = super().decode_cursor(request)
        if cursor is None or cursor.position is None:
            return cursor
        field = self._model._meta.get_field(str(self.ordering[0]).lstrip("-"))
        raw = str(cursor.position)
        try:
            if "\x00" in raw:
                raise ValueError(raw)
            value = field.to_python(raw)
            if isinstance(value, int) and not -MAX_ID <= value <= MAX_ID:
                raise ValueError(raw)
            if isinstance(value, dt.datetime):
                if value.tzinfo is None:
                    raise ValueError(raw)
                raw = value.astimezone(dt.UTC).isoformat()
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise NotFound(self.invalid_cursor_message) from None
        # DRF's stubs say an int; the position is any value of the ordering field.
        return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=raw)  # type: ignore[arg-type]


class CasePagination(CheckedCursorPagination):
    # Matches the case indexes: a page is read straight from the index, however deep.
    ordering = ("-received_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(tags=["cases"])
@extend_schema_view(
    list=extend_schema(
        summary="List the cases you may see (the inbox), newest first",
        responses={200: CaseSerializer(many=True), **LIST_RESPONSES},
    ),
    retrieve=extend_schema(
        summary="One case with its drafts, approval steps, audit events and outbox replies",
        responses={200: CaseDetailSerializer, **READ_RESPONSES},
    ),
)
class CaseViewSet(
    CaseRevealMixin,
    CaseRoutingMixin,
    CaseLegalHoldMixin,
    mixins.ListModelMixin,
    viewsets.GenericViewSet[Case],
):
    serializer_class = CaseSerializer
    pagination_class = CasePagination
    filter_backends = [StrictFilterBackend]
    filterset_class = CaseFilter
    queryset = Case.objects.none()  # for the schema; get_queryset reads per caller

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Case.objects.none()
        return cases_for(user=self.request.user)  # type: ignore[arg-type]

    # --- helpers -----------------------------------------------------------------------

    def _visible_case_id(self) -> int:
        case_id = object_id(self.kwargs.get("pk"))
        if not cases_visible_to(user=self.request.user).filter(pk=case_id).exists():  # type: ignore[arg-type]
            raise NotFound(_("Not found."))
        return case_id

    def _input(self, serializer_class: type[Serializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _case_response(self, case_id: int) -> Response:
        try:
            case = case_detail(user=self.request.user, case_id=case_id)  # type: ignore[arg-type]
        except Case.DoesNotExist:
            raise NotFound(_("Not found.")) from None
        return Response(CaseDetailSerializer(case, context=self.get_serializer_context()).data)

    def _act(
        self, serializer_class: type[Serializer[Any]], service: Callable[..., Any], **extra: Any
    ) -> Response:
        data = self._input(serializer_class)
        case_id = self._visible_case_id()
        service(case_id=case_id, actor=self.request.user, via=VIA, **data, **extra)
        return self._case_response(case_id)

    # --- reads ---------------------------------------------------------------------------

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._case_response(object_id(kwargs.get("pk")))

    # --- transitions ---------------------------------------------------------------------

    @extend_schema(
        summary="Claim the case: you become its owner and can draft the reply",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def claim(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, services.case_claim)

    @extend_schema(
        summary="Release the case back to the inbox (owner or department admin)",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def release(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, services.case_release)

    @extend_schema(
        summary="Take over a case being drafted by someone else (department admin)",
        request=TakeOverInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post_path("take-over")
    def take_over(self, request: Request, pk: str | None = None) -> Response:
        return self._act(TakeOverInput, services.case_take_over)

    @extend_schema(
        summary="Save a new version of the reply (owner, while drafting)",
        request=DraftInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def draft(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(DraftInput)
        case_id = self._visible_case_id()
        services.draft_save(
            case_id=case_id,
            actor=self.request.user,  # type: ignore[arg-type]
            via=VIA,
            text=data["text"],
            language=data.get("language"),
            library_answer_id=data.get("library_answer"),
            expected_version=data.get("expected_version"),
            private=data.get("private", False),
        )
        return self._case_response(case_id)

    @extend_schema(
        summary="Submit the latest draft: into review, or straight to the outbox when its "
        "policy has no layers",
        request=SubmitInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._act(SubmitInput, submission.draft_submit)

    @extend_schema(
        summary="Take the draft back out of review to change it",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, submission.case_withdraw)

    @extend_schema(
        summary="Close the case without a reply, with a reason",
        request=CloseInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def close(self, request: Request, pk: str | None = None) -> Response:
        return self._act(CloseInput, services.case_close)

    @extend_schema(
        summary="Reopen a closed case",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, services.case_reopen)

    @extend_schema(
        summary="Post a failed reply again (same outbox row, never a second post)",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def retry(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, channel_services.case_retry_post)

    @extend_schema(
        summary="Undo a reply still in its department's undo hold: it is never posted, and "
        "the case returns to drafting (or its last approval step opens again); refused "
        "with code too_late once the hold is over",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post_path("undo-send")
    def undo_send(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, reply_undo)

    @extend_schema(
        summary="Take a refused reply back to drafting, to change it and submit it again",
        request=VersionedInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def revise(self, request: Request, pk: str | None = None) -> Response:
        return self._act(VersionedInput, services.case_revise)

    @extend_schema(
        summary="Set the case's topics and/or risk (before submitting)",
        request=TagInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def tag(self, request: Request, pk: str | None = None) -> Response:
        data = self._input(TagInput)
        case_id = self._visible_case_id()
        services.case_tag(
            case_id=case_id,
            actor=self.request.user,  # type: ignore[arg-type]
            via=VIA,
            topic_ids=data.get("topics"),
            risk=data.get("risk"),
            expected_version=data.get("expected_version"),
        )
        return self._case_response(case_id)

    @extend_schema(
        summary="Set the officer's risk: raise freely, lower only with a reason (audited)",
        request=RiskInput,
        responses=action_responses(CaseDetailSerializer),
    )
    @action_post
    def risk(self, request: Request, pk: str | None = None) -> Response:
        return self._act(RiskInput, case_risk_set)


class LibraryPagination(CheckedCursorPagination):
    ordering = ("title_en", "id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


@extend_schema(
    tags=["library"],
    summary="Search the answer library (pre-approved English/French answers)",
    responses={200: LibraryAnswerSerializer(many=True), **LIST_RESPONSES},
)
class LibraryListView(ListAPIView[LibraryAnswer]):
    serializer_class = LibraryAnswerSerializer
    pagination_class = LibraryPagination
    filter_backends = [StrictFilterBackend]
    filterset_class = LibraryFilter
    queryset = LibraryAnswer.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return LibraryAnswer.objects.none()
        return library_answers_for(user=self.request.user)  # type: ignore[arg-type]

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        language = self.request.query_params.get("language")
        if language not in ("en", "fr"):
            language = getattr(self.request.user, "language", "en")
        context["language"] = language
        return context


@extend_schema(
    tags=["library"],
    summary="Topics a case can be tagged with",
    responses={200: TopicSerializer(many=True), 401: UNAUTHENTICATED, 403: FORBIDDEN},
)
class TopicListView(ListAPIView[Topic]):
    serializer_class = TopicSerializer
    pagination_class = None
    queryset = Topic.objects.none()

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Topic.objects.none()
        return topics_for(user=self.request.user)  # type: ignore[arg-type]


class MeView(APIView):
    @extend_schema(
        tags=["auth"],
        summary="Who you are, and your roles per department",
        responses={200: MeSerializer, 401: UNAUTHENTICATED, 403: FORBIDDEN},
    )
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(me_data(request.user)).data)


class TokenObtainView(ObtainAuthToken):
    """Trade a username and password for the API token of that person."""

    @extend_schema(
        tags=["auth"],
        summary="Get your API token (send it as: Authorization: Token <key>)",
        auth=[],
        request=AuthTokenSerializer,
        responses={
            200: TokenSerializer,
            400: BAD_INPUT,
            429: OpenApiResponse(
                description="Too many wrong passwords from this address (for this username)"
            ),
        },
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        username = username if isinstance(username, str) else ""
        address = client_address(request)
        wait = login_wait_seconds(username=username, address=address)
        if wait:
            raise Throttled(wait=wait, detail=login_wait_message(wait))
        if not password_sign_in_allowed(username):
            raise ValidationError(
                {"non_field_errors": [_("Sign in through your department's identity provider.")]}
            )
        response = super().post(request, *args, **kwargs)
        login_failures_clear(username=username, address=address)
        return response
