"""The Bluesky connector against recorded-shape XRPC answers (respx at the HTTP edge)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import time

import httpx
import pytest
import respx

from responder.channels.connectors.base import TransportError
from responder.channels.connectors.bluesky import BlueskyConnector, tid_for_key
from workflows import submission

PDS = "https://pds.example"
DID = "did:plc:passports123"
CITIZEN_DID = "did:plc:citizen456"
XRPC = f"{PDS}/xrpc"


def jwt(*, expires_in: float) -> str:
    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return ".".join(
        [b64({"alg": "ES256K", "typ": "at+jwt"}), b64({"exp": time.time() + expires_in}), "sig"]
    )


def session_body(handle: str = "passports.gc.ca") -> dict:
    return {
        "did": DID,
        "handle": handle,
        "email": "social@passports.gc.ca",
        "accessJwt": jwt(expires_in=7200),
        "refreshJwt": jwt(expires_in=90 * 86400),
        "active": True,
    }


def live_session() -> dict:
    return {
        "accessJwt": jwt(expires_in=3600),
        "refreshJwt": jwt(expires_in=86400),
        "did": DID,
        "handle": "passports.gc.ca",
    }


def connector(**kwargs) -> BlueskyConnector:
    kwargs.setdefault("credentials", {"identifier": "passports.gc.ca", "password": "app-pass"})
    return BlueskyConnector(base_url=PDS, **kwargs)


def notification(n: int, *, reason: str = "mention", indexed: str, reply_to: str = "") -> dict:
    uri = f"at://{CITIZEN_DID}/app.bsky.feed.post/3kcitizen{n:04d}"
    record = {
        "$type": "app.bsky.feed.post",
        "text": f"@passports.gc.ca question {n}?",
        "createdAt": indexed,
        "langs": ["fr"] if n % 2 else ["en"],
    }
    if reply_to:
        record["reply"] = {
            "root": {"uri": reply_to, "cid": "bafyroot"},
            "parent": {"uri": reply_to, "cid": "bafyroot"},
        }
    return {
        "uri": uri,
        "cid": f"bafycid{n}",
        "author": {"did": CITIZEN_DID, "handle": "marie.bsky.social", "displayName": "Marie"},
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": indexed,
        "labels": [],
    }


@respx.mock
def test_mentions_and_replies_come_oldest_first_and_the_session_is_created_once():
    create = respx.post(f"{XRPC}/com.atproto.server.createSession").respond(json=session_body())
    listing = respx.get(f"{XRPC}/app.bsky.notification.listNotifications").respond(
        json={
            "notifications": [
                notification(3, indexed="2026-11-25T10:03:00.000Z"),
                notification(2, reason="like", indexed="2026-11-25T10:02:30.000Z"),
                notification(
                    2,
                    reason="reply",
                    indexed="2026-11-25T10:02:00.000Z",
                    reply_to=f"at://{DID}/app.bsky.feed.post/3kour",
                ),
                {"uri": "at://broken", "reason": "mention", "indexedAt": "2026-11-25T10:01:30Z"},
                notification(1, indexed="2026-11-25T10:01:00.000Z"),
            ],
            "cursor": "2026-11-25T10:01:00.000Z",
        },
        headers={"ratelimit-limit": "3000", "ratelimit-remaining": "2999"},
    )
    bsky = connector()

    first = bsky.fetch_mentions(cursor="")
    bsky.fetch_mentions(cursor=first.cursor)

    assert [m.text for m in first.mentions] == [
        "@passports.gc.ca question 1?",
        "@passports.gc.ca question 2?",
        "@passports.gc.ca question 3?",
    ]
    reply = first.mentions[1]
    assert reply.in_reply_to_external_id == f"at://{DID}/app.bsky.feed.post/3kour"
    assert reply.author_handle == "marie.bsky.social"
    assert reply.url == "https://bsky.app/profile/marie.bsky.social/post/3kcitizen0002"
    assert first.mentions[0].language_hint == "fr"
    assert first.cursor == "2026-11-25T10:03:00Z"
    assert [e.external_id for e in first.errors] == ["at://broken"]
    assert first.rate_limit is not None and first.rate_limit.remaining == 2999
    # Reasons are asked of the server too, and the session was reused for the 2nd call.
    assert listing.calls[0].request.url.params.get_list("reasons") == ["mention", "reply"]
    assert listing.calls[0].request.headers["authorization"].startswith("Bearer ")
    assert create.call_count == 1
    assert bsky.session_state is not None and bsky.session_state["did"] == DID


@respx.mock
def test_a_fetch_walks_back_pages_until_it_reaches_the_cursor():
    pages = {
        None: {
            "notifications": [notification(5, indexed="2026-11-25T10:05:00Z")],
            "cursor": "p2",
        },
        "p2": {
            "notifications": [
                notification(4, indexed="2026-11-25T10:04:00Z"),
                notification(3, indexed="2026-11-25T10:03:00Z"),
            ],
            "cursor": "p3",
        },
    }

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[request.url.params.get("cursor")])

    route = respx.get(f"{XRPC}/app.bsky.notification.listNotifications").mock(side_effect=answer)
    result = connector(session_state=live_session()).fetch_mentions(cursor="2026-11-25T10:03:30Z")

    assert [m.text[-2] for m in result.mentions] == ["4", "5"]
    assert route.call_count == 2  # stopped at the known one; never asked for p3
    assert result.cursor == "2026-11-25T10:05:00Z"


@respx.mock
def test_a_saved_session_is_reused_and_refreshed_not_recreated():
    create = respx.post(f"{XRPC}/com.atproto.server.createSession").respond(json=session_body())
    refresh = respx.post(f"{XRPC}/com.atproto.server.refreshSession").respond(json=session_body())
    respx.get(f"{XRPC}/com.atproto.server.getSession").respond(
        json={"did": DID, "handle": "passports.gc.ca"}
    )
    saved = live_session()

    assert connector(session_state=saved).verify() == "passports.gc.ca"
    assert (create.call_count, refresh.call_count) == (0, 0)

    expired = {**saved, "accessJwt": jwt(expires_in=-10)}
    bsky = connector(session_state=expired)
    bsky.verify()
    assert (create.call_count, refresh.call_count) == (0, 1)
    assert refresh.calls[0].request.headers["authorization"] == f"Bearer {saved['refreshJwt']}"
    assert bsky.session_state["accessJwt"] != expired["accessJwt"]


@respx.mock
def test_a_token_the_server_calls_expired_is_refreshed_and_the_call_repeated():
    refresh = respx.post(f"{XRPC}/com.atproto.server.refreshSession").respond(json=session_body())
    calls = iter(
        [
            httpx.Response(400, json={"error": "ExpiredToken", "message": "Token has expired"}),
            httpx.Response(200, json={"did": DID, "handle": "passports.gc.ca"}),
        ]
    )
    respx.get(f"{XRPC}/com.atproto.server.getSession").mock(side_effect=lambda _: next(calls))

    assert connector(session_state=live_session()).verify() == "passports.gc.ca"
    assert refresh.call_count == 1


@respx.mock
def test_dead_refresh_token_falls_back_to_a_new_session():
    create = respx.post(f"{XRPC}/com.atproto.server.createSession").respond(json=session_body())
    respx.post(f"{XRPC}/com.atproto.server.refreshSession").respond(
        400, json={"error": "ExpiredToken", "message": "Token has been revoked"}
    )
    respx.get(f"{XRPC}/com.atproto.server.getSession").respond(
        json={"did": DID, "handle": "passports.gc.ca"}
    )
    state = {**live_session(), "accessJwt": jwt(expires_in=-10)}

    connector(session_state=state).verify()

    assert create.call_count == 1
    assert json.loads(create.calls[0].request.content) == {
        "identifier": "passports.gc.ca",
        "password": "app-pass",
    }


@respx.mock
def test_wrong_app_password_is_permanent():
    respx.post(f"{XRPC}/com.atproto.server.createSession").respond(
        401, json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    )
    with pytest.raises(TransportError) as err:
        connector().verify()
    assert err.value.permanent
    assert "Invalid identifier or password" in err.value.message


PARENT = f"at://{CITIZEN_DID}/app.bsky.feed.post/3kparent"
ROOT = f"at://{CITIZEN_DID}/app.bsky.feed.post/3kroot"


def parent_post() -> dict:
    return {
        "uri": PARENT,
        "cid": "bafyparent",
        "author": {"did": CITIZEN_DID, "handle": "marie.bsky.social", "displayName": "Marie"},
        "record": {
            "$type": "app.bsky.feed.post",
            "text": "and for a child?",
            "createdAt": "2026-11-25T10:00:00Z",
            "reply": {
                "root": {"uri": ROOT, "cid": "bafyroot"},
                "parent": {"uri": ROOT, "cid": "bafyroot"},
            },
        },
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "indexedAt": "2026-11-25T10:00:01Z",
    }


def test_record_keys_are_valid_tids_fixed_by_the_idempotency_key():
    key = "6f1c7a52-5d9e-4a63-9c55-2a1f3b8e9d10"
    assert tid_for_key(key) == tid_for_key(key)
    assert tid_for_key(key) != tid_for_key("0c4f8a8e-9a57-44c2-bf22-5b7e0f0c3a11")
    assert re.fullmatch(
        r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", tid_for_key(key)
    )


@respx.mock
def test_a_reply_references_root_and_parent_mentions_the_citizen_and_uses_the_fixed_key():
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").respond(json={"posts": [parent_post()]})
    create = respx.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        json={"uri": f"at://{DID}/app.bsky.feed.post/{tid_for_key('k-1')}", "cid": "bafynew"}
    )
    bsky = connector(session_state=live_session())

    result = bsky.post_reply(
        text="@marie.bsky.social Oui, 10 jours ouvrables.",
        in_reply_to_id=PARENT,
        visibility="public",
        idempotency_key="k-1",
    )

    body = json.loads(create.calls[0].request.content)
    assert body["repo"] == DID
    assert body["collection"] == "app.bsky.feed.post"
    assert body["rkey"] == tid_for_key("k-1")
    record = body["record"]
    assert record["reply"] == {
        "root": {"uri": ROOT, "cid": "bafyroot"},
        "parent": {"uri": PARENT, "cid": "bafyparent"},
    }
    assert record["facets"] == [
        {
            "index": {"byteStart": 0, "byteEnd": len("@marie.bsky.social")},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": CITIZEN_DID}],
        }
    ]
    assert result.external_id.endswith(tid_for_key("k-1"))
    assert result.url == f"https://bsky.app/profile/passports.gc.ca/post/{tid_for_key('k-1')}"


@respx.mock
def test_a_retry_after_a_lost_answer_writes_the_same_key_and_returns_the_first_post():
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").respond(json={"posts": [parent_post()]})
    rkey = tid_for_key("k-2")
    uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
    create = respx.post(f"{XRPC}/com.atproto.repo.createRecord").mock(
        side_effect=[
            httpx.ReadTimeout("the PDS wrote it, the answer got lost"),
            httpx.Response(
                400, json={"error": "InvalidRequest", "message": f"Record already exists: {uri}"}
            ),
        ]
    )
    found = {"uri": uri, "cid": "bafynew", "value": {"reply": {"parent": {"uri": PARENT}}}}
    get_record = respx.get(f"{XRPC}/com.atproto.repo.getRecord").mock(
        side_effect=[
            # Right after the timeout the record is not visible yet...
            httpx.Response(400, json={"error": "RecordNotFound", "message": "Could not locate"}),
            # ...by the retry it is.
            httpx.Response(200, json=found),
        ]
    )
    bsky = connector(session_state=live_session())
    args = {"text": "@marie.bsky.social Yes.", "in_reply_to_id": PARENT, "visibility": "public"}

    with pytest.raises(TransportError) as err:
        bsky.post_reply(**args, idempotency_key="k-2")
    assert not err.value.permanent
    result = bsky.post_reply(**args, idempotency_key="k-2")

    keys = [json.loads(c.request.content)["rkey"] for c in create.calls]
    assert keys == [rkey, rkey]
    assert result.external_id == uri
    assert get_record.calls.last.request.url.params["rkey"] == rkey


@respx.mock
def test_rate_limited_write_is_retryable_at_the_reset_time():
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").respond(json={"posts": [parent_post()]})
    reset = int(time.time()) + 120
    respx.post(f"{XRPC}/com.atproto.repo.createRecord").respond(
        429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "ratelimit-limit": "5000",
            "ratelimit-remaining": "0",
            "ratelimit-reset": str(reset),
        },
    )
    get_record = respx.get(f"{XRPC}/com.atproto.repo.getRecord")

    with pytest.raises(TransportError) as err:
        connector(session_state=live_session()).post_reply(
            text="hi", in_reply_to_id=PARENT, visibility="public", idempotency_key="k-3"
        )

    assert not err.value.permanent
    assert err.value.status == 429
    assert err.value.retry_at == dt.datetime.fromtimestamp(reset, tz=dt.UTC)
    assert not get_record.called


@respx.mock
def test_server_error_is_retryable_and_a_bad_record_is_permanent_with_its_message():
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").respond(json={"posts": [parent_post()]})
    respx.get(f"{XRPC}/com.atproto.repo.getRecord").respond(
        400, json={"error": "RecordNotFound", "message": "Could not locate record"}
    )
    create = respx.post(f"{XRPC}/com.atproto.repo.createRecord")
    bsky = connector(session_state=live_session())
    args = {"in_reply_to_id": PARENT, "visibility": "public", "idempotency_key": "k-4"}

    create.respond(502, json={"error": "UpstreamFailure", "message": "Upstream Failure"})
    with pytest.raises(TransportError) as err:
        bsky.post_reply(text="hi", **args)
    assert not err.value.permanent

    create.respond(
        400,
        json={
            "error": "InvalidRequest",
            "message": "Invalid app.bsky.feed.post record: Record/text must not be longer than "
            "300 graphemes",
        },
    )
    with pytest.raises(TransportError) as err:
        bsky.post_reply(text="x" * 400, **args)
    assert err.value.permanent
    assert "300 graphemes" in err.value.message


@respx.mock
def test_a_deleted_parent_is_a_permanent_failure():
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").respond(json={"posts": []})
    with pytest.raises(TransportError) as err:
        connector(session_state=live_session()).post_reply(
            text="hi", in_reply_to_id=PARENT, visibility="public", idempotency_key="k-5"
        )
    assert err.value.permanent


@respx.mock
def test_find_reply_asks_for_our_record_key():
    rkey = tid_for_key("k-6")
    route = respx.get(f"{XRPC}/com.atproto.repo.getRecord")
    bsky = connector(session_state=live_session())

    route.respond(400, json={"error": "RecordNotFound", "message": "Could not locate record"})
    assert bsky.find_reply(in_reply_to_id=PARENT, idempotency_key="k-6", text="hi") is None

    uri = f"at://{DID}/app.bsky.feed.post/{rkey}"
    route.respond(json={"uri": uri, "cid": "c", "value": {"reply": {"parent": {"uri": PARENT}}}})
    found = bsky.find_reply(in_reply_to_id=PARENT, idempotency_key="k-6", text="hi")
    assert found is not None and found.external_id == uri
    assert route.calls.last.request.url.params["rkey"] == rkey
    assert route.calls.last.request.url.params["repo"] == DID


@respx.mock
def test_engagement_reads_like_repost_and_reply_counts_in_batches_of_25():
    def answer(request: httpx.Request) -> httpx.Response:
        uris = request.url.params.get_list("uris")
        return httpx.Response(
            200,
            json={
                "posts": [
                    {"uri": u, "cid": "c", "likeCount": 3, "repostCount": 1, "replyCount": 2}
                    for u in uris
                    if not u.endswith("/gone")
                ]
            },
        )

    route = respx.get(f"{XRPC}/app.bsky.feed.getPosts").mock(side_effect=answer)
    uris = [f"at://{DID}/app.bsky.feed.post/{i}" for i in range(29)] + [f"at://{DID}/x/gone"]

    figures = connector(session_state=live_session()).engagement(external_ids=uris)

    assert route.call_count == 2
    assert len(figures) == 29
    first = figures[uris[0]]
    assert (first.favourites, first.boosts, first.replies) == (3, 1, 2)


@pytest.mark.django_db
@respx.mock
def test_posting_through_the_outbox_saves_the_session_and_reuses_it(team):
    from responder.channels.models import OutboxItem, PlatformAccount
    from responder.channels.posting import outbox_item_send
    from responder.inbox import services as inbox
    from responder.inbox.models import Case
    from tests.factories import CaseFactory

    account = PlatformAccount.objects.create(
        platform="bluesky",
        name="Passport Office",
        handle="passports.gc.ca",
        department=team.department,
        base_url=PDS,
        credentials={"identifier": "passports.gc.ca", "password": "app-pass"},
    )
    create = respx.post(f"{XRPC}/com.atproto.server.createSession").respond(json=session_body())
    respx.get(f"{XRPC}/app.bsky.feed.getPosts").mock(
        side_effect=lambda request: httpx.Response(
            200, json={"posts": [{**parent_post(), "uri": request.url.params["uris"]}]}
        )
    )
    records = respx.post(f"{XRPC}/com.atproto.repo.createRecord")
    records.side_effect = lambda request: httpx.Response(
        200,
        json={
            "uri": f"at://{DID}/app.bsky.feed.post/{json.loads(request.content)['rkey']}",
            "cid": "bafynew",
        },
    )

    def approved() -> OutboxItem:
        n = Case.objects.filter(account=account).count()
        case = CaseFactory(
            account=account,
            department=team.department,
            external_id=f"{PARENT}{n or ''}",
            author_handle="marie.bsky.social",
        )
        inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
        inbox.draft_save(
            case_id=case.pk,
            actor=team.officer,
            via="web",
            text=team.answer.text_en,
            library_answer_id=team.answer.pk,
        )
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
        return OutboxItem.objects.get(case=case)

    first = approved()
    assert outbox_item_send(outbox_item_id=first.pk) == "sent"
    account.refresh_from_db()
    assert account.session_state["did"] == DID  # saved, encrypted, on the account

    second = approved()
    assert outbox_item_send(outbox_item_id=second.pk) == "sent"

    assert create.call_count == 1
    case = Case.objects.get(pk=first.case_id)
    assert case.state == "replied"
    assert case.reply_external_id.endswith(tid_for_key(str(first.idempotency_key)))
    assert case.reply_url.startswith("https://bsky.app/profile/passports.gc.ca/post/")
