"""One mention's whole path, with every real part: a citizen posts on the simulator; a
real Celery worker (Redis broker) polls it in; an officer answers; the worker e-mails
the reviewer (real SMTP), who approves from the link (real HTTP against the live
server); the worker posts the reply to the simulator, once."""
# ruff: noqa: F811 (the fixtures are imported, then requested by name)

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection

from responder.audit.models import AuditEvent
from responder.celery import app
from responder.channels.models import OutboxItem, PlatformAccount
from responder.channels.tasks import poll_dispatch
from responder.inbox import services as inbox
from responder.inbox.language import language_detect
from responder.inbox.models import Case, CaseState
from responder.testing.waiting import wait_for
from tests.sim import make_mastodon_account, simulator  # noqa: F401
from tests.workflows.mailsink import csrf_from, fresh_rate_limit, link_in, smtp  # noqa: F401
from workflows import submission
from workflows.models import ApprovalStep

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("fresh_rate_limit")]

QUESTION = "How long does a passport renewal take?"
ANSWER = "Renewals take 10 business days once we have your form."


@pytest.fixture
def worker() -> Iterator[Any]:
    """A real worker on this room's broker, for every queue (polls, e-mails, posts)."""

    def close_connection(**_: object) -> None:
        connection.close()

    language_detect("warm up")  # as the worker_init signal does in a real worker
    app.control.purge()
    task_postrun.connect(close_connection, weak=False)
    try:
        with start_worker(
            app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
        ) as w:
            yield w
    finally:
        task_postrun.disconnect(close_connection)
        app.control.purge()


def _approve_from(link: str) -> int:
    import httpx

    with httpx.Client(timeout=10) as client:  # keeps the CSRF cookie between requests
        page = client.get(link)
        assert page.status_code == 200
        return client.post(
            link,
            data={"csrfmiddlewaretoken": csrf_from(page.text), "action": "approve"},
            headers={"Referer": link},
        ).status_code


def test_a_mention_is_polled_approved_by_email_and_answered_once(
    simulator, team, smtp, live_server, settings, worker
):
    settings.SITE_URL = live_server.url
    PlatformAccount.objects.update(is_active=False)
    account = make_mastodon_account(simulator, team.department, poll_interval_seconds=1)
    asked = simulator.post_mention(text=QUESTION, acct="dana@mastodon.example")

    # Polling: beat's dispatch, sped up; the worker polls the simulator and ingests.
    def polled_in() -> Case | None:
        poll_dispatch.delay()
        return Case.objects.filter(account=account, external_id=asked["status_id"]).first()

    case = wait_for(polled_in, every=0.5, what="the mention in the inbox")
    assert case.state == CaseState.NEW and QUESTION in case.text

    # The officer answers; one approval layer (an SME) applies to a normal case.
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text=ANSWER)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    (step,) = ApprovalStep.objects.filter(case=case)

    # The worker e-mails the layer's reviewers; one approves from the link.
    (mail,) = smtp.wait_for(team.sme.email)
    assert _approve_from(link_in(mail)) == 200

    # The approval queued the post; the worker posts it to the simulator.
    def replied() -> Case | None:
        fresh = Case.objects.get(pk=case.pk)
        return fresh if fresh.state == CaseState.REPLIED else None

    case = wait_for(replied, every=0.2, what="the reply posted")
    (post,) = [p for p in simulator.posts() if p["in_reply_to_id"] == asked["status_id"]]
    assert post["text"] == f"@dana@mastodon.example {ANSWER}"
    assert (case.reply_external_id, case.reply_url) == (post["id"], post["url"])
    item = OutboxItem.objects.get(case=case)
    assert (item.status, item.external_id) == ("sent", post["id"])

    actions = list(
        AuditEvent.objects.filter(case=case)
        .order_by("created_at", "id")
        .values_list("action", "via")
    )
    assert actions == [
        ("case.ingested", "system"),
        ("case.claim", "web"),
        ("draft.save", "web"),
        ("step.open", "web"),
        ("case.submit", "web"),
        ("step.approve", "email"),
        ("approval.approve", "email"),
        ("case.start_posting", "system"),
        ("outbox.send", "system"),
        ("outbox.mark_sent", "system"),
        ("case.mark_replied", "system"),
    ]
    step.refresh_from_db()
    assert step.status == "approved"
