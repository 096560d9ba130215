"""The sign-in page: Django's, with the pause after wrong passwords (forms.py) and a
"forgotten password" link while local passwords are on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import LoginView

from responder.accounts.forms import SignInForm


class SignInView(LoginView):
    authentication_form = SignInForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["password_reset_on"] = settings.LOCAL_PASSWORDS
        context["local_passwords"] = settings.LOCAL_PASSWORDS
        context["oidc_on"] = settings.OIDC_ENABLED
        context["provider_name"] = settings.OIDC_PROVIDER_NAME
        context["provider_failed"] = self.request.GET.get("provider") == "failed"
        return context
