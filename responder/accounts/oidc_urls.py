"""The OpenID Connect sign-in addresses (/accounts/oidc/...): mozilla-django-oidc's
views, answering 404 while OpenID Connect is off (OIDC_RP_CLIENT_ID empty)."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)


def oidc_authenticate(request: HttpRequest) -> HttpResponse:
    """Send the person to the provider's sign-in (with state and nonce)."""
    if not settings.OIDC_ENABLED:
        raise Http404
    response: HttpResponse = OIDCAuthenticationRequestView.as_view()(request)
    return response


def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the person back here with a code; signs them in."""
    if not settings.OIDC_ENABLED:
        raise Http404
    response: HttpResponse = OIDCAuthenticationCallbackView.as_view()(request)
    return response


urlpatterns = [
    path("oidc/authenticate/", oidc_authenticate, name="oidc_authentication_init"),
    path("oidc/callback/", oidc_callback, name="oidc_authentication_callback"),
]
