"""The sign-in form, with the pause after too many wrong passwords."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from responder.accounts.login_throttle import login_wait_message, login_wait_seconds


class SignInForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        wait = login_wait_seconds(username=self.cleaned_data.get("username") or "")
        if wait:
            # Checked before the password, so a locked username learns nothing from it.
            raise forms.ValidationError(login_wait_message(wait), code="throttled")
        return super().clean()
