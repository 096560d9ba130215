"""Template helpers for the page frame: the main navigation and small formatting."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from responder.accounts import authz
from responder.accounts.models import Role
from responder.inbox.notifications import unread_count

register = template.Library()


def _roles(request: HttpRequest) -> set[str]:
    """The user's roles in any department, read once per request."""
    cached = getattr(request, "_responder_roles", None)
    if cached is not None:
        return cached
    roles = authz.held_roles(request.user)
    request._responder_roles = roles  # type: ignore[attr-defined]
    return roles


@register.simple_tag(takes_context=True)
def main_nav(context: template.Context) -> list[dict[str, Any]]:
    """The header links this person may use, with the current one marked.

    Paths are fixed rather than reversed so the header never breaks while a section
    is still being built.
    """
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    roles = _roles(request)
    items: list[tuple[str, Any, bool]] = [
        ("/", _("Inbox"), bool(roles & {Role.OFFICER, Role.ADMIN})),
        ("/review/mine/", _("Waiting for me"), True),
        ("/library/", _("Answer library"), True),
        ("/campaigns/", _("Campaigns"), bool(roles & {Role.OFFICER, Role.ADMIN})),
        ("/analytics/", _("Analytics"), Role.ADMIN in roles),
        ("/settings/incoming-rules/", _("Incoming rules"), Role.ADMIN in roles),
        ("/ops/status/", _("System status"), Role.ADMIN in roles),
        ("/admin/", _("Administration"), Role.ADMIN in roles),
    ]
    path = request.path
    nav = []
    for href, label, allowed in items:
        if not allowed:
            continue
        current = path == "/" if href == "/" else path.startswith(href)
        if href == "/" and path.startswith("/cases/"):
            current = True
        nav.append({"href": href, "label": label, "current": current})
    return nav


@register.filter
def minutes_between(later: dt.datetime | None, earlier: dt.datetime | None) -> int:
    if later is None or earlier is None:
        return 0
    return int((later - earlier).total_seconds() // 60)


@register.filter
def elides(name: object) -> bool:
    """Whether a name starts with a vowel sound, so French writes "d’Olivia" rather
    than "de Olivia": templates pick the message with context "before a vowel"."""
    first = unicodedata.normalize("NFD", str(name or "").strip())[:1].lower()
    return first in "aeiouy" and first != ""


@register.simple_tag
def now_utc() -> dt.datetime:
    return timezone.now()


@register.simple_tag(takes_context=True)
def notifications_unread(context: template.Context) -> int:
    """The bell's number for the signed-in person (0 for anyone else)."""
    user = context.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return unread_count(user_id=user.pk)
