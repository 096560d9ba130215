from __future__ import annotations

from typing import Any

from django import template

from responder.accounts import authz
from responder.ops.status import degraded_notices

register = template.Library()


@register.simple_tag(takes_context=True)
def degraded_banner(context: template.Context) -> list[str]:
    """Sentences for the banner on every page of a signed-in person: the platform
    accounts of their departments that are rate-limited or failing to poll."""
    request: Any = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return degraded_notices(authz.departments_where(request.user))
