"""The after-hours notice: outside a department's business hours, a new mention gets
the department's automatic, pre-approved reply ("We are closed; we answer from 9:00"),
in the case's language, at most once per citizen, platform account and local day.

It is queued at ingest, in the ingest's transaction, as an outbox row of kind
`notice` (no draft); posting is the outbox's, exactly once like any reply. The case
itself is untouched: it still waits for its real answer, and its first-response clock
runs on. Business hours are the department's (responder/accounts/business_hours.py,
the same calendar as the SLAs and the first-response clock, holidays included); a
department whose hours are switched off is never "after hours". Switched off by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from django.db import IntegrityError, transaction

from responder.accounts.business_hours import WorkCalendar, department_calendar
from responder.accounts.models import Department
from responder.audit.models import Via
from responder.audit.services import audit_record
from responder.channels.models import (
    AfterHoursNotice,
    AfterHoursReply,
    OutboxItem,
    OutboxKind,
    PlatformAccount,
)
from responder.channels.posting.enqueue import enqueue_send
from responder.inbox.checks import full_reply_text
from responder.inbox.models import OUTGOING_SOURCE, Case


def is_after_hours(calendar: WorkCalendar | None, moment: dt.datetime) -> bool:
    """Outside the calendar's working time: a day off, a holiday, or before or after
    the workday. No calendar (hours switched off): never."""
    if calendar is None:
        return False
    local = moment.astimezone(calendar.tz)
    if not calendar.is_working_day(local.date()):
        return True
    start, end = calendar.workday_bounds(local.date())
    return not (start <= local < end)


def _local_day(calendar: WorkCalendar, moment: dt.datetime) -> dt.date:
    return moment.astimezone(calendar.tz).date()


def _author(case: Case) -> str:
    return (case.author_external_id or case.author_handle).lower()[:200]


def after_hours_notices_queue(
    *, account: PlatformAccount, case_ids: Sequence[int], now: dt.datetime
) -> list[int]:
    """Queue the notice for the new cases `case_ids` of `account` if it is after hours
    `now`: one per citizen (author) on this account per local day. Call inside the
    ingest's transaction (the account row is locked); the posts start after commit.
    Returns the outbox rows queued."""
    if not case_ids:
        return []
    notice = AfterHoursNotice.objects.filter(
        department_id=account.department_id, enabled=True
    ).first()
    if notice is None:
        return []
    department: Department = account.department  # loaded by the ingest already
    today = now.date()
    calendar = department_calendar(
        department, start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=1)
    )
    if calendar is None or not is_after_hours(calendar, now):
        return []
    day = _local_day(calendar, now)
    cases = Case.objects.filter(pk__in=case_ids).exclude(source=OUTGOING_SOURCE).order_by("pk")
    done = set(
        AfterHoursReply.objects.filter(account=account, day=day).values_list("author", flat=True)
    )
    queued: list[int] = []
    for case in cases:
        author = _author(case)
        if not author or author in done:
            continue
        done.add(author)
        item = _notice_queue(notice=notice, case=case, author=author, day=day)
        if item is not None:
            queued.append(item.pk)
    return queued


def _notice_queue(
    *, notice: AfterHoursNotice, case: Case, author: str, day: dt.date
) -> OutboxItem | None:
    """One notice for `case`: its outbox row, the once-a-day record and the audit
    event, or nothing when the record exists already (the unique constraint)."""
    text = notice.text_for(case.language).strip()
    if not text:
        return None
    try:
        with transaction.atomic():  # a savepoint: a duplicate leaves the ingest intact
            item = OutboxItem.objects.create(
                case=case,
                draft=None,
                kind=OutboxKind.NOTICE,
                account_id=case.account_id,
                language=case.language,
                text=full_reply_text(case=case, text=text),
                in_reply_to_external_id=case.external_id,
                visibility=case.visibility or "public",  # as a reply would
            )
            AfterHoursReply.objects.create(
                account_id=case.account_id, author=author, day=day, case=case, outbox_item=item
            )
    except IntegrityError:
        return None
    audit_record(
        action="case.after_hours_notice",
        via=Via.SYSTEM,
        case=case,
        subject=item,
        details={"outbox_item": item.pk, "notice": notice.pk, "language": case.language},
    )
    transaction.on_commit(partial(enqueue_send, item.pk))
    return item
