"""The API's view of a citizen's text: masked for everyone. The raw text comes only
from POST /api/v1/cases/{id}/reveal/ (responder.web.api.pii), which is audited."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from responder.inbox.pii_display import masked_text


class MaskedTextField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("source", "*")
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text",
            _("The citizen's post, personal information masked (•••-•••-286)."),
        )
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> str:
        return masked_text(value)
