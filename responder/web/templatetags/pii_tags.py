"""Citizens' text in templates, masked unless this session revealed the case:
`{% citizen_text case %}` on pages, `{{ case|masked }}` in e-mails (never revealed),
and `{{ text|highlight_spans:check.spans }}` for the editor's personal-information check."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from responder.accounts import authz
from responder.accounts.authz import Action
from responder.inbox.pii import PiiKind, pii_kinds
from responder.inbox.pii_display import (
    case_pii_findings,
    is_private_post,
    masked_text,
    reveal_active,
    text_for_request,
    visibility_label,
)
from responder.inbox.pii_services import private_reply_possible

register = template.Library()


@register.simple_tag(takes_context=True)
def citizen_text(context: template.Context, case: Any) -> str:
    """The case's text for this request (autoescaped like any variable)."""
    return text_for_request(context.get("request"), case)


@register.filter
def masked(case: Any) -> str:
    """The case's text masked, whoever reads it (e-mails, exports)."""
    return masked_text(case)


@register.filter
def highlight_spans(text: str, spans: Any) -> SafeString:
    """`text` escaped, each (kind, start, end) span in a <mark> named by its kind; the
    officer's own draft, so nothing is hidden, only pointed at."""
    text = text or ""
    out: list[str] = []
    last = 0
    for kind, start, end in sorted(spans or (), key=lambda s: s[1]):
        if start < last or end > len(text):
            continue
        label = escape(str(PiiKind(kind).label))
        out.append(escape(text[last:start]))
        out.append(f'<mark class="pii-span" title="{label}">{escape(text[start:end])}</mark>')
        last = end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 -- every piece escaped above


@register.simple_tag(takes_context=True)
def pii_state(context: template.Context, case: Any) -> dict[str, Any]:
    """What the case page says about personal information and the post's reach."""
    request = context.get("request")
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    kinds = case_pii_findings(case)
    return {
        "kinds": [str(PiiKind(k).label) for k in pii_kinds(kinds)],
        "kind_pairs": [(k, str(PiiKind(k).label)) for k in pii_kinds(kinds)],
        "visibility": visibility_label(case.visibility),
        "private": is_private_post(case.visibility),
        "public": (case.visibility or "public") == "public",
        "may_reveal": bool(kinds) and authz.may(user, Action.CASE_REVEAL_PII, case),
        "may_redact": bool(kinds)
        and not case.legal_hold
        and authz.may(user, Action.CASE_REDACT_PII, case),
        "revealed": bool(kinds) and reveal_active(session, case.pk),
        "redactions": case.personal_data_redactions,
        "private_possible": private_reply_possible(case.platform),
    }
