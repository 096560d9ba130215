"""What the status page and the officers' banner show: platform accounts, queues and
workers, the outbox, e-mail. Reads only; texts in the reader's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount
from responder.ops import health, queues
from responder.ops.models import Heartbeat
from workflows.models import EmailNotice

# Consecutive failed polls after which mentions count as not arriving.
POLL_FAILURES_DEGRADED = 3
_BANNER_CACHE_KEY = "ops:degraded-accounts"
_BANNER_CACHE_SECONDS = 15


def _time(value: dt.datetime) -> str:
    return formats.time_format(timezone.localtime(value), "TIME_FORMAT")


@dataclass
class AccountStatus:
    account: PlatformAccount
    rate_limited_until: dt.datetime | None
    polling_failing: bool
    summary: str  # in the reader's language
    platform_said: str  # the platform's own words, untranslated


def account_summary(account: PlatformAccount, now: dt.datetime) -> AccountStatus:
    reset = account.rate_limit_reset_at
    limited = reset if reset is not None and reset > now else None
    failing = account.poll_failures >= POLL_FAILURES_DEGRADED
    if not account.is_active:
        summary = _("Switched off.")
    elif limited is not None:
        summary = _("Rate limit: no calls to the platform until %(time)s.") % {
            "time": _time(limited)
        }
    elif account.poll_failures:
        summary = _("The last %(count)s polls failed.") % {"count": account.poll_failures}
    elif account.last_polled_at is None:
        summary = _("Not polled yet.")
    else:
        summary = _("Working.")
    return AccountStatus(
        account=account,
        rate_limited_until=limited,
        polling_failing=failing,
        summary=summary,
        platform_said=account.last_error if account.poll_failures or limited else "",
    )


def accounts_for(department_ids: set[int] | None) -> QuerySet[PlatformAccount]:
    accounts = PlatformAccount.objects.select_related("department").order_by(
        "department__name", "platform", "handle"
    )
    return accounts if department_ids is None else accounts.filter(department_id__in=department_ids)


def queue_label(name: str) -> str:
    """What a queue carries, in the reader's language."""
    labels = {
        queues.INGEST: _("ingest: reading mentions"),
        queues.POSTING: _("posting: replies to platforms"),
        queues.EMAIL: _("e-mail: approval requests and reminders"),
        queues.HOUSEKEEPING: _("housekeeping: engagement, retention, analytics"),
    }
    return labels.get(name, name)


@dataclass
class QueueStatus:
    name: str
    depth: int | None
    last_beat: Heartbeat | None
    late: bool

    @property
    def label(self) -> str:
        return queue_label(self.name)


def queue_statuses(now: dt.datetime) -> tuple[list[QueueStatus], QueueStatus]:
    beats = {h.name: h for h in Heartbeat.objects.all()}
    depths = queues.depths()
    limit = health.stale_after()

    def status(name: str, depth: int | None) -> QueueStatus:
        beat = beats.get(name)
        return QueueStatus(name, depth, beat, beat is None or now - beat.at > limit)

    return [status(n, depths.get(n)) for n in queues.QUEUES], status("beat", None)


@dataclass
class OutboxWaiting:
    item: OutboxItem
    why: str


def outbox_waiting(
    department_ids: set[int] | None, now: dt.datetime, limit: int = 20
) -> tuple[dict[str, int], list[OutboxWaiting]]:
    items = OutboxItem.objects.select_related("account", "case")
    if department_ids is not None:
        items = items.filter(case__department_id__in=department_ids)
    counts = dict(items.values_list("status").annotate(n=Count("id")).order_by("status"))
    waiting = items.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION]
    ).order_by("created_at")[:limit]
    rows = []
    for item in waiting:
        reset = item.account.rate_limit_reset_at
        if item.status != OutboxStatus.PENDING:
            why = str(item.get_status_display())
        elif reset is not None and reset > now:
            why = _("Paused until %(time)s: rate limit.") % {"time": _time(reset)}
        elif item.next_attempt_at > now:
            why = _("Attempt %(number)s at %(time)s.") % {
                "number": item.attempts + 1,
                "time": _time(item.next_attempt_at),
            }
        else:
            why = _("Due now: waiting for a posting worker.")
        rows.append(OutboxWaiting(item, why))
    return {s: counts.get(s, 0) for s in OutboxStatus.values}, rows


@dataclass
class EmailStatus:
    last_sent_at: dt.datetime | None
    queued: int
    failed: list[EmailNotice] = field(default_factory=list)


def email_status(department_ids: set[int] | None, now: dt.datetime) -> EmailStatus:
    notices = EmailNotice.objects.all()
    if department_ids is not None:
        notices = notices.filter(case__department_id__in=department_ids)
    cutoff = now - dt.timedelta(seconds=int(settings.OPS_EMAIL_FAILED_AFTER_SECONDS))
    unsent = notices.filter(sent_at__isnull=True)
    return EmailStatus(
        last_sent_at=notices.aggregate(m=Max("sent_at"))["m"],
        queued=unsent.filter(created_at__gte=cutoff).count(),
        failed=list(
            unsent.filter(created_at__lt=cutoff).select_related("recipient").order_by("-pk")[:20]
        ),
    )


def _degraded_accounts() -> list[dict[str, Any]]:
    """Accounts paused by a rate limit or whose polls keep failing (cached briefly:
    this is read on every page)."""
    cached = cache.get(_BANNER_CACHE_KEY)
    if cached is not None:
        return list(cached)
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for account in PlatformAccount.objects.filter(is_active=True).filter(
        Q(rate_limit_reset_at__gt=now) | Q(poll_failures__gte=POLL_FAILURES_DEGRADED)
    ):
        reset = account.rate_limit_reset_at
        rows.append(
            {
                "department_id": account.department_id,
                "name": str(account),
                "reset": reset if reset is not None and reset > now else None,
                "failures": account.poll_failures,
            }
        )
    # A queue whose workers stopped (a heartbeat that has gone stale; one never seen
    # is a fresh install, said on the status page, not on every page).
    limit = health.stale_after()
    for beat in Heartbeat.objects.filter(name__in=[queues.POSTING, queues.INGEST]):
        if now - beat.at > limit:
            minutes = int((now - beat.at).total_seconds() // 60)
            rows.append({"department_id": None, "queue": beat.name, "minutes": minutes})
    cache.set(_BANNER_CACHE_KEY, rows, _BANNER_CACHE_SECONDS)
    return rows


def degraded_notices(department_ids: set[int] | None) -> list[str]:
    """One sentence per degraded account the reader works with, in their language."""
    notices = []
    for row in _degraded_accounts():
        if row.get("queue") == queues.POSTING:
            notices.append(
                _(
                    "Replies are not being posted: no worker has taken posting work "
                    "for %(minutes)s minutes."
                )
                % {"minutes": row["minutes"]}
            )
            continue
        if row.get("queue") == queues.INGEST:
            notices.append(
                _(
                    "New mentions are not being read: no worker has taken ingest work "
                    "for %(minutes)s minutes."
                )
                % {"minutes": row["minutes"]}
            )
            continue
        if department_ids is not None and row["department_id"] not in department_ids:
            continue
        if row["reset"] is not None:
            notices.append(
                _("Replies to %(account)s are paused until %(time)s: rate limit.")
                % {"account": row["name"], "time": _time(row["reset"])}
            )
        else:
            notices.append(
                _("New mentions of %(account)s are not arriving: the last %(count)s polls failed.")
                % {"account": row["name"], "count": row["failures"]}
            )
    return notices
