"""The Mastodon connector against the simulator, over real HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from responder.channels.connectors.base import ItemError, TransportError
from responder.channels.connectors.headers import parse_reset
from responder.channels.connectors.mastodon import MastodonConnector, html_to_text


def connector(simulator, **kwargs) -> MastodonConnector:
    kwargs.setdefault("access_token", simulator.token)
    return MastodonConnector(base_url=simulator.url, **kwargs)


def test_verify_returns_our_handle_and_wrong_token_is_permanent(simulator):
    assert connector(simulator).verify() == "passports"
    with pytest.raises(TransportError) as caught:
        connector(simulator, access_token="expired").verify()
    assert caught.value.permanent and caught.value.status == 401
    assert "The access token is invalid" in caught.value.message
    assert "expired" not in caught.value.message  # the token is never in messages


def test_fetch_pages_forward_oldest_first_and_bounded(simulator):
    posted = [simulator.post_mention(text=f"question {i}", acct=f"c{i}") for i in range(8)]
    client = connector(simulator, page_limit=3, max_pages=2)
    first = client.fetch_mentions(cursor="")
    assert [m.external_id for m in first.mentions] == [p["status_id"] for p in posted[:6]]
    assert first.cursor == posted[5]["notification_id"]
    second = client.fetch_mentions(cursor=first.cursor)
    assert [m.text for m in second.mentions] == ["@passports question 6", "@passports question 7"]
    third = client.fetch_mentions(cursor=second.cursor)
    assert third.mentions == [] and third.cursor == second.cursor
    assert first.rate_limit is not None and first.rate_limit.limit == 300


def test_mention_fields(simulator):
    question = simulator.post_mention(
        text="Mon passeport expire bientôt",
        lang="fr",
        acct="amelie@piaille.example",
        display_name="Amélie",
        visibility="direct",
    )
    reply = simulator.post_mention(text="Merci", in_reply_to_id=question["status_id"])
    mentions = connector(simulator).fetch_mentions(cursor="").mentions
    first, second = mentions
    assert first.author_handle == "amelie@piaille.example"
    assert first.author_name == "Amélie"
    assert first.visibility == "direct"
    assert first.language_hint == "fr"
    assert first.url.endswith(question["status_id"])
    assert first.source == "mention"
    assert first.created_at.tzinfo is not None
    assert second.external_id == reply["status_id"]
    assert second.in_reply_to_external_id == question["status_id"]


def test_html_is_converted_to_plain_raw_text(simulator):
    text = (
        'Is 5 < 6 & "yes"?\n<script>alert(1)</script> see https://example.gc.ca/passports\n\nThanks'
    )
    simulator.post_mention(text=text)
    mention = connector(simulator).fetch_mentions(cursor="").mentions[0]
    assert mention.text == (
        '@passports Is 5 < 6 & "yes"?\n<script>alert(1)</script> see '
        "https://example.gc.ca/passports\n\nThanks"
    )
    assert html_to_text("<p>a<br>b</p><p>c &amp; d</p><script>x</script>") == "a\nb\n\nc & d"


def test_malformed_item_is_an_item_error_and_the_rest_is_read(simulator):
    posted = [simulator.post_mention(text=f"q{i}") for i in range(3)]
    simulator.fault(malformed=True, path_prefix="/api/v1/notifications")
    result = connector(simulator).fetch_mentions(cursor="")
    assert [m.external_id for m in result.mentions] == [p["status_id"] for p in posted[:2]]
    assert len(result.errors) == 1
    error = result.errors[0]
    assert isinstance(error, ItemError)
    assert error.external_id == posted[2]["status_id"]
    assert result.cursor == posted[2]["notification_id"]  # the page still moves on


@pytest.mark.parametrize("reset_format", ["iso", "epoch"])
def test_429_is_transient_with_retry_at_from_the_reset_header(simulator, reset_format):
    simulator.fault(status=429, reset_format=reset_format, retry_after_seconds=120)
    with pytest.raises(TransportError) as caught:
        connector(simulator).fetch_mentions(cursor="")
    error = caught.value
    assert not error.permanent and error.status == 429
    assert error.retry_at is not None
    wait = (error.retry_at - dt.datetime.now(dt.UTC)).total_seconds()
    assert 100 < wait <= 121


def test_server_errors_drops_and_timeouts_are_transient(simulator):
    simulator.fault(status=500)
    with pytest.raises(TransportError) as caught:
        connector(simulator).fetch_mentions(cursor="")
    assert not caught.value.permanent and caught.value.status == 500
    simulator.fault(drop=True)
    with pytest.raises(TransportError) as caught:
        connector(simulator).fetch_mentions(cursor="")
    assert not caught.value.permanent
    simulator.fault(delay_ms=1500)
    with pytest.raises(TransportError) as caught:
        connector(simulator, timeout=0.2).fetch_mentions(cursor="")
    assert not caught.value.permanent and "in time" in caught.value.message


def test_post_reply_is_idempotent_and_keeps_visibility(simulator):
    question = simulator.post_mention(text="Private question", visibility="private")
    client = connector(simulator)
    first = client.post_reply(
        text="@citizen@mastodon.example Here is the answer.",
        in_reply_to_id=question["status_id"],
        visibility="private",
        idempotency_key="3f9a1c",
    )
    again = client.post_reply(
        text="@citizen@mastodon.example Here is the answer.",
        in_reply_to_id=question["status_id"],
        visibility="private",
        idempotency_key="3f9a1c",
    )
    assert first == again
    posts = simulator.posts()
    assert len(posts) == 1
    assert posts[0]["in_reply_to_id"] == question["status_id"]
    assert posts[0]["visibility"] == "private"
    assert posts[0]["idempotency_key"] == "3f9a1c"
    assert first.url.endswith(first.external_id)


def test_unknown_visibility_is_never_more_public(simulator):
    question = simulator.post_mention(text="q")
    connector(simulator).post_reply(
        text="@citizen hi",
        in_reply_to_id=question["status_id"],
        visibility="limited",
        idempotency_key="k",
    )
    assert simulator.posts()[0]["visibility"] == "direct"


def test_permanent_post_errors_carry_the_platform_message(simulator):
    client = connector(simulator)
    with pytest.raises(TransportError) as caught:
        client.post_reply(text=" ", in_reply_to_id="", visibility="public", idempotency_key="a")
    assert caught.value.permanent and caught.value.status == 422
    assert "Text can't be blank" in caught.value.message
    with pytest.raises(TransportError) as caught:
        client.post_reply(text="hi", in_reply_to_id="999", visibility="public", idempotency_key="b")
    assert caught.value.permanent and caught.value.status == 404


def test_find_reply_finds_our_posted_reply_only(simulator):
    question = simulator.post_mention(text="Where do I send the form?")
    client = connector(simulator)
    text = "@citizen@mastodon.example Mail it to   Gatineau."
    assert (
        client.find_reply(in_reply_to_id=question["status_id"], idempotency_key="x", text=text)
        is None
    )
    # Another citizen's reply in the thread is not ours.
    simulator.post_mention(text="Mail it to Gatineau.", in_reply_to_id=question["status_id"])
    assert (
        client.find_reply(in_reply_to_id=question["status_id"], idempotency_key="x", text=text)
        is None
    )
    posted = client.post_reply(
        text=text, in_reply_to_id=question["status_id"], visibility="public", idempotency_key="x"
    )
    found = client.find_reply(in_reply_to_id=question["status_id"], idempotency_key="x", text=text)
    assert found == posted
    assert (
        client.find_reply(
            in_reply_to_id=question["status_id"], idempotency_key="y", text="@citizen other text"
        )
        is None
    )


def test_engagement_counts_and_deleted_posts_left_out(simulator):
    question = simulator.post_mention(text="q")
    client = connector(simulator)
    posted = client.post_reply(
        text="@citizen a",
        in_reply_to_id=question["status_id"],
        visibility="public",
        idempotency_key="e",
    )
    simulator.engage(posted.external_id, favourites=4, reblogs=2, replies=1)
    counts = client.engagement(external_ids=[posted.external_id, "12345"])
    assert set(counts) == {posted.external_id}
    engagement = counts[posted.external_id]
    assert (engagement.favourites, engagement.boosts, engagement.replies) == (4, 2, 1)


def test_hashtag_timeline(simulator):
    old = simulator.post_mention(text="old post", tags=["passport"], mention=False)
    client = connector(simulator)
    first = client.fetch_hashtag(tag="#Passport", cursor="")
    assert [m.external_id for m in first.mentions] == [old["status_id"]]
    assert first.mentions[0].source == "hashtag"
    new = simulator.post_mention(text="new post", tags=["passport"], mention=False)
    simulator.post_mention(text="untagged", mention=False)
    second = client.fetch_hashtag(tag="passport", cursor=first.cursor)
    assert [m.external_id for m in second.mentions] == [new["status_id"]]


def test_parse_reset_accepts_iso_and_epoch():
    iso = parse_reset("2026-11-25T18:00:00.000Z")
    assert iso == dt.datetime(2026, 11, 25, 18, 0, tzinfo=dt.UTC)
    assert parse_reset("1795627472") == dt.datetime.fromtimestamp(1795627472, dt.UTC)
    assert parse_reset("1795627472000") == dt.datetime.fromtimestamp(1795627472, dt.UTC)
    assert parse_reset("soon") is None and parse_reset(None) is None


def test_link_to_another_host_is_not_followed(simulator, monkeypatch):
    """A Link header naming another server must not receive our token."""
    client = connector(simulator, page_limit=1, max_pages=3)
    assert not client._same_server("https://evil.example/api/v1/notifications?min_id=1")
    assert client._same_server(simulator.url + "/api/v1/notifications")
    assert "test-token" not in repr(client)
