"""What /metrics reports, read from the database (and Redis) at scrape time.

Gauges are counted now; the `_total` counters are counts of rows that only grow
(post attempts, ingest errors), so Prometheus' rate() works on them. An e-mail counts
as failed when it is still unsent OPS_EMAIL_FAILED_AFTER_SECONDS after it was queued
(its task retries for a while before giving up; a refused address is never sent).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from responder.channels.models import (
    IngestError,
    OutboxItem,
    OutboxStatus,
    PlatformAccount,
    PostAttempt,
)
from responder.inbox.models import Case, CaseState
from responder.ops import latency, queues
from responder.ops.exposition import Family
from responder.ops.models import Heartbeat
from workflows.models import ApprovalStep, EmailNotice, StepStatus

# A question is unanswered until it is replied to or closed.
UNANSWERED = [s for s in CaseState.values if s not in {CaseState.REPLIED, CaseState.CLOSED}]


def _age(now: dt.datetime, then: dt.datetime | None) -> float:
    return max(0.0, (now - then).total_seconds()) if then else 0.0


def case_families(now: dt.datetime) -> list[Family]:
    cases = Family("responder_cases", "Cases by department and state.")
    for row in (
        Case.objects.values("department__slug", "state")
        .annotate(n=Count("id"))
        .order_by("department__slug", "state")
    ):
        cases.add(row["n"], department=row["department__slug"], state=row["state"])
    oldest = Family(
        "responder_oldest_unanswered_question_age_seconds",
        "Age of the oldest case neither replied to nor closed, per department.",
    )
    for slug, first in (
        Case.objects.filter(state__in=UNANSWERED)
        .values_list("department__slug")
        .annotate(first=Min("received_at"))
        .order_by("department__slug")
    ):
        oldest.add(_age(now, first), department=slug)
    overdue = Family("responder_approval_steps_overdue", "Open approval steps past their due time.")
    for slug, n in (
        ApprovalStep.objects.filter(status=StepStatus.OPEN, due_at__lt=now)
        .values_list("case__department__slug")
        .annotate(n=Count("id"))
        .order_by("case__department__slug")
    ):
        overdue.add(n, department=slug)
    return [cases, oldest, overdue]


def outbox_families(now: dt.datetime) -> list[Family]:
    counts = dict(
        OutboxItem.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    items = Family("responder_outbox_items", "Outbox replies by status.")
    for status in OutboxStatus.values:
        items.add(counts.get(status, 0), status=status)
    first = OutboxItem.objects.filter(status=OutboxStatus.PENDING).aggregate(m=Min("created_at"))
    oldest = Family(
        "responder_outbox_oldest_pending_age_seconds",
        "Age of the oldest reply waiting to be posted (0 when none waits).",
    ).add(_age(now, first["m"]))
    attempts = Family(
        "responder_post_attempts", "Attempts to post a reply, by platform and outcome.", "counter"
    )
    for row in (
        PostAttempt.objects.exclude(outcome="")
        .values("outbox_item__account__platform", "outcome")
        .annotate(n=Count("id"))
        .order_by("outbox_item__account__platform", "outcome")
    ):
        attempts.add(
            row["n"],
            "_total",
            platform=row["outbox_item__account__platform"],
            outcome=row["outcome"],
        )
    return [items, oldest, attempts]


def account_families(now: dt.datetime) -> list[Family]:
    failures = Family(
        "responder_account_poll_failures", "Consecutive failed polls of each platform account."
    )
    waits = Family(
        "responder_account_rate_limit_wait_seconds",
        "Seconds until the platform lets us call again (0 when not rate-limited).",
    )
    last = Family(
        "responder_account_last_poll_age_seconds", "Seconds since the account's last good poll."
    )
    errors = Family(
        "responder_account_ingest_errors", "Platform items we could not read.", "counter"
    )
    error_counts = dict(
        IngestError.objects.values_list("account_id").annotate(n=Count("id")).order_by()
    )
    for account in PlatformAccount.objects.filter(is_active=True).select_related("department"):
        labels = {
            "account": account.handle,
            "platform": account.platform,
            "department": account.department.slug,
        }
        failures.add(account.poll_failures, **labels)
        reset = account.rate_limit_reset_at
        waits.add(max(0.0, (reset - now).total_seconds()) if reset else 0.0, **labels)
        if account.last_polled_at:
            last.add(_age(now, account.last_polled_at), **labels)
        errors.add(error_counts.get(account.pk, 0), "_total", **labels)
    return [failures, waits, last, errors]


def email_families(now: dt.datetime) -> list[Family]:
    failed_after = dt.timedelta(seconds=int(settings.OPS_EMAIL_FAILED_AFTER_SECONDS))
    unsent = EmailNotice.objects.filter(sent_at__isnull=True)
    queued = unsent.filter(created_at__gte=now - failed_after).count()
    failed = unsent.filter(created_at__lt=now - failed_after).count()
    return [
        Family("responder_emails_queued", "E-mails decided but not sent yet.").add(queued),
        Family("responder_emails_failed", "E-mails still unsent long after they were queued.").add(
            failed
        ),
        Family("responder_emails_sent", "E-mails sent.", "counter").add(
            EmailNotice.objects.filter(sent_at__isnull=False).count(), "_total"
        ),
    ]


def process_families(now: dt.datetime) -> list[Family]:
    beats = Family(
        "responder_heartbeat_age_seconds",
        "Seconds since a worker last finished a task from each queue (or beat last ticked).",
    )
    for beat in Heartbeat.objects.order_by("name"):
        beats.add(_age(now, beat.at), name=beat.name)
    depth = Family("responder_queue_depth", "Messages waiting in each Celery queue.")
    for name, count in queues.depths().items():
        if count is not None:
            depth.add(count, queue=name)
    histogram = Family(
        "responder_http_request_duration_seconds",
        "Time to answer a web request, by HTTP method.",
        "histogram",
    )
    for method, parts in sorted(latency.snapshot().items()):
        histogram.add_histogram(
            bounds=latency.BOUNDS,
            counts={b: int(parts.get(repr(b), 0)) for b in latency.BOUNDS},
            total=parts.get("sum", 0.0),
            count=int(parts.get("count", 0)),
            method=method,
        )
    return [beats, depth, histogram]


def metric_families(*, now: dt.datetime | None = None) -> list[Family]:
    now = now or timezone.now()
    return [
        *case_families(now),
        *outbox_families(now),
        *account_families(now),
        *email_families(now),
        *process_families(now),
    ]
