"""The X connector against recorded-shape API v2 answers (respx at the HTTP edge)."""

from __future__ import annotations

import datetime as dt
import json
import time

import httpx
import pytest
import respx

from responder.channels.connectors.base import TransportError
from responder.channels.connectors.x import XConnector
from workflows import submission

API = "https://api.x.test"
ME = "1500000000000000001"
CITIZEN = "2244994945"


def connector(**kwargs) -> XConnector:
    kwargs.setdefault("credentials", {"access_token": "user-token", "user_id": ME})
    return XConnector(base_url=API, handle="PassportsCan", **kwargs)


def tweet(tweet_id: str, text: str, *, replied_to: str = "", author: str = CITIZEN) -> dict:
    data = {
        "id": tweet_id,
        "text": text,
        "author_id": author,
        "created_at": "2026-11-25T10:00:00.000Z",
        "conversation_id": replied_to or tweet_id,
        "lang": "en",
        "edit_history_tweet_ids": [tweet_id],
    }
    if replied_to:
        data["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
        data["in_reply_to_user_id"] = ME
    return data


USERS = {"users": [{"id": CITIZEN, "name": "Jean Tremblay", "username": "jtremblay"}]}


@respx.mock
def test_mentions_since_the_cursor_oldest_first_with_usernames():
    route = respx.get(f"{API}/2/users/{ME}/mentions").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "data": [
                        tweet("1860000000000000003", "@PassportsCan renew online?"),
                        {"id": "1860000000000000002", "text": "no author or date"},
                    ],
                    "includes": USERS,
                    "meta": {
                        "result_count": 2,
                        "newest_id": "1860000000000000003",
                        "next_token": "page2",
                    },
                },
                headers={
                    "x-rate-limit-limit": "450",
                    "x-rate-limit-remaining": "449",
                    "x-rate-limit-reset": str(int(time.time()) + 900),
                },
            ),
            httpx.Response(
                200,
                json={
                    "data": [
                        tweet(
                            "1860000000000000001",
                            "@PassportsCan &amp; fees?",
                            replied_to="1850000000000000000",
                        ),
                    ],
                    "includes": USERS,
                    "meta": {"result_count": 1},
                },
            ),
        ]
    )

    result = connector().fetch_mentions(cursor="1859999999999999999")

    first_call = route.calls[0].request.url.params
    assert first_call["since_id"] == "1859999999999999999"
    assert first_call["expansions"] == "author_id"
    assert route.calls[1].request.url.params["pagination_token"] == "page2"
    assert [m.external_id for m in result.mentions] == [
        "1860000000000000001",
        "1860000000000000003",
    ]
    older = result.mentions[0]
    assert older.text == "@PassportsCan & fees?"
    assert older.author_handle == "jtremblay"
    assert older.author_name == "Jean Tremblay"
    assert older.in_reply_to_external_id == "1850000000000000000"
    assert older.url == "https://x.com/jtremblay/status/1860000000000000001"
    assert result.cursor == "1860000000000000003"
    assert [e.external_id for e in result.errors] == ["1860000000000000002"]
    assert result.rate_limit is not None and result.rate_limit.remaining == 449


@respx.mock
def test_first_poll_reads_one_page_only_and_an_empty_poll_keeps_the_cursor():
    route = respx.get(f"{API}/2/users/{ME}/mentions").respond(
        json={"data": [tweet("10", "hi")], "includes": USERS, "meta": {"next_token": "more"}}
    )
    result = connector().fetch_mentions(cursor="")
    assert route.call_count == 1
    assert "since_id" not in route.calls[0].request.url.params
    assert result.cursor == "10"

    route.respond(json={"meta": {"result_count": 0}})
    assert connector().fetch_mentions(cursor="10").cursor == "10"


@respx.mock
def test_the_user_id_is_looked_up_once_and_kept():
    me = respx.get(f"{API}/2/users/me").respond(
        json={"data": {"id": ME, "name": "Passports", "username": "PassportsCan"}}
    )
    respx.get(f"{API}/2/users/{ME}/mentions").respond(json={"meta": {"result_count": 0}})
    x = XConnector(base_url=API, credentials={"access_token": "t"})

    x.fetch_mentions(cursor="5")
    x.fetch_mentions(cursor="5")

    assert me.call_count == 1
    assert x.session_state == {"user_id": ME, "username": "PassportsCan"}


@respx.mock
def test_a_reply_names_the_tweet_it_answers():
    route = respx.post(f"{API}/2/tweets").respond(
        201,
        json={
            "data": {
                "id": "1860000000000000099",
                "text": "@jtremblay Yes.",
                "edit_history_tweet_ids": ["1860000000000000099"],
            }
        },
    )
    result = connector().post_reply(
        text="Yes, online.",
        in_reply_to_id="1860000000000000001",
        visibility="public",
        idempotency_key="k",
    )
    assert json.loads(route.calls[0].request.content) == {
        "text": "Yes, online.",
        "reply": {"in_reply_to_tweet_id": "1860000000000000001"},
    }
    assert route.calls[0].request.headers["authorization"] == "Bearer user-token"
    assert result.external_id == "1860000000000000099"
    assert result.url == "https://x.com/PassportsCan/status/1860000000000000099"


@respx.mock
def test_429_is_retryable_at_the_reset_epoch():
    reset = int(time.time()) + 600
    respx.post(f"{API}/2/tweets").respond(
        429,
        json={
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        headers={
            "x-rate-limit-limit": "200",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    with pytest.raises(TransportError) as err:
        connector().post_reply(
            text="a", in_reply_to_id="1", visibility="public", idempotency_key="k"
        )
    assert not err.value.permanent
    assert err.value.retry_at == dt.datetime.fromtimestamp(reset, tz=dt.UTC)


@pytest.mark.parametrize(
    ("status", "body", "permanent"),
    [
        (
            401,
            {
                "title": "Unauthorized",
                "type": "about:blank",
                "status": 401,
                "detail": "Unauthorized",
            },
            True,
        ),
        (
            403,
            {
                "title": "Forbidden",
                "status": 403,
                "detail": "You are not permitted to perform this action.",
            },
            True,
        ),
        (
            400,
            {
                "errors": [{"message": "The `text` field is too long."}],
                "title": "Invalid Request",
                "detail": "One or more parameters to your request was invalid.",
            },
            True,
        ),
        (
            503,
            {"title": "Service Unavailable", "detail": "Service Unavailable", "status": 503},
            False,
        ),
    ],
)
@respx.mock
def test_errors_say_whether_retrying_can_help(status, body, permanent):
    respx.post(f"{API}/2/tweets").respond(status, json=body)
    with pytest.raises(TransportError) as err:
        connector().post_reply(
            text="a", in_reply_to_id="1", visibility="public", idempotency_key="k"
        )
    assert err.value.permanent is permanent
    assert err.value.status == status
    assert body["detail"] in err.value.message


@respx.mock
def test_an_expired_token_is_refreshed_once_and_kept():
    token = respx.post(f"{API}/2/oauth2/token").respond(
        json={
            "token_type": "bearer",
            "expires_in": 7200,
            "access_token": "fresh",
            "refresh_token": "refresh-2",
            "scope": "tweet.read tweet.write users.read",
        }
    )
    route = respx.post(f"{API}/2/tweets").mock(
        side_effect=[
            httpx.Response(401, json={"title": "Unauthorized", "detail": "Unauthorized"}),
            httpx.Response(201, json={"data": {"id": "77", "text": "a"}}),
        ]
    )
    x = XConnector(
        base_url=API,
        credentials={
            "access_token": "old",
            "refresh_token": "refresh-1",
            "client_id": "cid",
            "user_id": ME,
        },
    )

    assert (
        x.post_reply(
            text="a", in_reply_to_id="1", visibility="public", idempotency_key="k"
        ).external_id
        == "77"
    )
    assert route.calls[1].request.headers["authorization"] == "Bearer fresh"
    assert b"refresh_token=refresh-1" in token.calls[0].request.content
    assert x.session_state["access_token"] == "fresh"
    assert x.session_state["refresh_token"] == "refresh-2"


OUR_TIMELINE = {
    "data": [
        tweet(
            "900",
            "@jtremblay Something else entirely.",
            replied_to="1860000000000000001",
            author=ME,
        ),
        tweet(
            "901",
            "@jtremblay Fees &amp; times: https://t.co/abc123 (10 days).",
            replied_to="1860000000000000001",
            author=ME,
        ),
        tweet(
            "902",
            "@other Fees & times: https://t.co/zzz (10 days).",
            replied_to="1869999999999999999",
            author=ME,
        ),
    ],
    "meta": {"result_count": 3},
}


@respx.mock
def test_find_reply_matches_our_reply_to_that_tweet_with_the_same_text():
    route = respx.get(f"{API}/2/users/{ME}/tweets").respond(json=OUR_TIMELINE)
    x = connector()
    text = "Fees & times: https://www.canada.ca/en/passports.html (10 days)."

    found = x.find_reply(in_reply_to_id="1860000000000000001", idempotency_key="k", text=text)
    assert found is not None and found.external_id == "901"
    assert (
        x.find_reply(
            in_reply_to_id="1860000000000000001", idempotency_key="k", text="Another answer."
        )
        is None
    )
    assert x.find_reply(in_reply_to_id="1", idempotency_key="k", text=text) is None
    assert route.calls[0].request.url.params["exclude"] == "retweets"


@respx.mock
def test_a_duplicate_refusal_returns_the_reply_already_there():
    respx.post(f"{API}/2/tweets").respond(
        403,
        json={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        },
    )
    respx.get(f"{API}/2/users/{ME}/tweets").respond(json=OUR_TIMELINE)

    result = connector().post_reply(
        text="@jtremblay Fees & times: https://www.canada.ca/x (10 days).",
        in_reply_to_id="1860000000000000001",
        visibility="public",
        idempotency_key="k",
    )
    assert result.external_id == "901"


@respx.mock
def test_engagement_reads_public_metrics_and_skips_deleted_tweets():
    route = respx.get(f"{API}/2/tweets").respond(
        json={
            "data": [
                {
                    "id": "901",
                    "text": "a",
                    "public_metrics": {
                        "retweet_count": 2,
                        "reply_count": 1,
                        "like_count": 7,
                        "quote_count": 1,
                        "bookmark_count": 0,
                        "impression_count": 80,
                    },
                }
            ],
            "errors": [
                {
                    "value": "902",
                    "detail": "Could not find tweet with ids: [902].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                }
            ],
        }
    )
    figures = connector().engagement(external_ids=["901", "902"])
    assert route.calls[0].request.url.params["ids"] == "901,902"
    assert set(figures) == {"901"}
    assert (figures["901"].favourites, figures["901"].boosts, figures["901"].replies) == (7, 3, 1)


@pytest.fixture
def x_reply(team):
    """An approved reply to a citizen's tweet, in the outbox of our X account."""
    from responder.channels.models import OutboxItem, PlatformAccount
    from responder.inbox import services as inbox
    from tests.factories import CaseFactory

    account = PlatformAccount.objects.create(
        platform="x",
        name="Passport Office",
        handle="PassportsCan",
        department=team.department,
        base_url=API,
        credentials={"access_token": "user-token", "user_id": ME, "handle": "PassportsCan"},
    )
    case = CaseFactory(
        account=account,
        department=team.department,
        external_id="1860000000000000001",
        author_handle="jtremblay",
    )
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Yes: 10 days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    from workflows.models import ApprovalStep
    from workflows.services import approval_decide

    step = ApprovalStep.objects.get(case=case)
    approval_decide(step_id=step.pk, reviewer=team.sme, decision="approve", via="email")
    return OutboxItem.objects.get(case=case)


@pytest.mark.django_db
@pytest.mark.parametrize("already_posted", [True, False])
@respx.mock
def test_after_an_unknown_outcome_our_tweets_are_checked_before_posting_again(
    x_reply, already_posted
):
    import time_machine

    from responder.channels.posting import outbox_item_send
    from responder.inbox.models import Case

    tweets = respx.post(f"{API}/2/tweets")
    tweets.respond(503, json={"title": "Service Unavailable", "detail": "Service Unavailable"})
    assert outbox_item_send(outbox_item_id=x_reply.pk) == "pending"
    assert x_reply.text == "Yes: 10 days."  # X adds the @handle of a reply itself

    timeline = (
        [
            tweet(
                "1860000000000000050",
                "@jtremblay Yes: 10 days.",
                replied_to="1860000000000000001",
                author=ME,
            )
        ]
        if already_posted
        else []
    )
    check = respx.get(f"{API}/2/users/{ME}/tweets").respond(json={"data": timeline, "meta": {}})
    tweets.respond(201, json={"data": {"id": "1860000000000000077", "text": "Yes: 10 days."}})
    x_reply.refresh_from_db()
    with time_machine.travel(x_reply.next_attempt_at + dt.timedelta(seconds=1)):
        assert outbox_item_send(outbox_item_id=x_reply.pk) == "sent"

    assert check.call_count == 1
    assert tweets.call_count == (1 if already_posted else 2)
    case = Case.objects.get(pk=x_reply.case_id)
    assert case.state == "replied"
    expected = "1860000000000000050" if already_posted else "1860000000000000077"
    assert case.reply_external_id == expected
    assert case.reply_url == f"https://x.com/PassportsCan/status/{expected}"
