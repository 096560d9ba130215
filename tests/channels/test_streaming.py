"""Streaming: mentions arrive as they happen; a dropped stream falls back to polling."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from responder.channels.ingest import account_poll
from responder.channels.models import PlatformAccount
from responder.channels.streaming import StreamListener, StreamSupervisor
from responder.inbox.models import Case
from tests.sim import make_mastodon_account

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_streamed_mention_is_stored_and_polling_covers_a_dropped_stream(simulator, team):
    account = make_mastodon_account(simulator, team.department, stream=True)
    PlatformAccount.objects.filter(pk=account.pk).update(
        next_poll_at=timezone.now() + dt.timedelta(hours=1)
    )
    listener = StreamListener(account_id=account.pk, read_timeout=5)
    listener.start()
    try:
        assert listener.connected.wait(10)
        assert wait_for(lambda: simulator.health()["streams"] == 1)
        # Connecting made the account due, so a poll covers anything before the stream.
        account.refresh_from_db()
        assert account.next_poll_at <= timezone.now()

        first = simulator.post_mention(text="Streamed question?", acct="sol")
        assert wait_for(lambda: Case.objects.filter(external_id=first["status_id"]).exists())
        # The stream does not move the poll cursor; a poll re-reads and adds nothing.
        account.refresh_from_db()
        assert account.cursor == ""
        assert account_poll(account_id=account.pk).new_case_ids == []

        # The stream drops; a mention posted in the gap is found by the poll the drop
        # asked for, and the listener reconnects.
        PlatformAccount.objects.filter(pk=account.pk).update(
            next_poll_at=timezone.now() + dt.timedelta(hours=1)
        )
        simulator.fault(status=503, path_prefix="/api/v1/streaming", times=1)
        simulator.close_streams()
        in_gap = simulator.post_mention(text="Posted while the stream was down", acct="gap")
        assert wait_for(lambda: listener.reconnects >= 1)
        account.refresh_from_db()
        assert account.next_poll_at <= timezone.now()
        account_poll(account_id=account.pk)
        assert Case.objects.filter(external_id=in_gap["status_id"]).exists()
        assert wait_for(lambda: listener.connected.is_set() and simulator.health()["streams"] == 1)
        after = simulator.post_mention(text="After the reconnect", acct="late")
        assert wait_for(lambda: Case.objects.filter(external_id=after["status_id"]).exists())
        assert Case.objects.filter(account=account).count() == 3
    finally:
        listener.stop()
        listener.join(timeout=10)
    assert not listener.is_alive()


def test_supervisor_listens_to_streaming_accounts_only(simulator, team):
    streaming = make_mastodon_account(simulator, team.department, stream=True)
    make_mastodon_account(simulator, team.department, handle="other", stream=False)
    supervisor = StreamSupervisor(refresh_seconds=0.2, read_timeout=5)
    supervisor.refresh()
    try:
        assert set(supervisor.listeners) == {streaming.pk}
        PlatformAccount.objects.filter(pk=streaming.pk).update(stream=False)
        supervisor.refresh()
        assert supervisor.listeners == {}
    finally:
        supervisor.shutdown()
