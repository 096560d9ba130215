"""The events that matter, one line each, for `make run`'s console (read from the audit
log and the e-mail record, so every path that changes a case is covered, including
ingest's bulk inserts that no log call sees)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from responder.audit.models import AuditEvent
from workflows.models import EmailNotice

# Audit actions worth a line, and how to say them (the console is for the person
# running the demo; it is English like the rest of the process output).
_PHRASES = {
    "case.ingested": "mention received",
    "case.claim": "case claimed",
    "case.submit": "draft submitted",
    "approval.approve": "approval given",
    "approval.request_changes": "changes requested",
    "case.approve": "reply approved",
    "case.mark_replied": "reply posted",
    "case.fail_post": "FAILED to post the reply",
    "case.close": "case closed",
    "approval.escalate": "approval escalated",
}


@dataclass
class Cursor:
    """Where the console has read up to."""

    audit_id: int = 0
    email_id: int = 0
    email_seen: frozenset[int] = frozenset()


def cursor_now() -> Cursor:
    """Start from what exists now: only new events are shown."""
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    unsent = EmailNotice.objects.filter(sent_at__isnull=True).values_list("pk", flat=True)
    last_email = EmailNotice.objects.order_by("-pk").values_list("pk", flat=True).first()
    return Cursor(
        audit_id=last_audit or 0,
        email_id=last_email or 0,
        email_seen=frozenset(unsent),
    )


def _audit_line(event: AuditEvent) -> str | None:
    phrase = _PHRASES.get(event.action)
    if phrase is None:
        return None
    where = f"case #{event.case_id}" if event.case_id else ""
    who = f" by {event.actor}" if event.actor_id else ""
    return f"{phrase}: {where}{who}".rstrip(": ")


def events_since(cursor: Cursor, *, limit: int = 500) -> tuple[list[str], Cursor]:
    """The lines for events after `cursor`, and the cursor after them."""
    lines: list[str] = []
    events = list(
        AuditEvent.objects.filter(pk__gt=cursor.audit_id, action__in=_PHRASES)
        .select_related("actor")
        .order_by("pk")[:limit]
    )
    for event in events:
        line = _audit_line(event)
        if line:
            lines.append(line)
    audit_id = events[-1].pk if events else cursor.audit_id
    # E-mails: a notice is written first and stamped when sent; say so once sent.
    waiting = set(cursor.email_seen)
    notices = list(
        EmailNotice.objects.filter(Q(pk__in=waiting) | Q(pk__gt=cursor.email_id))
        .select_related("recipient")
        .order_by("pk")[:limit]
    )
    for notice in notices:
        if notice.sent_at is None:
            waiting.add(notice.pk)
            continue
        where = f" for case #{notice.case_id}" if notice.case_id else ""
        lines.append(f"e-mail sent ({notice.kind}) to {notice.recipient}{where}")
        waiting.discard(notice.pk)
    last_email = max([cursor.email_id, *(n.pk for n in notices)])
    return lines, Cursor(
        audit_id=audit_id,
        email_id=last_email,
        email_seen=frozenset(waiting),
    )
