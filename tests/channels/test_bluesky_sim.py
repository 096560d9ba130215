"""The real Bluesky connector against the simulator's XRPC, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from responder.channels.connectors import bluesky
from responder.channels.connectors.base import TransportError
from responder.channels.connectors.bluesky import BlueskyConnector, tid_for_key
from responder.channels.simulator.bluesky import OUR_DID, OUR_HANDLE

CREATE_RECORD = "/xrpc/com.atproto.repo.createRecord"
LIST = "/xrpc/app.bsky.notification.listNotifications"


def connect(simulator, **kwargs) -> BlueskyConnector:
    return BlueskyConnector(
        base_url=simulator.url,
        credentials={"identifier": OUR_HANDLE, "password": simulator.token},
        **kwargs,
    )


def citizen(simulator, text: str, **fields) -> dict:
    body = {"handle": "amelie.bsky.example", "display_name": "Amélie", "text": text, **fields}
    return simulator.client.post("/_sim/bluesky/mentions", json=body).raise_for_status().json()


def ours(simulator, what: str = "posts") -> list[dict]:
    return simulator.client.get(f"/_sim/bluesky/{what}").raise_for_status().json()


def sessions_created(simulator) -> int:
    return simulator.client.get("/_sim/bluesky/sessions").raise_for_status().json()["created"]


def test_mentions_page_back_to_the_cursor_oldest_first_with_one_session(simulator, monkeypatch):
    monkeypatch.setattr(bluesky, "PAGE_LIMIT", 2)
    first = [citizen(simulator, f"old question {n}", lang="fr") for n in range(3)]
    conn = connect(simulator)
    # The first fetch of an account reads one page: no backfill of its history.
    result = conn.fetch_mentions(cursor="")
    assert [m.text for m in result.mentions] == [
        f"@{OUR_HANDLE} old question 1",
        f"@{OUR_HANDLE} old question 2",
    ]
    assert result.mentions[0].language_hint == "fr"
    assert result.mentions[0].author_handle == "amelie.bsky.example"
    assert result.mentions[0].url.startswith("https://bsky.app/profile/amelie.bsky.example/post/")
    new = [citizen(simulator, f"new question {n}") for n in range(5)]
    later = conn.fetch_mentions(cursor=result.cursor)
    uris = [m.external_id for m in later.mentions]
    # Walks back three pages to the cursor; the post at the cursor's instant comes
    # again (the ingest upsert drops it), nothing older does.
    assert uris == [first[2]["uri"]] + [p["uri"] for p in new]
    assert later.cursor > result.cursor
    assert later.rate_limit is not None and later.rate_limit.limit == 3000
    assert conn.fetch_mentions(cursor=later.cursor).mentions[-1].external_id == new[-1]["uri"]
    assert sessions_created(simulator) == 1


def test_a_reply_to_our_post_arrives_as_a_reply_with_its_thread(simulator):
    question = citizen(simulator, "Can I renew online?")
    conn = connect(simulator)
    answer = conn.post_reply(
        text="Yes, at canada.ca/passport.",
        in_reply_to_id=question["uri"],
        visibility="public",
        idempotency_key="outbox-1",
    )
    follow_up = citizen(
        simulator, "Thanks! And for a child?", reply_to=answer.external_id, mention=False
    )
    mentions = conn.fetch_mentions(cursor="").mentions
    last = mentions[-1]
    assert last.external_id == follow_up["uri"]
    assert last.in_reply_to_external_id == answer.external_id
    assert last.conversation_id == question["uri"]


def test_a_reply_is_posted_once_when_its_answer_is_lost(simulator):
    question = citizen(simulator, "How long does a renewal take?")
    conn = connect(simulator)
    simulator.fault(lose_answer=True, path_prefix=CREATE_RECORD)
    # The record was written but the answer never came: the connector asks for its
    # own record key and returns the post that is there.
    result = conn.post_reply(
        text="About 10 business days.",
        in_reply_to_id=question["uri"],
        visibility="public",
        idempotency_key="outbox-42",
    )
    again = conn.post_reply(
        text="About 10 business days.",
        in_reply_to_id=question["uri"],
        visibility="public",
        idempotency_key="outbox-42",
    )
    posts = ours(simulator)
    assert len(posts) == 1
    assert posts[0]["rkey"] == tid_for_key("outbox-42")
    assert posts[0]["reply_parent"] == question["uri"]
    assert result.external_id == again.external_id == posts[0]["uri"]
    found = conn.find_reply(
        in_reply_to_id=question["uri"], idempotency_key="outbox-42", text="About 10 business days."
    )
    assert found == result
    missing = conn.find_reply(in_reply_to_id=question["uri"], idempotency_key="other", text="x")
    assert missing is None


def test_a_failed_write_is_retryable_and_the_retry_posts_once(simulator):
    question = citizen(simulator, "Is the office open Saturday?")
    conn = connect(simulator)
    simulator.fault(status=500, path_prefix=CREATE_RECORD)
    with pytest.raises(TransportError) as failed:
        conn.post_reply(
            text="No.", in_reply_to_id=question["uri"], visibility="public", idempotency_key="k-500"
        )
    assert failed.value.status == 500 and not failed.value.permanent
    assert ours(simulator) == []
    conn.post_reply(
        text="No.", in_reply_to_id=question["uri"], visibility="public", idempotency_key="k-500"
    )
    assert [p["text"] for p in ours(simulator)] == ["No."]


def test_rate_limit_answers_with_blueskys_headers_and_a_reset(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    conn.verify()
    simulator.fault(status=429, path_prefix=LIST, retry_after_seconds=120)
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(TransportError) as limited:
        conn.fetch_mentions(cursor="")
    assert limited.value.status == 429 and not limited.value.permanent
    assert limited.value.retry_at is not None
    assert before + dt.timedelta(seconds=110) <= limited.value.retry_at
    assert limited.value.retry_at <= before + dt.timedelta(seconds=130)
    assert "RateLimitExceeded" in limited.value.message
    assert len(conn.fetch_mentions(cursor="").mentions) == 1


def test_create_session_is_rate_limited_and_a_saved_session_avoids_it(simulator):
    simulator.client.post("/_sim/bluesky/config", json={"create_session_limit": 2})
    first = connect(simulator)
    first.verify()
    connect(simulator).verify()
    with pytest.raises(TransportError) as limited:
        connect(simulator).verify()
    assert limited.value.status == 429 and limited.value.retry_at is not None
    # A connector built with the saved session does not create another.
    assert connect(simulator, session_state=first.session_state).verify() == OUR_HANDLE
    assert sessions_created(simulator) == 2


def test_an_expired_access_token_is_refreshed_not_recreated(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    conn.verify()
    saved = dict(conn.session_state or {})
    simulator.client.post("/_sim/bluesky/expire_sessions").raise_for_status()
    assert len(conn.fetch_mentions(cursor="").mentions) == 1
    assert conn.session_state is not None
    assert conn.session_state["accessJwt"] != saved["accessJwt"]
    assert sessions_created(simulator) == 1


def test_wrong_app_password_is_permanent(simulator):
    conn = BlueskyConnector(
        base_url=simulator.url, credentials={"identifier": OUR_HANDLE, "password": "nope"}
    )
    with pytest.raises(TransportError) as refused:
        conn.verify()
    assert refused.value.permanent and refused.value.status == 401


def test_a_server_error_on_reading_is_transient(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    simulator.fault(status=500, path_prefix=LIST)
    with pytest.raises(TransportError) as failed:
        conn.fetch_mentions(cursor="")
    assert failed.value.status == 500 and not failed.value.permanent
    assert len(conn.fetch_mentions(cursor="").mentions) == 1


def test_a_malformed_notification_is_recorded_and_skipped(simulator):
    older = citizen(simulator, "first")
    newest = citizen(simulator, "second")
    # The malformed fault breaks the first item of the page: the newest.
    simulator.fault(malformed=True, path_prefix=LIST)
    result = connect(simulator).fetch_mentions(cursor="")
    assert [m.external_id for m in result.mentions] == [older["uri"]]
    assert [e.external_id for e in result.errors] == [newest["uri"]]


def test_engagement_counts_what_the_platform_reports(simulator):
    question = citizen(simulator, "question")
    conn = connect(simulator)
    reply = conn.post_reply(
        text="Answer.", in_reply_to_id=question["uri"], visibility="public", idempotency_key="eng"
    )
    simulator.client.post(
        "/_sim/bluesky/engage", json={"uri": reply.external_id, "likes": 4, "reposts": 2}
    )
    citizen(simulator, "thanks", reply_to=reply.external_id, mention=False)
    figures = conn.engagement(external_ids=[reply.external_id, f"at://{OUR_DID}/x/gone"])
    assert list(figures) == [reply.external_id]
    assert (
        figures[reply.external_id].favourites,
        figures[reply.external_id].boosts,
        figures[reply.external_id].replies,
    ) == (4, 2, 1)


def test_a_dropped_connection_is_transient(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    conn.verify()
    simulator.fault(drop=True, path_prefix=LIST)
    with pytest.raises(TransportError) as dropped:
        conn.fetch_mentions(cursor="")
    assert not dropped.value.permanent
    assert len(conn.fetch_mentions(cursor="").mentions) == 1


def test_search_since_accepts_any_iso_precision(simulator):
    post = citizen(simulator, "question", tags=["passeport"], mention=False)
    conn = connect(simulator)
    indexed = conn.fetch_hashtag(tag="passeport", cursor="").cursor
    moment = dt.datetime.fromisoformat(indexed.replace("Z", "+00:00"))
    # The same instant with microseconds and an offset, and its second without a
    # fraction: both are at or before the post, so both find it.
    for since in (moment.isoformat(), moment.strftime("%Y-%m-%dT%H:%M:%SZ")):
        found = conn.fetch_hashtag(tag="passeport", cursor=since)
        assert [m.external_id for m in found.mentions] == [post["uri"]], since
