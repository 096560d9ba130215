"""The hashtag view's list, written in Python (as the inbox's rows are,
responder/web/inbox_rows.py): fifty posts with their action forms through the template
engine cost several times a bare page; built here, the view keeps within reach of one
(bench/hashtag_bench.py). Every value from the database is escaped with html.escape,
and the citizens' text is shown masked, as in the inbox (the case page reveals it)."""

from __future__ import annotations

import html

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from responder.campaigns.models import ActionStatus, Campaign
from responder.campaigns.selectors import CommunityPage
from responder.inbox.pii_display import masked_text


def _e(value: object) -> str:
    return html.escape(str(value))


def community_rows_html(
    *, page: CommunityPage, campaign: Campaign, show_actions: bool, may_work: bool, csrf: str
) -> SafeString:
    """<li> elements for the community list: the post, what the team did with it
    (with an undo while held), and the actions."""
    if not page.cases:
        empty = _e(_("No community post under the campaign's hashtags yet."))
        return mark_safe(f"<li>{empty}</li>")  # noqa: S308 - escaped
    act_url = _e(reverse("campaigns:act", args=[campaign.pk]))
    undo_url = _e(reverse("campaigns:undo", args=[campaign.pk]))
    token = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_e(csrf)}">'
    labels = {
        key: _e(text)
        for key, text in (
            ("reply", _("Reply")),
            ("boost", _("Boost")),
            ("favourite", _("Favourite")),
            ("question", _("Mark as question")),
            ("ignore", _("Ignore")),
        )
    }
    buttons = "".join(
        f'<button name="kind" value="{kind}">{labels[kind]}</button>'
        for kind in ("boost", "favourite", "question", "ignore")
    )
    out: list[str] = []
    for c in page.cases:
        pk = int(c.pk)
        when = localtime(c.received_at)  # the reader's time zone
        done = ""
        actions = page.actions.get(pk) or []
        if actions:
            parts = []
            for a in actions:
                part = f"{_e(a.get_kind_display())} ({_e(a.get_status_display().lower())})"
                if show_actions and a.status == ActionStatus.HELD:
                    undo = _("Undo %(kind)s") % {"kind": a.get_kind_display().lower()}
                    part += (
                        f'<form class="inline" method="post" action="{undo_url}">{token}'
                        f'<input type="hidden" name="community_action" value="{int(a.pk)}">'
                        f'<button class="link-button">{_e(undo)}</button></form>'
                    )
                parts.append(part)
            done = f"<p>{'; '.join(parts)}</p>"
        form = ""
        if show_actions and may_work:
            to_whom = _("to @%(who)s") % {"who": c.author_handle}
            form = (
                f'<form class="actions" method="post" action="{act_url}">{token}'
                f'<input type="hidden" name="case" value="{pk}">'
                f'<a href="/cases/{pk}/">{labels["reply"]}'
                f'<span class="visually-hidden"> {_e(to_whom)}</span></a>{buttons}</form>'
            )
        out.append(
            f"<li><p><strong>@{_e(c.author_handle)}</strong> · {_e(c.get_platform_display())}"
            f' · <time datetime="{when.isoformat()}">'
            f"{when.strftime('%Y-%m-%d %H:%M')}</time></p>"
            f"<p>{_e(masked_text(c))}</p>{done}{form}</li>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
