"""Ingest: every mention in the inbox exactly once, whatever happens."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.channels import ingest
from responder.channels.connectors import mastodon as mastodon_module
from responder.channels.connectors.base import FetchResult, Mention
from responder.channels.ingest import account_poll, mentions_store, polls_dispatch
from responder.channels.models import IngestError, PlatformAccount
from responder.inbox.language import language_detect
from responder.inbox.models import Case
from tests.sim import make_mastodon_account


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of 3, at most 2 pages per poll: paging shows with few mentions."""
    monkeypatch.setattr(mastodon_module, "NOTIFICATIONS_LIMIT", 3)
    monkeypatch.setattr(mastodon_module, "MAX_PAGES", 2)


def external_ids(account) -> list[str]:
    return list(
        Case.objects.filter(account=account)
        .order_by("external_id")
        .values_list("external_id", flat=True)
    )


def test_mentions_arrive_exactly_once_across_pages_and_repolls(
    simulator, mastodon_account, small_pages
):
    posted = [simulator.post_mention(text=f"Question {i}?", acct=f"c{i}") for i in range(8)]
    first = account_poll(account_id=mastodon_account.pk)
    assert first.status == "polled" and len(first.new_case_ids) == 6
    second = account_poll(account_id=mastodon_account.pk)
    assert len(second.new_case_ids) == 2
    assert account_poll(account_id=mastodon_account.pk).new_case_ids == []
    assert external_ids(mastodon_account) == sorted(p["status_id"] for p in posted)
    account = PlatformAccount.objects.get(pk=mastodon_account.pk)
    assert account.cursor == posted[-1]["notification_id"]
    assert account.last_polled_at is not None and account.last_error == ""
    assert account.next_poll_at > timezone.now()
    assert account.rate_limit_remaining is not None
    assert AuditEvent.objects.filter(action="case.ingested").count() == 8
    case = Case.objects.get(external_id=posted[0]["status_id"])
    assert case.department == mastodon_account.department
    assert case.state == "new" and case.platform == "mastodon"
    assert case.author_handle == "c0" and case.text == "@passports Question 0?"


def test_a_restart_from_an_older_cursor_refetches_without_duplicates(
    simulator, mastodon_account, small_pages
):
    for i in range(5):
        simulator.post_mention(text=f"Question {i}?")
    account_poll(account_id=mastodon_account.pk)
    account_poll(account_id=mastodon_account.pk)
    assert Case.objects.count() == 5
    # As if the worker died after fetching and the cursor was never saved.
    PlatformAccount.objects.filter(pk=mastodon_account.pk).update(cursor="")
    simulator.post_mention(text="One more")
    for _ in range(3):
        account_poll(account_id=mastodon_account.pk)
    assert Case.objects.count() == 6
    assert AuditEvent.objects.filter(action="case.ingested").count() == 6


def _mention(external_id: str, **kwargs) -> Mention:
    fields = {
        "external_id": external_id,
        "author_handle": "citizen@mastodon.example",
        "author_name": "Citizen",
        "author_external_id": "77",
        "text": "How long does a renewal take?",
        "url": f"https://mastodon.example/@citizen/{external_id}",
        "created_at": timezone.now(),
    }
    fields.update(kwargs)
    return Mention(**fields)


def test_a_duplicate_page_stores_nothing_twice(team):
    from django.db import transaction

    page = [_mention("101"), _mention("102"), _mention("101")]
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=team.account.pk)
        assert len(mentions_store(account=account, mentions=page, errors=[])) == 2
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=team.account.pk)
        assert mentions_store(account=account, mentions=page, errors=[]) == []
    assert Case.objects.filter(account=team.account).count() == 2


def test_a_page_fetched_from_a_cursor_that_moved_is_dropped(team):
    """Two polls fetched from the same cursor: the second to commit adds nothing and
    does not move the cursor back."""
    account = team.account
    result_a = FetchResult(mentions=[_mention("201"), _mention("202")], cursor="20")
    result_b = FetchResult(mentions=[_mention("201")], cursor="10")
    ingest._poll_commit(
        account_id=account.pk, from_cursor={"": ""}, fetched={"": result_a}, failure=None
    )
    outcome = ingest._poll_commit(
        account_id=account.pk, from_cursor={"": ""}, fetched={"": result_b}, failure=None
    )
    assert outcome.new_case_ids == []
    account.refresh_from_db()
    assert account.cursor == "20"
    assert Case.objects.filter(account=account).count() == 2


def test_malformed_item_is_recorded_and_the_rest_stored(simulator, mastodon_account):
    posted = [simulator.post_mention(text=f"Question {i}?") for i in range(3)]
    simulator.fault(malformed=True, path_prefix="/api/v1/notifications")
    outcome = account_poll(account_id=mastodon_account.pk)
    assert outcome.status == "polled" and outcome.errors == 1
    assert external_ids(mastodon_account) == sorted(p["status_id"] for p in posted[:2])
    error = IngestError.objects.get(account=mastodon_account)
    assert error.external_id == posted[2]["status_id"]
    assert "content" in error.error or "account" in error.error
    mastodon_account.refresh_from_db()
    assert mastodon_account.cursor == posted[2]["notification_id"]
    # Polling again from an older cursor does not record the same error twice.
    PlatformAccount.objects.filter(pk=mastodon_account.pk).update(cursor="")
    simulator.fault(malformed=True, path_prefix="/api/v1/notifications")
    account_poll(account_id=mastodon_account.pk)
    assert IngestError.objects.count() == 1


def test_language_english_french_other(simulator, mastodon_account):
    simulator.post_mention(text="How long does a passport renewal take these days?", acct="en1")
    simulator.post_mention(
        text="Combien de temps faut-il pour renouveler un passeport ?", acct="fr1"
    )
    simulator.post_mention(text="Wie lange dauert es, einen Reisepass zu bekommen?", acct="de1")
    # The platform's hint wins when it is English or French.
    simulator.post_mention(text="Passport photo size?", lang="fr", acct="hint")
    account_poll(account_id=mastodon_account.pk)
    languages = dict(Case.objects.values_list("author_handle", "language"))
    assert languages == {"en1": "en", "fr1": "fr", "de1": "other", "hint": "fr"}


def test_language_detect_unit():
    assert language_detect("Merci beaucoup pour votre aide") == "fr"
    assert language_detect("Thanks a lot for your help") == "en"
    assert language_detect("¿Cuánto tarda la renovación del pasaporte?") == "other"
    assert language_detect("ok", hint="en-CA") == "en"
    assert language_detect("") == "en"


def test_replies_thread_to_earlier_cases(simulator, mastodon_account):
    question = simulator.post_mention(text="Can I travel with an expired passport?", acct="amy")
    account_poll(account_id=mastodon_account.pk)
    root = Case.objects.get(external_id=question["status_id"])
    # We answered; the citizen answers our reply, and adds to her own question.
    from responder.channels.connectors.mastodon import MastodonConnector

    ours = MastodonConnector(base_url=simulator.url, access_token=simulator.token).post_reply(
        text="@amy No.",
        in_reply_to_id=question["status_id"],
        visibility="public",
        idempotency_key="t1",
    )
    Case.objects.filter(pk=root.pk).update(reply_external_id=ours.external_id)
    to_us = simulator.post_mention(
        text="Thanks, and for kids?", acct="amy", in_reply_to_id=ours.external_id
    )
    to_self = simulator.post_mention(
        text="Also, urgent?", acct="amy", in_reply_to_id=question["status_id"]
    )
    account_poll(account_id=mastodon_account.pk)
    followup = Case.objects.get(external_id=to_us["status_id"])
    assert followup.parent_id == root.pk and followup.source == "reply"
    assert followup.conversation_id == root.conversation_id == question["status_id"]
    addition = Case.objects.get(external_id=to_self["status_id"])
    assert addition.parent_id == root.pk and addition.source == "mention"


def test_replies_within_one_page_thread_too(simulator, mastodon_account):
    question = simulator.post_mention(text="First question", acct="bob")
    more = simulator.post_mention(
        text="More details", acct="bob", in_reply_to_id=question["status_id"]
    )
    account_poll(account_id=mastodon_account.pk)
    child = Case.objects.get(external_id=more["status_id"])
    assert child.parent == Case.objects.get(external_id=question["status_id"])
    assert child.conversation_id == question["status_id"]


def test_hashtag_posts_come_in_with_their_source(simulator, team):
    account = make_mastodon_account(simulator, team.department, hashtags="#Passport, renewal")
    tagged = simulator.post_mention(text="Queue is huge today", tags=["passport"], mention=False)
    both = simulator.post_mention(text="@passports is it always like this?", tags=["passport"])
    untagged = simulator.post_mention(text="unrelated", mention=False)
    # Our own posts with the tag are not cases.
    from responder.channels.connectors.mastodon import MastodonConnector

    MastodonConnector(base_url=simulator.url, access_token=simulator.token).post_reply(
        text="Tips for #passport renewal",
        in_reply_to_id="",
        visibility="public",
        idempotency_key="h",
    )
    account_poll(account_id=account.pk)
    sources = dict(Case.objects.filter(account=account).values_list("external_id", "source"))
    assert sources == {tagged["status_id"]: "hashtag", both["status_id"]: "mention"}
    assert untagged["status_id"] not in sources
    account.refresh_from_db()
    assert set(account.hashtag_cursors) == {"passport", "renewal"}
    later = simulator.post_mention(text="Still waiting", tags=["renewal"], mention=False)
    account_poll(account_id=account.pk)
    assert Case.objects.get(external_id=later["status_id"]).source == "hashtag"
    assert Case.objects.filter(account=account).count() == 3


def test_transient_errors_back_off_and_keep_the_cursor(simulator, mastodon_account):
    simulator.post_mention(text="q")
    simulator.fault(status=500, times=1)
    outcome = account_poll(account_id=mastodon_account.pk)
    assert outcome.status == "failed"
    account = PlatformAccount.objects.get(pk=mastodon_account.pk)
    assert "500" in account.last_error and account.cursor == ""
    assert account.poll_failures == 1 and account.next_poll_at > timezone.now()
    assert account.poll_lease_until is None
    assert Case.objects.count() == 0
    simulator.fault(status=429, retry_after_seconds=3600, reset_format="epoch")
    account_poll(account_id=mastodon_account.pk)
    account.refresh_from_db()
    assert account.next_poll_at >= timezone.now() + dt.timedelta(minutes=59)
    assert account.rate_limit_remaining == 0
    assert account_poll(account_id=mastodon_account.pk).status == "polled"
    account.refresh_from_db()
    assert account.last_error == "" and account.poll_failures == 0
    assert Case.objects.count() == 1


def test_a_wrong_token_is_shown_as_the_last_error(simulator, team):
    account = make_mastodon_account(simulator, team.department, credentials={"access_token": "old"})
    outcome = account_poll(account_id=account.pk)
    assert outcome.status == "failed"
    account.refresh_from_db()
    assert "401" in account.last_error and "invalid" in account.last_error
    assert account.next_poll_at >= timezone.now() + dt.timedelta(minutes=59)


def test_token_from_the_environment(simulator, team, monkeypatch):
    account = make_mastodon_account(
        simulator, team.department, credentials={}, credentials_env="RESPONDER_TOKEN_TEST_MASTODON"
    )
    assert account_poll(account_id=account.pk).status == "failed"
    account.refresh_from_db()
    assert "RESPONDER_TOKEN_TEST_MASTODON" in account.last_error
    monkeypatch.setenv("RESPONDER_TOKEN_TEST_MASTODON", simulator.token)
    simulator.post_mention(text="q")
    assert account_poll(account_id=account.pk).status == "polled"
    assert Case.objects.filter(account=account).count() == 1


def test_dispatch_claims_due_accounts_once(
    simulator, mastodon_account, django_capture_on_commit_callbacks
):
    PlatformAccount.objects.exclude(pk=mastodon_account.pk).update(is_active=False)
    with django_capture_on_commit_callbacks() as callbacks:
        assert polls_dispatch() == [mastodon_account.pk]
        assert polls_dispatch() == []  # already claimed: not queued twice
    assert len(callbacks) == 1
    mastodon_account.refresh_from_db()
    assert mastodon_account.next_poll_at > timezone.now()
    later = timezone.now() + dt.timedelta(seconds=61)
    assert polls_dispatch(now=later) == [mastodon_account.pk]


@pytest.mark.django_db(transaction=True)
def test_two_polls_at_once_store_each_mention_once(simulator, team):
    account = make_mastodon_account(simulator, team.department)
    for i in range(5):
        simulator.post_mention(text=f"Question {i}", acct=f"c{i}")
    # The first poll's fetch is slow, so the two really overlap.
    simulator.fault(delay_ms=400, path_prefix="/api/v1/notifications", times=1)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def poll() -> None:
        try:
            barrier.wait()
            outcomes.append(account_poll(account_id=account.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=poll) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(outcomes) == ["polled", "skipped"]
    assert Case.objects.filter(account=account).count() == 5
    assert AuditEvent.objects.filter(action="case.ingested").count() == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_mentions_insert_once(team):
    """The stream and a poll storing the same mentions at the same moment."""
    page = [_mention(str(300 + i)) for i in range(20)]
    barrier = threading.Barrier(4)
    new_counts: list[int] = []

    def store() -> None:
        try:
            barrier.wait()
            new_counts.append(
                len(
                    ingest.stream_mentions_store(
                        account_id=team.account.pk, mentions=page, errors=[]
                    )
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(new_counts) == [0, 0, 0, 20]
    assert Case.objects.filter(account=team.account).count() == 20
    assert AuditEvent.objects.filter(action="case.ingested").count() == 20
