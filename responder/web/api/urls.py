"""The REST API, version 1, under /api/v1/ (schema at /api/schema/, docs at /api/docs/).

Token authentication for scripts (POST auth/token/ with username and password, then
`Authorization: Token <key>`), session authentication with CSRF for the browser.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, path, re_path
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework.routers import SimpleRouter

from responder.web.api.cases import (
    CaseViewSet,
    LibraryListView,
    MeView,
    TokenObtainView,
    TopicListView,
)
from responder.web.api.steps import StepViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
router.register("steps", StepViewSet, basename="api-step")


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> JsonResponse:
    """Unknown API URLs answer JSON, like every other API error, for every method.
    CSRF-exempt because it changes nothing: a script's POST with its token must not
    get Django's CSRF page (HTML) instead of the 404."""
    return JsonResponse({"detail": _("Not found."), "code": "not_found"}, status=404)


urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("library/", LibraryListView.as_view(), name="api-library"),
    path("topics/", TopicListView.as_view(), name="api-topics"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", not_found),
]
