"""When a scheduled post's send task is queued (bench/campaign_bench.py found posts
leaving late by the approving transaction's length): for the post's own time (an
absolute ETA), by the approval when the time is close, otherwise by the outbox sweep
once it comes within SCHEDULE_AHEAD, never days ahead (a waiting ETA task is
redelivered by Redis after its visibility timeout). Read from the real broker."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from responder.campaigns import services as campaigns
from responder.campaigns.models import CampaignPost
from responder.celery import app
from responder.channels.models import OutboxItem
from responder.channels.posting import outbox_sweep
from workflows.models import ApprovalStep, StepStatus
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


def queued_sends() -> dict[int, str | None]:
    """Outbox row id -> the ETA of each send task waiting in the posting queue."""
    with app.connection_for_write() as conn:
        raw = conn.default_channel.client.lrange("posting", 0, -1)
    out = {}
    for message in raw:
        headers = json.loads(message)["headers"]
        if headers["task"] == "responder.channels.tasks.outbox_send":
            out[int(headers["argsrepr"].strip("(),"))] = headers.get("eta")
    return out


def test_a_post_scheduled_for_later_is_queued_for_its_time_by_the_sweep(
    team, world, django_capture_on_commit_callbacks
):
    app.control.purge()
    with django_capture_on_commit_callbacks(execute=True):
        campaigns.campaign_post_compose(
            campaign_id=world.campaign.pk,
            actor=team.officer,
            via="web",
            account_ids=[world.accounts[0].pk],
            texts_en=["Renew online. #passport2026"],
            texts_fr=["Renouvelez en ligne. #passeport2026"],
            scheduled_for=timezone.now() + dt.timedelta(hours=2),
        )
        for step in ApprovalStep.objects.filter(status=StepStatus.OPEN):
            approval_decide(step_id=step.pk, reviewer=team.director, decision="approve", via="web")
    heads = list(OutboxItem.objects.filter(thread_previous__isnull=True))
    assert len(heads) == 2  # English and French
    assert queued_sends() == {}  # two hours ahead: not held by a worker meanwhile

    outbox_sweep()
    assert queued_sends() == {}  # still far ahead

    # Twenty seconds before its time, the sweep queues each post for its own time.
    due = timezone.now() + dt.timedelta(seconds=20)
    CampaignPost.objects.update(scheduled_for=due)
    OutboxItem.objects.update(not_before=due, next_attempt_at=due)
    outbox_sweep()
    queued = queued_sends()
    # One task for the rows due in the same instant (a send claims up to 50 due rows).
    assert len(queued) == 1 and set(queued) <= {h.pk for h in heads}
    assert {dt.datetime.fromisoformat(eta) for eta in queued.values()} == {due}
    app.control.purge()
