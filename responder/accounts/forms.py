"""The sign-in forms (Responder's and the admin's), with the pause after too many
wrong passwords."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext as _

from responder.accounts.local_passwords import password_sign_in_allowed
from responder.accounts.login_throttle import (
    client_address,
    login_wait_message,
    login_wait_seconds,
)


class _PausedUsernames:
    """Refuse a paused (username, address) before its password is even checked, so a
    paused guesser learns nothing from it."""

    cleaned_data: dict[str, Any]
    request: Any

    def clean(self) -> dict[str, Any]:
        wait = login_wait_seconds(
            username=self.cleaned_data.get("username") or "",
            address=client_address(self.request),
        )
        if wait:
            raise forms.ValidationError(login_wait_message(wait), code="throttled")
        return super().clean()  # type: ignore[misc]


class SignInForm(_PausedUsernames, AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        # LOCAL_PASSWORDS=off: only the break-glass accounts (superusers, site admins)
        # use a password; everyone else is refused before the password is checked.
        if not password_sign_in_allowed(self.cleaned_data.get("username") or ""):
            raise forms.ValidationError(
                _("Sign in through your department's identity provider."),
                code="local_passwords_off",
            )
        return super().clean()


class AdminSignInForm(_PausedUsernames, AdminAuthenticationForm):
    pass
