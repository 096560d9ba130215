"""The broker (Redis) is down: dispatching polls and sweeping the outbox log what
they could not queue and carry on; the rows stay for the next sweep."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from responder.channels.ingest import polls_dispatch
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount
from responder.channels.posting import outbox_sweep
from responder.channels.posting.policy import SWEEP_GRACE
from tests.broker import broker_down, queueing_errors

pytestmark = pytest.mark.django_db


def test_polls_are_dispatched_while_the_broker_is_down_without_failing(
    team, caplog, django_capture_on_commit_callbacks
):
    PlatformAccount.objects.exclude(pk=team.account.pk).update(is_active=False)
    with (
        broker_down(),
        caplog.at_level(logging.ERROR, logger="responder.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert polls_dispatch() == [team.account.pk]

    (logged,) = queueing_errors(caplog, "responder.channels.tasks.account_poll")
    assert f"({team.account.pk},)" in logged
    # Claimed for one interval only: the next dispatch after it queues the poll again.
    later = timezone.now() + dt.timedelta(seconds=team.account.poll_interval_seconds + 1)
    assert polls_dispatch(now=later) == [team.account.pk]


def test_the_outbox_sweep_carries_on_while_the_broker_is_down(team, caplog):
    case = team.case()
    team.answer_from_library(case)  # no approval needed
    item = OutboxItem.objects.get(case=case)
    due = timezone.now() + SWEEP_GRACE + dt.timedelta(seconds=1)

    with broker_down(), caplog.at_level(logging.ERROR, logger="responder.queueing"):
        assert outbox_sweep(now=due) == 1

    (logged,) = queueing_errors(caplog, "responder.channels.tasks.outbox_send")
    assert f"({item.pk},)" in logged
    item.refresh_from_db()
    assert item.status == OutboxStatus.PENDING  # still there for the next sweep
