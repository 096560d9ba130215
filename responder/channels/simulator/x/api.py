"""X API v2 over HTTP: /2/..., errors as problem objects {"title", "detail", "type",
"status"}, rate-limit headers x-rate-limit-limit/-remaining/-reset (epoch seconds)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from responder.channels.simulator.common import Refusal, multipart
from responder.channels.simulator.x.state import OUR_USER_ID, XState

if TYPE_CHECKING:
    from responder.channels.simulator.server import _Handler
    from responder.channels.simulator.state import Fault

OPTIONAL_FIELDS = (
    "created_at",
    "conversation_id",
    "lang",
    "referenced_tweets",
    "in_reply_to_user_id",
    "author_id",
    "attachments",
)


def rate_headers(state: XState, *, exhausted: bool = False) -> dict[str, str]:
    with state.lock:
        limit, remaining, reset = state.window.take(exhausted=exhausted)
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset),
    }


def problem(status: int, title: str, detail: str) -> dict[str, Any]:
    kind = "https://api.twitter.com/2/problems/invalid-request" if status == 400 else "about:blank"
    body: dict[str, Any] = {"title": title, "detail": detail, "type": kind, "status": status}
    if status == 400:
        body["errors"] = [{"message": detail}]
    return body


def fault_answer(state: XState, fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
    status = int(fault.status or 500)
    if status == 429:
        headers = rate_headers(state, exhausted=True)
        headers["x-rate-limit-reset"] = str(int(time.time()) + fault.retry_after_seconds)
        return (
            status,
            problem(429, "Too Many Requests", fault.message or "Too Many Requests"),
            (headers),
        )
    title = "Internal Server Error" if status >= 500 else "Simulated"
    return (
        status,
        problem(status, title, fault.message or "Simulated failure"),
        (rate_headers(state)),
    )


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values and values[-1] else None


def _max_results(query: dict[str, list[str]], low: int, default: int) -> int:
    try:
        value = int(_one(query, "max_results") or default)
    except ValueError as exc:
        raise Refusal(400, "Invalid Request", "max_results must be a number") from exc
    if not low <= value <= 100:
        raise Refusal(
            400,
            "Invalid Request",
            f"The `max_results` query parameter value [{value}] is not between {low} and 100",
        )
    return value


def tweet_view(state: XState, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
    view = {
        "id": tweet["id"],
        "text": tweet["text"],
        "edit_history_tweet_ids": tweet["edit_history_tweet_ids"],
    }
    for name in OPTIONAL_FIELDS:
        if name in fields and name in tweet:
            view[name] = tweet[name]
    if "public_metrics" in fields:
        view["public_metrics"] = state.metrics(tweet["id"])
    return view


def _page(
    handler: _Handler, state: XState, tweets: list[dict[str, Any]], *, low: int, default: int
) -> dict[str, Any]:
    """Newest first, since_id exclusive, paged with an opaque token."""
    query = handler._query()
    limit = _max_results(query, low, default)
    since = int(_one(query, "since_id") or 0)
    token = _one(query, "pagination_token") or _one(query, "next_token")
    until = int(token[1:]) if token and token[1:].isdigit() else None
    fields = set((_one(query, "tweet.fields") or "").split(","))
    chosen = [
        t
        for t in sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
        if int(t["id"]) > since and (until is None or int(t["id"]) < until)
    ]
    page = chosen[:limit]
    meta: dict[str, Any] = {"result_count": len(page)}
    if not page:
        return {"meta": meta}
    meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
    if len(chosen) > limit:
        meta["next_token"] = f"p{page[-1]['id']}"
    body: dict[str, Any] = {"data": [tweet_view(state, t, fields) for t in page], "meta": meta}
    if "author_id" in (_one(query, "expansions") or "").split(","):
        authors = {t["author_id"] for t in page}
        body["includes"] = {
            "users": [
                {k: state.users[a][k] for k in ("id", "name", "username")} for a in sorted(authors)
            ]
        }
    return body


def _matches(tweet: dict[str, Any], query: str) -> bool:
    for term in query.split():
        lowered = term.casefold()
        if lowered.startswith("-is:") or lowered.startswith("lang:"):
            continue
        if lowered.startswith("#"):
            if lowered[1:] not in tweet["_tags"]:
                return False
        elif lowered not in tweet["text"].casefold():
            return False
    return True


def handle(handler: _Handler, method: str, path: str, malformed: bool) -> None:
    state = handler.state.x
    if method == "POST" and path.rstrip("/") == "/2/oauth2/token":
        try:
            grant = state.token_refresh(handler._body())
        except Refusal as refusal:
            handler._send(
                refusal.status, {"error": refusal.error, "error_description": refusal.message}
            )
            return
        handler._send(200, grant)
        return
    try:
        auth = handler.headers.get("Authorization", "")
        state.authorize(auth[7:] if auth.lower().startswith("bearer ") else "")
        status, body = _route(handler, state, method, path.strip("/").split("/")[1:])
    except Refusal as refusal:
        handler._send(
            refusal.status,
            problem(refusal.status, refusal.error, refusal.message),
            headers=refusal.headers or rate_headers(state),
        )
        return
    if malformed and isinstance(body.get("data"), list) and body["data"]:
        body["data"][0] = {"id": body["data"][0]["id"], "text": None}
    handler._send(status, body, headers=rate_headers(state))


def _route(handler: _Handler, state: XState, method: str, parts: list[str]) -> tuple[int, Any]:
    query = handler._query()
    with state.lock:
        if method == "GET" and parts == ["users", "me"]:
            me = dict(state.users[OUR_USER_ID])
            if "public_metrics" in (_one(query, "user.fields") or ""):
                ours = sum(1 for t in state.tweets.values() if t["author_id"] == OUR_USER_ID)
                me["public_metrics"] = {
                    "followers_count": state.followers,
                    "following_count": 80,
                    "tweet_count": ours,
                    "listed_count": 3,
                }
            return 200, {"data": me}
        if (
            method == "GET"
            and len(parts) == 3
            and parts[0] == "users"
            and parts[2] in ("mentions", "tweets")
        ):
            if parts[2] == "mentions":
                chosen = [t for t in state.tweets.values() if parts[1] in t["_mentions"]]
            else:
                chosen = [t for t in state.tweets.values() if t["author_id"] == parts[1]]
            return 200, _page(handler, state, chosen, low=5, default=10)
        if method == "GET" and parts == ["tweets", "search", "recent"]:
            q = _one(query, "query") or ""
            if not q:
                raise Refusal(400, "Invalid Request", "The `query` query parameter is missing")
            chosen = [t for t in state.tweets.values() if _matches(t, q)]
            return 200, _page(handler, state, chosen, low=10, default=10)
        if method == "GET" and parts == ["tweets"]:
            return 200, _lookup(state, query)
    return _write(handler, state, method, parts)


def _lookup(state: XState, query: dict[str, list[str]]) -> dict[str, Any]:
    ids = [i for i in (_one(query, "ids") or "").split(",") if i]
    if not ids or len(ids) > 100:
        raise Refusal(400, "Invalid Request", "ids must have between 1 and 100 elements")
    fields = set((_one(query, "tweet.fields") or "").split(","))
    body: dict[str, Any] = {}
    found = [tweet_view(state, state.tweets[i], fields) for i in ids if i in state.tweets]
    if found:
        body["data"] = found
    missing = [i for i in ids if i not in state.tweets]
    if missing:
        body["errors"] = [
            {
                "value": i,
                "detail": f"Could not find tweet with ids: [{i}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "ids",
                "resource_id": i,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
            for i in missing
        ]
    return body


def _write(handler: _Handler, state: XState, method: str, parts: list[str]) -> tuple[int, Any]:
    if method == "POST" and parts == ["media", "upload"]:
        fields = multipart(handler._raw, handler.headers.get("Content-Type", ""))
        media = fields.get("media")
        if media is None or not media[0]:
            raise Refusal(400, "Invalid Request", "media is required")
        category = fields.get("media_category", (b"tweet_image", ""))[0].decode()
        mime = fields.get("media_type", (media[1].encode(), ""))[0].decode()
        entry = state.media_add(media[0], mime, category)
        return 200, {
            "data": {
                "id": entry["id"],
                "media_key": entry["media_key"],
                "size": entry["size"],
                "expires_after_secs": 86400,
                "image": {"image_type": mime},
            }
        }
    data = handler._body()
    if method == "POST" and parts == ["media", "metadata"]:
        alt = ((data.get("metadata") or {}).get("alt_text") or {}).get("text")
        entry = state.media_alt(str(data.get("id") or ""), str(alt or ""))
        return 200, {
            "data": {
                "id": entry["id"],
                "associated_metadata": {"alt_text": {"text": entry["alt_text"]}},
            }
        }
    if method == "POST" and parts == ["tweets"]:
        reply = (data.get("reply") or {}).get("in_reply_to_tweet_id")
        media_ids = [str(m) for m in (data.get("media") or {}).get("media_ids") or []]
        tweet = state.our_tweet(
            text=str(data.get("text") or ""),
            reply_to=str(reply) if reply else None,
            media_ids=media_ids,
        )
        return 201, {
            "data": {
                "id": tweet["id"],
                "text": tweet["text"],
                "edit_history_tweet_ids": tweet["edit_history_tweet_ids"],
            }
        }
    if len(parts) in (3, 4) and parts[0] == "users" and parts[2] in ("retweets", "likes"):
        if parts[1] != OUR_USER_ID:
            raise Refusal(403, "Forbidden", "You are not permitted to perform this action.")
        kind = parts[2]
        flag = "retweeted" if kind == "retweets" else "liked"
        if method == "POST" and len(parts) == 3:
            return 200, {"data": {flag: state.toggle(kind, str(data.get("tweet_id")), True)}}
        if method == "DELETE" and len(parts) == 4:
            return 200, {"data": {flag: state.toggle(kind, parts[3], False)}}
    raise Refusal(404, "Not Found Error", "Sorry, that page does not exist.")


def control(handler: _Handler, method: str, name: str) -> None:
    """/_sim/x/<name>: act as citizens, recount our tweets, retweets, likes and media."""
    state = handler.state.x
    data = handler._body() if method == "POST" else {}
    if name == "mentions" and method == "POST":
        items = data["items"] if isinstance(data.get("items"), list) else [data]
        made = [state.citizen_tweet(item) for item in items]
        handler._send(201, made if "items" in data else made[0])
    elif name == "posts" and method == "GET":
        handler._send(200, state.our_tweets())
    elif name == "actions" and method == "GET":
        with state.lock:
            handler._send(200, {"retweets": sorted(state.retweets), "likes": sorted(state.likes)})
    elif name == "engage" and method == "POST":
        with state.lock:
            extra = state.extra.setdefault(str(data.get("id") or ""), {})
            for key in ("likes", "retweets", "replies", "quotes", "impressions"):
                if key in data:
                    extra[key] = int(data[key])
        handler._send(200, extra)
    elif name == "config" and method == "POST":
        with state.lock:
            if "followers" in data:
                state.followers = int(data["followers"])
        handler._send(200, {"ok": True})
    elif name == "expire_tokens" and method == "POST":
        state.expire_tokens()
        handler._send(200, {"refreshes": state.refreshes})
    else:
        handler._error(404, "Unknown simulator control endpoint")
