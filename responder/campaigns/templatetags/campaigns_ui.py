from __future__ import annotations

from typing import Any

from django import template

from responder.campaigns.community_rows import community_rows_html

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag(takes_context=True)
def community_rows(context: template.Context, page: Any, show_actions: bool) -> str:
    """The community list's items (responder/campaigns/community_rows.py)."""
    return community_rows_html(
        page=page,
        campaign=context["campaign"],
        show_actions=bool(show_actions),
        may_work=bool(context.get("may_work")),
        csrf=str(context.get("csrf_token") or ""),
    )
