"""Campaign operations of the Bluesky connector against the simulator over HTTP:
posts and threads with images (alt text in the embed), hashtag search, reposts,
likes, follower counts."""

from __future__ import annotations

import pytest

from responder.channels.connectors.base import TransportError
from responder.channels.connectors.bluesky import BlueskyConnector, tid_for_key
from responder.channels.simulator.bluesky import OUR_HANDLE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64


@pytest.fixture
def conn(simulator):
    connector = BlueskyConnector(
        base_url=simulator.url,
        credentials={"identifier": OUR_HANDLE, "password": simulator.token},
    )
    yield connector
    connector.close()


def control(simulator, name: str):
    return simulator.client.get(f"/_sim/bluesky/{name}").raise_for_status().json()


def community(simulator, text: str, tags: list[str], handle: str = "priya.bsky.example"):
    body = {"handle": handle, "text": text, "tags": tags, "mention": False}
    return simulator.client.post("/_sim/bluesky/mentions", json=body).raise_for_status().json()


def test_a_thread_with_an_image_and_alt_text_is_posted_once(simulator, conn):
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="Un passeport.")
    first = conn.post(
        text="Renouvelez en ligne. #passeport",
        media_ids=[media_id],
        visibility="public",
        idempotency_key="t1",
        language="fr",
    )
    # A retry with the same key writes the same record key: still one post.
    again = conn.post(
        text="Renouvelez en ligne. #passeport",
        media_ids=[media_id],
        visibility="public",
        idempotency_key="t1",
        language="fr",
    )
    second = conn.post(
        text="Environ 10 jours ouvrables.",
        media_ids=[],
        visibility="public",
        idempotency_key="t2",
        in_reply_to_id=first.external_id,
    )
    third = conn.post(
        text="Questions? Écrivez-nous.",
        media_ids=[],
        visibility="public",
        idempotency_key="t3",
        in_reply_to_id=second.external_id,
    )
    assert again == first
    posts = control(simulator, "posts")
    assert [p["rkey"] for p in posts] == [tid_for_key("t1"), tid_for_key("t2"), tid_for_key("t3")]
    assert posts[0]["images"][0]["alt"] == "Un passeport."
    assert posts[0]["images"][0]["mime"] == "image/png"
    assert posts[0]["langs"] == ["fr"]
    assert (posts[2]["reply_parent"], posts[2]["reply_root"]) == (
        second.external_id,
        first.external_id,
    )
    # Our tag facet makes the post findable under its hashtag.
    found = conn.fetch_hashtag(tag="passeport", cursor="")
    assert [m.external_id for m in found.mentions] == [first.external_id]
    assert conn.find_post(idempotency_key="t3", text="", in_reply_to_id=second.external_id) == (
        third
    )
    assert conn.find_post(idempotency_key="t9", text="") is None


def test_the_answer_of_a_post_is_lost_and_the_post_still_counts_once(simulator, conn):
    simulator.fault(lose_answer=True, path_prefix="/xrpc/com.atproto.repo.createRecord")
    result = conn.post(
        text="Nouveau: rendez-vous en ligne.",
        media_ids=[],
        visibility="public",
        idempotency_key="lost",
    )
    assert [p["uri"] for p in control(simulator, "posts")] == [result.external_id]


def test_an_image_without_the_alt_property_is_refused_an_empty_alt_is_not(simulator, conn):
    media_id = conn.upload_media(data=PNG, mime="image/png", alt_text="")
    conn.post(text="Image.", media_ids=[media_id], visibility="public", idempotency_key="e")
    assert control(simulator, "posts")[0]["images"][0]["alt"] == ""
    # The lexicon requires the property itself (a client that leaves it out is refused).
    blob = simulator.client.post(
        "/xrpc/com.atproto.repo.uploadBlob",
        content=PNG,
        headers={
            "Content-Type": "image/png",
            "Authorization": f"Bearer {conn.session_state['accessJwt']}",
        },
    ).json()["blob"]
    refused = simulator.client.post(
        "/xrpc/com.atproto.repo.createRecord",
        json={
            "repo": OUR_HANDLE,
            "collection": "app.bsky.feed.post",
            "record": {
                "text": "x",
                "createdAt": "2026-01-01T00:00:00Z",
                "embed": {"$type": "app.bsky.embed.images", "images": [{"image": blob}]},
            },
        },
        headers={"Authorization": f"Bearer {conn.session_state['accessJwt']}"},
    )
    assert refused.status_code == 400 and refused.json()["error"] == "InvalidRecord"


def test_hashtag_search_since_the_cursor_and_a_malformed_post_is_skipped(simulator, conn):
    old = community(simulator, "Mon passeport est arrivé", ["passeport"])
    community(simulator, "Unrelated", ["cats"])
    first = conn.fetch_hashtag(tag="passeport", cursor="")
    assert [m.external_id for m in first.mentions] == [old["uri"]]
    assert first.mentions[0].source == "hashtag"
    new = community(simulator, "Quel délai?", ["Passeport"], handle="marc.bsky.example")
    broken = community(simulator, "Encore une", ["passeport"])
    simulator.fault(malformed=True, path_prefix="/xrpc/app.bsky.feed.searchPosts")
    later = conn.fetch_hashtag(tag="passeport", cursor=first.cursor)
    # `since` is inclusive: the post at the cursor comes again (the upsert drops it).
    assert [m.external_id for m in later.mentions] == [old["uri"], new["uri"]]
    assert [e.external_id for e in later.errors] == [broken["uri"]]


def test_repost_and_like_then_undo_them(simulator, conn):
    post = community(simulator, "Great service today", ["passport"])
    conn.boost(external_id=post["uri"])
    conn.boost(external_id=post["uri"])  # harmless twice
    conn.favourite(external_id=post["uri"])
    assert [r["subject"] for r in control(simulator, "reposts")] == [post["uri"]]
    assert [r["subject"] for r in control(simulator, "likes")] == [post["uri"]]
    figures = simulator.client.get(
        "/xrpc/app.bsky.feed.getPosts",
        params={"uris": post["uri"]},
        headers={"Authorization": f"Bearer {conn.session_state['accessJwt']}"},
    ).json()["posts"][0]
    assert (figures["repostCount"], figures["likeCount"]) == (1, 1)
    conn.unboost(external_id=post["uri"])
    conn.unfavourite(external_id=post["uri"])
    conn.unfavourite(external_id=post["uri"])  # harmless when not liked
    assert control(simulator, "reposts") == [] and control(simulator, "likes") == []
    with pytest.raises(TransportError) as gone:
        conn.boost(external_id="at://did:plc:nobody/app.bsky.feed.post/3kaaaaaaaaaaa")
    assert gone.value.permanent and gone.value.status == 404


def test_account_stats_reads_the_profile(simulator, conn):
    simulator.client.post("/_sim/bluesky/config", json={"followers": 777}).raise_for_status()
    conn.post(text="Bonjour.", media_ids=[], visibility="public", idempotency_key="b")
    stats = conn.account_stats()
    assert (stats.followers, stats.posts) == (777, 1)


def test_a_rate_limited_like_is_retryable_at_the_reset(simulator, conn):
    post = community(simulator, "Merci!", ["passeport"])
    conn.verify()
    simulator.fault(status=429, path_prefix="/xrpc/com.atproto.repo.createRecord")
    with pytest.raises(TransportError) as limited:
        conn.favourite(external_id=post["uri"])
    assert limited.value.status == 429 and limited.value.retry_at is not None
    conn.favourite(external_id=post["uri"])
    assert len(control(simulator, "likes")) == 1
