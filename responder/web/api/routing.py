"""REST API of what a reply needs: its route through approval, and the library
answers that suit the case.

Both are reads on a case, with the visibility of GET /api/v1/cases/{id}/ (a case the
caller may not see is 404). The route is the submit service's own decision
(workflows.routing.route_for); the suggestions are the case page's own ranking
(responder.inbox.suggest.suggest_answers), kept to the answers the caller may use.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from responder.inbox.models import Case
from responder.inbox.selectors import MAX_ID, library_answers_for
from responder.inbox.suggest import suggest_answers
from responder.web.api.serializers import ErrorSerializer, LibraryAnswerSerializer
from workflows.routing import Route, route_for

MAX_SUGGESTIONS = 20

READ_ERRORS = {
    400: OpenApiResponse(
        response=OpenApiTypes.OBJECT,
        description="Bad query parameters: field errors ({field: [messages]}).",
    ),
    401: OpenApiResponse(
        response=ErrorSerializer, description="No valid token or session: sign in first."
    ),
    403: OpenApiResponse(response=ErrorSerializer, description="You lack the role for this."),
    404: OpenApiResponse(
        response=ErrorSerializer,
        description="No such case, or one of another department (not visible to you).",
    ),
}


class RouteQuery(serializers.Serializer[Any]):
    text = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    library_answer = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    language = serializers.ChoiceField(choices=["en", "fr"], required=False)


class SuggestionsQuery(serializers.Serializer[Any]):
    language = serializers.ChoiceField(choices=["en", "fr"], required=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_SUGGESTIONS)


class RouteLayerSerializer(serializers.Serializer[Any]):
    position = serializers.IntegerField()
    name = serializers.CharField(help_text="The layer's English name.")
    name_fr = serializers.CharField(
        allow_blank=True, help_text="The layer's French name (empty: the English one is shown)."
    )
    role = serializers.CharField(allow_blank=True)
    approvals_required = serializers.IntegerField()
    reviewers_count = serializers.IntegerField(
        help_text="People who could approve this layer (the draft's author excluded)."
    )


class RoutePolicySerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField(help_text="The policy's English name.")
    name_fr = serializers.CharField(
        allow_blank=True, help_text="The policy's French name (empty: the English one is shown)."
    )
    version = serializers.IntegerField()


class RouteSerializer(serializers.Serializer[Any]):
    draft_version = serializers.IntegerField(
        allow_null=True, help_text="The saved draft routed (null: the text sent, or none)."
    )
    policy = RoutePolicySerializer(allow_null=True)
    rule = serializers.CharField(
        allow_null=True, help_text="The routing rule that matched (its English name)."
    )
    rule_fr = serializers.CharField(
        allow_null=True, help_text="The matched rule's French name (empty: as in English)."
    )
    risk = serializers.CharField()
    library_answer = serializers.IntegerField(
        allow_null=True, help_text="The library answer the text came from."
    )
    library_unchanged = serializers.BooleanField(
        help_text="The text is an unchanged pre-approved library answer."
    )
    needs_approval = serializers.BooleanField()
    layers = RouteLayerSerializer(many=True)
    reasons = serializers.ListField(child=serializers.CharField())


class SuggestionSerializer(serializers.Serializer[Any]):
    answer = LibraryAnswerSerializer()
    topic = serializers.CharField(allow_null=True, help_text="The answer's topic slug.")
    score = serializers.FloatField(help_text="Similarity to the question, best first.")


def _route_data(route: Route, draft_version: int | None) -> dict[str, Any]:
    """The route as RouteSerializer documents it."""
    policy = route.policy
    return {
        "draft_version": draft_version,
        "policy": (
            {
                "id": policy.pk,
                "name": policy.name,
                "name_fr": policy.name_fr,
                "version": policy.version,
            }
            if policy
            else None
        ),
        "rule": route.rule.name if route.rule else None,
        "rule_fr": route.rule.name_fr if route.rule else None,
        "risk": route.risk,
        "library_answer": route.library_answer.pk if route.library_answer else None,
        "library_unchanged": route.library_unchanged,
        "needs_approval": route.needs_approval,
        "layers": [
            {
                "position": layer.position,
                "name": layer.name,
                "name_fr": layer.name_fr,
                "role": layer.role,
                "approvals_required": layer.approvals_required,
                "reviewers_count": layer.reviewers_count,
            }
            for layer in route.layers
        ],
        "reasons": [str(reason) for reason in route.reasons],
    }


class CaseRoutingMixin(viewsets.GenericViewSet[Case]):
    """The route and suggestions reads of CaseViewSet, which provides
    `_visible_case_id`: the same visibility check as its other actions."""

    def _visible_case_id(self) -> int:
        raise NotImplementedError

    def _visible_case(self) -> Case:
        """The case, with the visibility of GET /api/v1/cases/{id}/ (CaseViewSet's
        `_visible_case_id`), read with its department for the layers' reviewers."""
        return Case.objects.select_related("department").get(pk=self._visible_case_id())

    def _query(self, serializer_class: type[serializers.Serializer[Any]]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        tags=["cases"],
        summary="Which approval layers the reply needs, and why (the latest draft, or "
        "the text sent)",
        parameters=[RouteQuery],
        responses={200: RouteSerializer, **READ_ERRORS},
    )
    @action(detail=True, methods=["get"])
    def route(self, request: Request, pk: str | None = None) -> Response:
        query = self._query(RouteQuery)
        case = self._visible_case()
        if "text" in query:
            route = route_for(
                case=case,
                draft_text=query["text"],
                language=query.get("language"),
                library_answer_id=query.get("library_answer"),
                author_id=case.owner_id,
            )
            return Response(_route_data(route, None))
        draft = case.drafts.select_related("library_answer").order_by("-version").first()
        route = route_for(
            case=case,
            draft_text=draft.text if draft else "",
            language=draft.language if draft else query.get("language"),
            library_answer=draft.library_answer if draft else None,
            author_id=draft.author_id if draft else case.owner_id,
        )
        return Response(_route_data(route, draft.version if draft else None))

    @extend_schema(
        tags=["cases"],
        summary="Library answers that suit the case, best first (those you may use)",
        parameters=[SuggestionsQuery],
        responses={200: SuggestionSerializer(many=True), **READ_ERRORS},
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        query = self._query(SuggestionsQuery)
        case = self._visible_case()
        language = query.get("language") or (
            case.language if case.language in ("en", "fr") else "en"
        )
        ranked = suggest_answers(
            case=case,
            language=language,
            limit=query.get("limit", 3),
            only=library_answers_for(user=request.user),  # type: ignore[arg-type]
        )
        context = {**self.get_serializer_context(), "language": language}
        # One serializer for the list: DRF builds its fields once, not once an answer.
        answers = LibraryAnswerSerializer([s.answer for s in ranked], many=True, context=context)
        return Response(
            [
                {
                    "answer": data,
                    "topic": s.answer.topic.slug if s.answer.topic else None,
                    "score": round(s.score, 2),
                }
                for s, data in zip(ranked, answers.data, strict=True)
            ]
        )
