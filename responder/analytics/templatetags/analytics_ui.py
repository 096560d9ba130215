"""Template filters of the analytics pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils import timezone

from responder.analytics.durations import Hours, duration_text
from responder.analytics.names import Coded

register = template.Library()


@register.filter
def cell(value: Any) -> Any:
    """A table cell: durations (Hours) as "1 h 20", codes (platform, language, topic)
    by their name, anything else as it is."""
    if isinstance(value, Hours):
        return duration_text(value)
    if isinstance(value, Coded):
        return value.label
    return value


@register.filter
def duration(hours: float | None) -> str:
    return duration_text(hours)


@register.filter
def waited(since: dt.datetime | None) -> str:
    """How long ago `since` was, as a duration ("3 h", "1,5 j")."""
    if since is None:
        return duration_text(None)
    return duration_text((timezone.now() - since).total_seconds() / 3600)
