"""Campaign operations of the Mastodon connector against the simulator over HTTP:
posts and threads with images and alt text, boosts, favourites, follower counts."""

from __future__ import annotations

import pytest

from responder.channels.connectors.base import TransportError
from responder.channels.connectors.mastodon import MastodonConnector

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def conn(simulator):
    connector = MastodonConnector(base_url=simulator.url, access_token=simulator.token)
    yield connector
    connector.close()


def control(simulator, name: str):
    return simulator.client.get(f"/_sim/mastodon/{name}").raise_for_status().json()


def test_a_thread_with_an_image_and_its_alt_text_is_posted_once(simulator, conn):
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="A passport on a desk.")
    first = conn.post(
        text="Renew your passport online. #passport",
        media_ids=[media_id],
        visibility="public",
        idempotency_key="thread-1-en",
        language="en",
    )
    again = conn.post(
        text="Renew your passport online. #passport",
        media_ids=[media_id],
        visibility="public",
        idempotency_key="thread-1-en",
        language="en",
    )
    second = conn.post(
        text="It takes about 10 business days.",
        media_ids=[],
        visibility="public",
        idempotency_key="thread-2-en",
        in_reply_to_id=first.external_id,
    )
    assert again == first
    posts = simulator.posts()
    assert [(p["id"], p["in_reply_to_id"]) for p in posts] == [
        (first.external_id, None),
        (second.external_id, first.external_id),
    ]
    assert [m["description"] for m in posts[0]["media"]] == ["A passport on a desk."]
    assert posts[0]["language"] == "en"
    assert control(simulator, "media")[0]["mime"] == "image/png"
    # The community finds it under its hashtag.
    tagged = conn.fetch_hashtag(tag="passport", cursor="")
    assert [m.external_id for m in tagged.mentions] == [first.external_id]


def test_find_post_finds_our_post_by_text_and_parent(simulator, conn):
    posted = conn.post(
        text="Office hours: 9 to 5.", media_ids=[], visibility="public", idempotency_key="k"
    )
    assert conn.find_post(idempotency_key="k", text="Office hours: 9 to 5.") == posted
    assert conn.find_post(idempotency_key="k", text="Something else.") is None
    assert (
        conn.find_post(
            idempotency_key="k", text="Office hours: 9 to 5.", in_reply_to_id=posted.external_id
        )
        is None
    )


def test_an_image_without_alt_text_is_stored_without_one(simulator, conn):
    # Mastodon accepts it (the product refuses earlier); the simulator just stores it.
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="")
    conn.post(text="", media_ids=[media_id], visibility="public", idempotency_key="no-alt")
    assert simulator.posts()[0]["media"][0]["description"] is None


def test_unknown_media_is_refused_permanently(simulator, conn):
    with pytest.raises(TransportError) as refused:
        conn.post(text="x", media_ids=["999"], visibility="public", idempotency_key="m")
    assert refused.value.permanent and refused.value.status == 422


def test_boost_and_favourite_then_undo_them(simulator, conn):
    citizen = simulator.post_mention(text="Love the new #passport design", mention=False)
    status_id = citizen["status_id"]
    conn.boost(external_id=status_id)
    conn.boost(external_id=status_id)  # harmless twice
    conn.favourite(external_id=status_id)
    assert control(simulator, "actions") == {"reblogged": [status_id], "favourited": [status_id]}
    status = simulator.state.public_status(status_id)
    assert (status["reblogs_count"], status["favourites_count"]) == (1, 1)
    conn.unboost(external_id=status_id)
    conn.unfavourite(external_id=status_id)
    conn.unfavourite(external_id=status_id)  # harmless when not favourited
    assert control(simulator, "actions") == {"reblogged": [], "favourited": []}
    with pytest.raises(TransportError) as gone:
        conn.boost(external_id="12345")
    assert gone.value.permanent and gone.value.status == 404


def test_account_stats_reads_the_follower_count(simulator, conn):
    simulator.client.post("/_sim/mastodon/config", json={"followers": 1234}).raise_for_status()
    conn.post(text="Hello.", media_ids=[], visibility="public", idempotency_key="h")
    stats = conn.account_stats()
    assert (stats.followers, stats.posts) == (1234, 1)


def test_a_rate_limited_boost_is_retryable(simulator, conn):
    citizen = simulator.post_mention(text="#passport question", mention=False)
    simulator.fault(status=429, path_prefix="/api/v1/statuses/", method="POST")
    with pytest.raises(TransportError) as limited:
        conn.boost(external_id=citizen["status_id"])
    assert limited.value.status == 429 and limited.value.retry_at is not None
    conn.boost(external_id=citizen["status_id"])
    assert control(simulator, "actions")["reblogged"] == [citizen["status_id"]]


def test_a_post_whose_answer_is_lost_is_not_posted_twice(simulator, conn):
    simulator.fault(lose_answer=True, path_prefix="/api/v1/statuses", method="POST")
    with pytest.raises(TransportError) as lost:
        conn.post(text="Closed Monday.", media_ids=[], visibility="public", idempotency_key="L")
    assert not lost.value.permanent
    # The retry carries the same Idempotency-Key: the server returns the first post.
    again = conn.post(text="Closed Monday.", media_ids=[], visibility="public", idempotency_key="L")
    assert [p["id"] for p in simulator.posts()] == [again.external_id]
    assert conn.find_post(idempotency_key="L", text="Closed Monday.") == again
