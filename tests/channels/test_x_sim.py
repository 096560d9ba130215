"""The real X connector against the simulator's API v2, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from responder.channels.connectors import x
from responder.channels.connectors.base import TransportError
from responder.channels.connectors.x import XConnector
from responder.channels.simulator.x import OUR_USER_ID

MENTIONS = f"/2/users/{OUR_USER_ID}/mentions"


def connect(simulator) -> XConnector:
    return XConnector(base_url=simulator.url, credentials={"access_token": simulator.token})


def citizen(simulator, text: str, **fields) -> dict:
    body = {"username": "sam_lee", "name": "Sam Lee", "text": text, **fields}
    return simulator.client.post("/_sim/x/mentions", json=body).raise_for_status().json()


def ours(simulator) -> list[dict]:
    return simulator.client.get("/_sim/x/posts").raise_for_status().json()


def test_mentions_since_the_cursor_page_by_page_oldest_first(simulator, monkeypatch):
    monkeypatch.setattr(x, "PAGE_SIZE", 5)
    first = [citizen(simulator, f"old {n}", lang="en") for n in range(7)]
    conn = connect(simulator)
    # The first poll reads one page (the newest): no paid backfill.
    result = conn.fetch_mentions(cursor="")
    assert [m.external_id for m in result.mentions] == [t["id"] for t in first[2:]]
    assert result.cursor == first[-1]["id"]
    mention = result.mentions[0]
    assert mention.author_handle == "sam_lee" and mention.author_name == "Sam Lee"
    assert mention.url == f"https://x.com/sam_lee/status/{mention.external_id}"
    assert mention.language_hint == "en"
    new = [citizen(simulator, f"new {n}") for n in range(12)]
    later = conn.fetch_mentions(cursor=result.cursor)
    # Three pages of five through pagination_token, since_id exclusive.
    assert [m.external_id for m in later.mentions] == [t["id"] for t in new]
    assert later.cursor == new[-1]["id"]
    assert later.rate_limit is not None and later.rate_limit.limit == 900
    empty = conn.fetch_mentions(cursor=later.cursor)
    assert (empty.mentions, empty.cursor) == ([], later.cursor)


def test_a_reply_is_posted_once_when_its_answer_is_lost(simulator):
    question = citizen(simulator, "How long does a renewal take?")
    conn = connect(simulator)
    simulator.fault(lose_answer=True, path_prefix="/2/tweets", method="POST")
    with pytest.raises(TransportError) as lost:
        conn.post_reply(
            text="About 10 business days.",
            in_reply_to_id=question["id"],
            visibility="public",
            idempotency_key="k1",
        )
    assert not lost.value.permanent
    # X has no idempotency key: before a retry the poster checks our recent tweets.
    found = conn.find_reply(
        in_reply_to_id=question["id"], idempotency_key="k1", text="About 10 business days."
    )
    assert found is not None
    # Posting again anyway is refused as a duplicate, and the connector returns ours.
    again = conn.post_reply(
        text="About 10 business days.",
        in_reply_to_id=question["id"],
        visibility="public",
        idempotency_key="k1",
    )
    posts = ours(simulator)
    assert [(p["id"], p["in_reply_to_id"]) for p in posts] == [(found.external_id, question["id"])]
    assert again == found
    assert (
        conn.find_reply(in_reply_to_id=question["id"], idempotency_key="k2", text="Something else.")
        is None
    )


def test_429_carries_xs_reset_header(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    conn.verify()
    simulator.fault(status=429, path_prefix=MENTIONS, retry_after_seconds=600)
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(TransportError) as limited:
        conn.fetch_mentions(cursor="")
    assert limited.value.status == 429 and not limited.value.permanent
    assert limited.value.retry_at is not None
    assert before + dt.timedelta(seconds=590) <= limited.value.retry_at
    assert limited.value.retry_at <= before + dt.timedelta(seconds=610)
    assert len(conn.fetch_mentions(cursor="").mentions) == 1


def test_500_is_transient_and_a_bad_token_permanent(simulator):
    citizen(simulator, "question")
    conn = connect(simulator)
    simulator.fault(status=500, path_prefix="/2/users/")
    with pytest.raises(TransportError) as failed:
        conn.verify()
    assert failed.value.status == 500 and not failed.value.permanent
    assert conn.verify() == "passports"
    wrong = XConnector(base_url=simulator.url, credentials={"access_token": "nope"})
    with pytest.raises(TransportError) as refused:
        wrong.verify()
    assert refused.value.status == 401 and refused.value.permanent


def test_a_malformed_tweet_is_recorded_and_skipped(simulator):
    older = citizen(simulator, "first")
    newest = citizen(simulator, "second")
    conn = connect(simulator)
    conn.verify()
    simulator.fault(malformed=True, path_prefix=MENTIONS)
    result = conn.fetch_mentions(cursor="")
    assert [m.external_id for m in result.mentions] == [older["id"]]
    assert [e.external_id for e in result.errors] == [newest["id"]]
    assert result.cursor == older["id"]


def test_a_too_long_reply_is_refused_permanently(simulator):
    question = citizen(simulator, "question")
    with pytest.raises(TransportError) as refused:
        connect(simulator).post_reply(
            text="x" * 281,
            in_reply_to_id=question["id"],
            visibility="public",
            idempotency_key="long",
        )
    assert refused.value.permanent and refused.value.status == 403
    assert ours(simulator) == []


def test_engagement_reads_public_metrics_and_skips_deleted(simulator):
    question = citizen(simulator, "question")
    conn = connect(simulator)
    reply = conn.post_reply(
        text="Answer.", in_reply_to_id=question["id"], visibility="public", idempotency_key="e"
    )
    simulator.client.post(
        "/_sim/x/engage", json={"id": reply.external_id, "likes": 3, "retweets": 1, "quotes": 1}
    )
    citizen(simulator, "thanks", in_reply_to_id=reply.external_id)
    figures = conn.engagement(external_ids=[reply.external_id, "1"])
    assert list(figures) == [reply.external_id]
    got = figures[reply.external_id]
    assert (got.favourites, got.boosts, got.replies) == (3, 2, 1)


def test_an_expired_token_is_refreshed_once_and_the_new_one_kept(simulator):
    citizen(simulator, "question")
    conn = XConnector(
        base_url=simulator.url,
        credentials={
            "access_token": simulator.token,
            "refresh_token": f"{simulator.token}-refresh",
            "client_id": "responder",
        },
    )
    conn.verify()
    simulator.client.post("/_sim/x/expire_tokens").raise_for_status()
    assert len(conn.fetch_mentions(cursor="").mentions) == 1
    state = conn.session_state or {}
    assert state["access_token"] != simulator.token
    assert state["refresh_token"] != f"{simulator.token}-refresh"  # rotated
    # The new token keeps working: no second refresh.
    conn.fetch_mentions(cursor="")
    assert simulator.state.x.refreshes == 1


def test_an_expired_token_without_a_refresh_token_is_permanent(simulator):
    conn = connect(simulator)
    simulator.client.post("/_sim/x/expire_tokens").raise_for_status()
    with pytest.raises(TransportError) as refused:
        conn.verify()
    assert refused.value.permanent and refused.value.status == 401


def test_a_dropped_connection_is_transient(simulator):
    conn = connect(simulator)
    conn.verify()
    simulator.fault(drop=True, path_prefix=MENTIONS)
    with pytest.raises(TransportError) as dropped:
        conn.fetch_mentions(cursor="")
    assert not dropped.value.permanent
    assert conn.fetch_mentions(cursor="").mentions == []
