"""Each person's own language, on every page and in every email.

A person's preferred language (User.language) is what their emails are written in. The
pages follow it too, unless this browser has chosen otherwise with the header's switch
(the language cookie). Choosing with the switch while signed in also becomes the
preference, so the next emails follow it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from responder.accounts.models import Language, User


def chosen_in_this_browser(request: HttpRequest) -> bool:
    return settings.LANGUAGE_COOKIE_NAME in request.COOKIES


def language_activate_for(request: HttpRequest, user: object) -> None:
    """Show this request in `user`'s preferred language, unless the browser chose one."""
    language = getattr(user, "language", "")
    if language in Language.values and not chosen_in_this_browser(request):
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]


class PreferredLanguageMiddleware:
    """After authentication: a signed-in person sees their own language (see above)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language_activate_for(request, user)
        return self.get_response(request)


def user_language_set(*, user: User, language: str) -> None:
    if language in Language.values and user.language != language:
        user.language = language
        user.save(update_fields=["language"])


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie, redirect to `next`), and for a signed-in person
    their preference too."""
    response = set_language(request)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))  # type: ignore[arg-type]
    return response
