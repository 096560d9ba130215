"""A real Celery worker (Redis broker) polls the simulator: a mention posted there is
in the inbox within one poll interval plus two seconds."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker

from responder.celery import app
from responder.channels.language import language_detect
from responder.channels.models import PlatformAccount
from responder.channels.tasks import poll_dispatch
from responder.inbox.models import Case
from tests.sim import make_mastodon_account

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


def test_a_mention_reaches_the_inbox_within_one_interval_plus_two_seconds(simulator, team, worker):
    PlatformAccount.objects.update(is_active=False)
    interval = 2
    account = make_mastodon_account(simulator, team.department, poll_interval_seconds=interval)
    # First poll (what beat does every few seconds), so the account is on its interval.
    poll_dispatch.delay()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        account.refresh_from_db()
        if account.last_polled_at:
            break
        time.sleep(0.05)
    assert account.last_polled_at is not None

    posted = simulator.post_mention(text="Is the passport office open today?", acct="dana")
    deadline = time.monotonic() + interval + 2
    next_beat = 0.0
    while time.monotonic() < deadline:
        if time.monotonic() >= next_beat:  # beat's dispatch, sped up
            poll_dispatch.delay()
            next_beat = time.monotonic() + 0.5
        if Case.objects.filter(account=account, external_id=posted["status_id"]).exists():
            break
        time.sleep(0.05)
    case = Case.objects.get(account=account, external_id=posted["status_id"])
    assert case.author_handle == "dana" and case.state == "new"
    assert Case.objects.filter(account=account).count() == 1
