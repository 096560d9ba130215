"""/metrics, scraped like Prometheus does, agrees with the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count
from django.utils import timezone

from responder.channels.models import IngestError, OutboxItem, OutboxStatus, PostAttempt
from responder.inbox.models import Case, CaseState
from responder.ops import latency
from responder.testing.factories import CaseFactory, PlatformAccountFactory, submitted_in_new_words
from responder.testing.outbox import reply_failed
from tests.ops.promtext import parse, value
from workflows.models import EmailNotice

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(team):
    """A department with cases in several states, an overdue step, an outbox, posting
    attempts, a rate-limited account, ingest errors and e-mails."""
    now = timezone.now()
    for _ in range(3):
        team.case()
    old = team.case(received_at=now - dt.timedelta(hours=5))
    # Answered (built replied): not counted.
    team.case(received_at=now - dt.timedelta(days=2), state=CaseState.REPLIED)
    step = submitted_in_new_words(team, team.case(), text="We will check.")
    step.__class__.objects.filter(pk=step.pk).update(due_at=now - dt.timedelta(hours=1))
    team.answer_from_library(team.case())
    team.answer_from_library(team.case())
    first, second = OutboxItem.objects.order_by("pk")
    reply_failed(second, status=OutboxStatus.FAILED)
    for outcome in ("sent", "rate_limited", "rate_limited", "error"):
        PostAttempt.objects.create(outbox_item=first, outcome=outcome, finished_at=now)
    account = team.account
    account.poll_failures = 4
    account.rate_limit_reset_at = now + dt.timedelta(minutes=20)
    account.last_error = "429 Too Many Requests"
    account.save()
    IngestError.objects.create(account=account, error="unreadable")
    IngestError.objects.create(account=account, error="unreadable too")
    other_department = team.outsider.memberships.get().department
    CaseFactory(account=PlatformAccountFactory(department=other_department))
    EmailNotice.objects.create(key="a", kind="review", recipient=team.sme)
    stale = EmailNotice.objects.create(key="b", kind="review", recipient=team.sme)
    EmailNotice.objects.filter(pk=stale.pk).update(created_at=now - dt.timedelta(hours=1))
    EmailNotice.objects.create(key="c", kind="review", recipient=team.sme, sent_at=now)
    return old


def scrape(client, **headers) -> dict:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())


def test_metrics_agree_with_the_database(client, team, busy) -> None:
    samples = scrape(client)
    expected_cases = {
        (row["department__slug"], row["state"]): row["n"]
        for row in Case.objects.values("department__slug", "state").annotate(n=Count("id"))
    }
    scraped_cases = {
        (dict(labels)["department"], dict(labels)["state"]): v
        for (name, labels), v in samples.items()
        if name == "responder_cases"
    }
    assert scraped_cases == expected_cases
    assert scraped_cases[("passports", "new")] == 4
    age = value(samples, "responder_oldest_unanswered_question_age_seconds", department="passports")
    assert 5 * 3600 <= age < 5 * 3600 + 120
    assert value(samples, "responder_approval_steps_overdue", department="passports") == 1
    for status in OutboxStatus.values:
        expected = OutboxItem.objects.filter(status=status).count()
        assert value(samples, "responder_outbox_items", status=status) == expected
    assert value(samples, "responder_outbox_items", status="failed") == 1
    assert value(samples, "responder_outbox_oldest_pending_age_seconds") >= 0
    sent = dict(platform="mastodon", outcome="sent")
    limited = dict(platform="mastodon", outcome="rate_limited")
    assert value(samples, "responder_post_attempts_total", **sent) == 1
    assert value(samples, "responder_post_attempts_total", **limited) == 2
    assert PostAttempt.objects.filter(outcome="rate_limited").count() == 2
    account = dict(account=team.account.handle, platform="mastodon", department="passports")
    assert value(samples, "responder_account_poll_failures", **account) == 4
    wait = value(samples, "responder_account_rate_limit_wait_seconds", **account)
    assert 19 * 60 < wait <= 20 * 60
    assert value(samples, "responder_account_ingest_errors_total", **account) == 2
    assert value(samples, "responder_emails_queued") == 1
    assert value(samples, "responder_emails_failed") == 1
    assert value(samples, "responder_emails_sent_total") == 1


def test_request_latency_histogram_counts_requests(client, team) -> None:
    latency.reset()
    for _ in range(3):
        client.get("/accounts/login/")
    samples = scrape(client)
    count = value(samples, "responder_http_request_duration_seconds_count", method="GET")
    inf = value(samples, "responder_http_request_duration_seconds_bucket", method="GET", le="+Inf")
    assert count == inf == 3  # the scrape itself is counted after it answers
    assert value(samples, "responder_http_request_duration_seconds_sum", method="GET") > 0


def test_metrics_need_the_token_when_one_is_set(client, settings) -> None:
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200


def test_without_a_token_metrics_answer_only_internal_direct_requests(client, settings) -> None:
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 200  # 127.0.0.1
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 401
    relayed = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert relayed.status_code == 401
