"""The inbox table's rows and menus, written in Python.

Fifty rows of ten cells through the template engine cost more than everything else
the inbox does (about 1,700 variable lookups per page); building them here keeps
the page within reach of a bare view (bench/inbox_bench.py). Every value from the
database goes through _e(), the standard library's html.escape, which is what
Django's escape() runs underneath without its lazy-string wrapper (five hundred
calls a page): citizen text is shown as text, never as markup.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable

from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter, naturaltime
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import avoid_wrapping
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _

from responder.inbox.models import CaseState, Priority
from responder.inbox.pii import PiiKind
from responder.inbox.pii_display import masked_text, visibility_label
from responder.web.inbox_selectors import InboxRow

SNIPPET_CHARS = 180


def _e(value: object) -> str:
    return html.escape(str(value))


class _Memo(dict[object, str]):
    """Per page: the escaped labels and the ages a page repeats row after row."""

    def __init__(self, now: dt.datetime) -> None:
        super().__init__()
        self.now = now

    def e(self, value: str) -> str:
        hit = self.get(value)
        if hit is None:
            hit = self[value] = _e(value)
        return hit

    def flags(self, pii_kinds: list[str], visibility: str) -> str:
        """Badges: personal information found, and a post that is not public."""
        key = ("flags", tuple(pii_kinds or ()), visibility)
        hit = self.get(key)
        if hit is None:
            badges = []
            if pii_kinds:
                kinds = ", ".join(str(PiiKind(k).label) for k in pii_kinds if k in PiiKind.values)
                badges.append(
                    f' <span class="badge badge--pii" title="{_e(kinds)}">'
                    f"{_e(_('Personal information'))}</span>"
                )
            if visibility and visibility != "public":
                label = _e(visibility_label(visibility))
                badges.append(f' <span class="badge badge--visibility">{label}</span>')
            hit = self[key] = "".join(badges)
        return hit

    def age(self, value: dt.datetime) -> str:
        """How long ago a case arrived, as mail and helpdesk tools say it: "now", "5
        minutes ago", "3 hours ago", "2 days, 4 hours ago" within a week, then the
        date. Worked out once per distinct answer on the page (the minute, the hour,
        the day), not once per row."""
        seconds = (self.now - value).total_seconds()
        if seconds < 60:
            return _e(naturaltime(value))
        if seconds < 86400:
            # naturaltime() counts minutes, then hours: that number decides it.
            key: object = (
                ("m", int(seconds // 60)) if seconds < 3600 else ("h", int(seconds // 3600))
            )
            hit = self.get(key)
            if hit is None:
                hit = self[key] = _e(naturaltime(value))
            return hit
        if seconds < 7 * 86400:
            # What naturaltime() says here ("2 days, 4 hours ago"), from its own
            # translated pieces, without its calendar arithmetic for every row.
            days, hours = divmod(int(seconds // 3600), 24)
            key = ("d", days, hours)
            hit = self.get(key)
            if hit is None:
                parts = [self.unit("day", days)]
                if hours:
                    parts.append(self.unit("hour", hours))
                delta = _(", ").join(parts)
                ago = NaturalTimeFormatter.time_strings["past-day"] % {"delta": delta}
                hit = self[key] = _e(ago)
            return hit
        day = timezone.localtime(value).date()
        hit = self.get(day)
        if hit is None:
            hit = self[day] = _e(date_format(day, "DATE_FORMAT"))
        return hit

    def unit(self, name: str, count: int) -> str:
        key = ("unit", name, count)
        hit = self.get(key)
        if hit is None:
            piece = NaturalTimeFormatter.past_substrings[name] % {"num": count}
            hit = self[key] = avoid_wrapping(piece)
        return hit

    def clock(self, due_at: dt.datetime, *, overdue: bool) -> str:
        """The SLA clock ("Due in 2 hours, 5 minutes"), to the minute."""
        due = due_at.replace(second=0, microsecond=0)
        key = ("due", due, overdue)
        hit = self.get(key)
        if hit is None:
            if overdue:
                text = _("Overdue by %(since)s") % {"since": timesince(due, self.now)}
                hit = f'<span class="sla--overdue">{_e(text)}</span>'
            else:
                hit = _e(_("Due in %(left)s") % {"left": timeuntil(due, self.now)})
            self[key] = hit
        return hit


def inbox_rows_html(
    cases: Iterable[InboxRow], *, now: dt.datetime, ticked: set[int] | None = None
) -> SafeString:
    """<tr> elements for the inbox table (cases decorated by inbox_decorate)."""
    memo = _Memo(now)
    e = memo.e
    claim = _e(_("Claim"))
    nobody = _e(_("Nobody"))
    overdue_badge = _e(_("Overdue"))
    soon_badge = _e(_("Due soon"))
    first_response = _e(_("first response"))
    # High and urgent cases say so next to their handle (the incoming rules or an
    # officer set it); normal and low ones carry nothing.
    priority_badges = {
        value: f' <span class="badge badge--priority-{value}">{_e(str(label))}</span>'
        for value, label in Priority.choices
        if value in (Priority.HIGH, Priority.URGENT)
    }
    dash = '<span class="muted">—</span>'
    # In the compact rows (split view, phone) these two cells say what they are.
    topic_label = _e(_("Topic:"))
    owner_label = _e(_("Owner:"))
    out: list[str] = []
    for c in cases:
        pk = int(c.pk)
        owner = e(c.owner_label) if c.owner_id else f'<span class="muted">{nobody}</span>'
        sla = c.sla
        if sla.due_at is not None and sla.first_response:
            # The first-response clock (response_clock.py), with its badge.
            clock = memo.clock(sla.due_at, overdue=sla.overdue)
            if sla.overdue:
                clock = f'<span class="badge badge--overdue">{overdue_badge}</span> {clock}'
            elif sla.due_soon:
                clock = f'<span class="badge badge--due-soon">{soon_badge}</span> {clock}'
            clock += f' <span class="muted">({first_response})</span>'
        elif sla.due_at is not None:
            clock = memo.clock(sla.due_at, overdue=sla.overdue)
            clock += f' <span class="muted">({e(sla.step_name)})</span>'
        else:
            clock = dash
        action = ""
        if c.state == CaseState.NEW:
            action = (
                f'<button type="submit" form="claim-form" formaction="/inbox/cases/{pk}/claim/"'
                f' class="button button--small" data-claim aria-describedby="case-{pk}">'
                f"{claim}</button>"
            )
        # Masked for everyone: the list never reveals (the case page does, audited).
        text = masked_text(c)
        snippet = text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1] + "…"
        account = c.account_label
        topics = c.topics_label
        topic_cell = (
            f'<td data-label="{topic_label}">{e(topics)}</td>'
            if topics
            else f'<td class="is-empty">{dash}</td>'
        )
        out.append(
            f'<tr data-case-id="{pk}" data-case-url="/cases/{pk}/">'
            f'<td><input type="checkbox" name="case" value="{pk}" id="pick-{pk}"'
            f"{' checked' if ticked and pk in ticked else ''}"
            f' aria-labelledby="case-{pk}"></td>'
            f'<th scope="row" class="case-text"><a href="/cases/{pk}/" class="case-link"'
            f' id="case-{pk}">#{pk} @{_e(c.author_handle)}</a>'
            f"{memo.flags(c.pii_kinds, c.visibility)}"
            f"{priority_badges.get(c.priority, '')}"
            f' <span class="case-snippet">{_e(snippet)}</span></th>'
            f'<td><span class="badge badge--{"changes_requested" if c.sent_back else e(c.state)}">'
            f"{e(c.state_label)}</span></td>"
            f"<td>{e(c.platform_label)}"
            f"{f'<span class="muted"> · {e(account)}</span>' if account else ''}</td>"
            f"<td>{e(c.language_label)}</td>"
            f"{topic_cell}"
            f'<td data-label="{owner_label}">{owner}</td>'
            f'<td><time datetime="{c.received_at.isoformat()}">'
            f"{memo.age(c.received_at)}</time></td>"
            f"{'<td class="is-empty">' if clock is dash else '<td>'}{clock}</td>"
            f"<td>{action}</td></tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped


def options_html(choices: Iterable[tuple[object, object]], selected: str = "") -> SafeString:
    """<option> elements for a menu; `selected` is the chosen value. A hundred options
    through a template loop cost about as much as the rest of the page's template."""
    out = []
    for value, label in choices:
        v = str(value)
        on = " selected" if v == selected else ""
        out.append(f'<option value="{_e(v)}"{on}>{_e(label)}</option>')
    return mark_safe("".join(out))  # noqa: S308 - every value above is escaped
