"""Campaign operations of the X connector against the simulator over HTTP: posts and
threads with media and alt text, recent search, retweets, likes, follower counts."""

from __future__ import annotations

import pytest

from responder.channels.connectors.base import TransportError
from responder.channels.connectors.x import XConnector
from responder.channels.simulator.x import OUR_USER_ID

PNG = b"\x89PNG\r\n\x1a\n" + b"\x02" * 64


@pytest.fixture
def conn(simulator):
    connector = XConnector(base_url=simulator.url, credentials={"access_token": simulator.token})
    yield connector
    connector.close()


def control(simulator, name: str):
    return simulator.client.get(f"/_sim/x/{name}").raise_for_status().json()


def community(simulator, text: str, tags: list[str], username: str = "owen"):
    body = {"username": username, "text": text, "tags": tags, "mention": False}
    return simulator.client.post("/_sim/x/mentions", json=body).raise_for_status().json()


def test_a_thread_with_an_image_and_alt_text(simulator, conn):
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="A passport photo.")
    first = conn.post(
        text="Renew online. #passport",
        media_ids=[media_id],
        visibility="public",
        idempotency_key="x1",
    )
    second = conn.post(
        text="About 10 business days.",
        media_ids=[],
        visibility="public",
        idempotency_key="x2",
        in_reply_to_id=first.external_id,
    )
    posts = control(simulator, "posts")
    assert [(p["id"], p["in_reply_to_id"]) for p in posts] == [
        (first.external_id, None),
        (second.external_id, first.external_id),
    ]
    assert posts[0]["media"] == [
        {"id": media_id, "alt_text": "A passport photo.", "mime": "image/png"}
    ]
    found = conn.fetch_hashtag(tag="passport", cursor="")
    assert [m.external_id for m in found.mentions] == [first.external_id]


def test_a_post_whose_answer_is_lost_is_found_not_posted_again(simulator, conn):
    simulator.fault(lose_answer=True, path_prefix="/2/tweets", method="POST")
    with pytest.raises(TransportError):
        conn.post(
            text="Office closed Monday.", media_ids=[], visibility="public", idempotency_key="lost"
        )
    found = conn.find_post(idempotency_key="lost", text="Office closed Monday.")
    assert found is not None
    # Posting again anyway: X refuses the duplicate and the connector returns ours.
    assert (
        conn.post(
            text="Office closed Monday.", media_ids=[], visibility="public", idempotency_key="lost"
        )
        == found
    )
    assert [p["id"] for p in control(simulator, "posts")] == [found.external_id]
    assert (
        conn.find_post(idempotency_key="lost", text="Office closed Monday.", in_reply_to_id="123")
        is None
    )


def test_an_image_without_alt_text_is_accepted_as_on_x(simulator, conn):
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="")
    conn.post(text="Photo.", media_ids=[media_id], visibility="public", idempotency_key="n")
    assert control(simulator, "posts")[0]["media"][0]["alt_text"] is None


def test_recent_search_pages_since_the_cursor(simulator, conn, monkeypatch):
    from responder.channels.connectors import x

    monkeypatch.setattr(x, "PAGE_SIZE", 10)
    old = community(simulator, "Got my passport", ["passport"])
    community(simulator, "cats", ["cats"])
    first = conn.fetch_hashtag(tag="passport", cursor="")
    assert [m.external_id for m in first.mentions] == [old["id"]]
    new = [community(simulator, f"question {n}", ["Passport"]) for n in range(12)]
    later = conn.fetch_hashtag(tag="passport", cursor=first.cursor)
    assert [m.external_id for m in later.mentions] == [t["id"] for t in new]
    assert all(m.source == "hashtag" for m in later.mentions)


def test_retweet_and_like_then_undo_them(simulator, conn):
    tweet = community(simulator, "Great service", ["passport"])
    conn.boost(external_id=tweet["id"])
    conn.favourite(external_id=tweet["id"])
    assert control(simulator, "actions") == {"retweets": [tweet["id"]], "likes": [tweet["id"]]}
    conn.unboost(external_id=tweet["id"])
    conn.unfavourite(external_id=tweet["id"])
    assert control(simulator, "actions") == {"retweets": [], "likes": []}
    with pytest.raises(TransportError) as refused:
        conn.boost(external_id="1")
    assert refused.value.permanent


def test_account_stats_and_metrics_with_impressions(simulator, conn):
    simulator.client.post("/_sim/x/config", json={"followers": 4321}).raise_for_status()
    posted = conn.post(text="Hello.", media_ids=[], visibility="public", idempotency_key="h")
    stats = conn.account_stats()
    assert (stats.followers, stats.posts) == (4321, 1)
    simulator.client.post(
        "/_sim/x/engage", json={"id": posted.external_id, "quotes": 2, "impressions": 90}
    ).raise_for_status()
    figures = conn.engagement(external_ids=[posted.external_id])[posted.external_id]
    assert (figures.quotes, figures.impressions) == (2, 90)


def test_a_rate_limited_retweet_is_retryable_at_the_reset(simulator, conn):
    tweet = community(simulator, "Merci", ["passeport"])
    conn.verify()
    simulator.fault(status=429, path_prefix=f"/2/users/{OUR_USER_ID}/retweets")
    with pytest.raises(TransportError) as limited:
        conn.boost(external_id=tweet["id"])
    assert limited.value.status == 429 and limited.value.retry_at is not None
    conn.boost(external_id=tweet["id"])
    assert control(simulator, "actions")["retweets"] == [tweet["id"]]


def test_a_lost_post_is_found_even_after_a_hundred_more_tweets(simulator, conn):
    """Found by the fault test at full size (#15): a campaign posting hundreds of
    tweets in minutes pushes the one to look for past the first page of our timeline;
    X then refuses the re-post as a duplicate, and the post must be found, not failed."""
    simulator.fault(lose_answer=True, path_prefix="/2/tweets", method="POST")
    with pytest.raises(TransportError):
        conn.post(
            text="Tip 0: renew online.", media_ids=[], visibility="public", idempotency_key="a"
        )
    for n in range(1, 121):
        conn.post(text=f"Tip {n}.", media_ids=[], visibility="public", idempotency_key=f"k{n}")
    again = conn.post(
        text="Tip 0: renew online.", media_ids=[], visibility="public", idempotency_key="a"
    )
    posts = control(simulator, "posts")
    assert len(posts) == 121  # not posted twice
    assert again.external_id == posts[0]["id"]
