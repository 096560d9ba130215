"""A reply that did not go out is explained in the reader's language, with the
platform's own words beside it."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from responder.channels.models import OutboxItem, OutboxStatus, PostAttempt
from responder.channels.selectors import outbox_failure
from responder.testing.outbox import approved_reply, reply_failed


def failed(item: OutboxItem, *, status: str, outcome: str, http: int | None, error: str):
    reply_failed(item, status=status, error=error)
    OutboxItem.objects.filter(pk=item.pk).update(attempts=30)
    PostAttempt.objects.create(
        outbox_item=item, finished_at=timezone.now(), outcome=outcome, http_status=http
    )
    item.refresh_from_db()
    return outbox_failure(item=item)


@pytest.mark.parametrize(
    ("status", "outcome", "http", "reason", "said"),
    [
        ("failed", "failed", 401, "renew the account's token", True),
        ("failed", "failed", 404, "no longer on the platform", True),
        ("failed", "failed", 422, "refused the reply as written", True),
        ("failed", "failed", 418, "The platform refused the reply.", True),
        ("needs_attention", "error", 503, "stopped trying after 30 attempts", True),
        ("needs_attention", "needs_attention", None, "cannot tell whether", False),
    ],
)
def test_each_failure_is_explained(
    team, simulator, mastodon_account, status, outcome, http, reason, said
):
    item = approved_reply(team, mastodon_account, simulator)
    failure = failed(item, status=status, outcome=outcome, http=http, error="platform words")
    assert reason in failure.reason
    assert failure.platform_said == ("platform words" if said else "")


def test_the_explanation_follows_the_readers_language(team, simulator, mastodon_account):
    item = approved_reply(team, mastodon_account, simulator)
    failed(item, status=OutboxStatus.FAILED, outcome="failed", http=401, error="401 invalid")
    with translation.override("fr"):
        french = outbox_failure(item=item)
    assert "renouveler le jeton du compte" in french.reason
    assert french.platform_said == "401 invalid"
