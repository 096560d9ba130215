"""A real Celery worker (Redis broker) polls the simulator: a mention posted there
reaches the inbox, once. How fast is measured by bench/ingest_bench.py."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker

from responder.celery import app
from responder.channels.models import PlatformAccount
from responder.channels.tasks import poll_dispatch
from responder.inbox.language import language_detect
from responder.inbox.models import Case
from tests.sim import make_mastodon_account
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker():
    # No result backend here, so no ping check: the test itself shows the worker works.
    language_detect("warm up")  # as the worker_init signal does in a real worker
    app.control.purge()  # leftovers of earlier runs on this broker DB
    with start_worker(
        app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ) as w:
        yield w


def test_a_mention_reaches_the_inbox_through_the_worker_once(simulator, team, worker):
    PlatformAccount.objects.update(is_active=False)
    account = make_mastodon_account(simulator, team.department, poll_interval_seconds=1)
    # First poll (what beat does every few seconds), so the account is on its interval.
    poll_dispatch.delay()
    wait_for(
        lambda: PlatformAccount.objects.get(pk=account.pk).last_polled_at, what="the first poll"
    )

    posted = simulator.post_mention(text="Is the passport office open today?", acct="dana")

    def polled_in() -> Case | None:
        poll_dispatch.delay()  # beat's dispatch, sped up; a poll not yet due is skipped
        return Case.objects.filter(account=account, external_id=posted["status_id"]).first()

    case = wait_for(polled_in, every=0.5, what="the mention in the inbox")
    assert case.author_handle == "dana" and case.state == "new"

    def polled_again() -> bool:
        poll_dispatch.delay()
        return PlatformAccount.objects.get(pk=account.pk).last_polled_at > case.created_at

    wait_for(polled_again, every=0.5, what="one more poll")  # it finds nothing new
    assert Case.objects.filter(account=account).count() == 1
