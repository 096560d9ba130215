"""Password reset by email, in Responder's own pages and the person's language.

Django's views do the work (one-time tokens, no hint whether an address has an
account); these subclasses add three things: every page and the email use
Responder's templates (templates/registration/), the email is written in the
person's preferred language, and the whole flow answers 404 when local passwords are
off (LOCAL_PASSWORDS=off: people sign in through the department's identity provider).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import path, reverse_lazy
from django.utils import translation

from responder.accounts.models import Language


class _LocalPasswordsOnly:
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not settings.LOCAL_PASSWORDS:
            raise Http404
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ResetRequestForm(PasswordResetForm):
    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # In the language the person chose, whatever the browser that asked.
        language = getattr(context.get("user"), "language", "")
        with translation.override(language if language in Language.values else None):
            super().send_mail(
                subject_template_name,
                email_template_name,
                context,
                from_email,
                to_email,
                html_email_template_name=html_email_template_name,
            )


class ResetRequestView(_LocalPasswordsOnly, auth_views.PasswordResetView):
    form_class = ResetRequestForm
    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    success_url = reverse_lazy("password_reset_done")

    def get_extra_email_context(self) -> dict[str, str]:
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form: Any) -> Any:
        # Django reads extra_email_context as an attribute; the site's URL is read
        # per request so that a changed setting applies.
        self.extra_email_context = self.get_extra_email_context()
        return super().form_valid(form)


class ResetRequestDoneView(_LocalPasswordsOnly, auth_views.PasswordResetDoneView):
    pass


class ResetConfirmView(_LocalPasswordsOnly, auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")


class ResetCompleteView(_LocalPasswordsOnly, auth_views.PasswordResetCompleteView):
    pass


# Django's own paths and names (django.contrib.auth.urls), listed before it so they win.
urlpatterns = [
    path("password_reset/", ResetRequestView.as_view(), name="password_reset"),
    path("password_reset/done/", ResetRequestDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", ResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", ResetCompleteView.as_view(), name="password_reset_complete"),
]
