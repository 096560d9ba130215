"""Bluesky XRPC over HTTP: /xrpc/<nsid>, errors as {"error", "message"}, rate-limit
headers ratelimit-limit/-remaining/-reset (epoch seconds)/-policy on every answer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from responder.channels.simulator.bluesky import views
from responder.channels.simulator.bluesky.state import (
    LIKE,
    OUR_DID,
    OUR_HANDLE,
    POST,
    REPOST,
    BlueskyState,
)
from responder.channels.simulator.common import Refusal

if TYPE_CHECKING:
    from responder.channels.simulator.server import _Handler
    from responder.channels.simulator.state import Fault

MAX_GET_POSTS = 25


def rate_headers(state: BlueskyState, *, exhausted: bool = False) -> dict[str, str]:
    with state.lock:
        limit, remaining, reset = state.window.take(exhausted=exhausted)
    return {
        "ratelimit-limit": str(limit),
        "ratelimit-remaining": str(remaining),
        "ratelimit-reset": str(reset),
        "ratelimit-policy": f"{limit};w={state.window.seconds}",
    }


def fault_answer(state: BlueskyState, fault: Fault) -> tuple[int, dict[str, Any], dict[str, str]]:
    """What Bluesky answers for an injected failure."""
    status = int(fault.status or 500)
    if status == 429:
        headers = rate_headers(state, exhausted=True)
        headers["ratelimit-reset"] = str(int(time.time()) + fault.retry_after_seconds)
        return (
            status,
            {"error": "RateLimitExceeded", "message": fault.message or "Rate Limit Exceeded"},
            headers,
        )
    error = "InternalServerError" if status >= 500 else "InvalidRequest"
    return (
        status,
        {"error": error, "message": fault.message or "Simulated failure"},
        (rate_headers(state)),
    )


def _one(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values and values[-1] else None


def _limit(query: dict[str, list[str]], default: int, maximum: int) -> int:
    try:
        value = int(_one(query, "limit") or default)
    except ValueError as exc:
        raise Refusal(400, "InvalidRequest", "limit must be an integer") from exc
    if not 1 <= value <= maximum:
        raise Refusal(400, "InvalidRequest", f"limit must be between 1 and {maximum}")
    return value


def _token(handler: _Handler) -> str:
    auth = handler.headers.get("Authorization", "")
    return auth[7:] if auth.lower().startswith("bearer ") else ""


def _repo(state: BlueskyState, repo: Any) -> str:
    found = state.resolve(str(repo or ""))
    if found is None:
        raise Refusal(400, "InvalidRequest", f"Could not find repo: {repo}")
    return str(found["did"])


def _own_repo(state: BlueskyState, repo: Any) -> str:
    did = _repo(state, repo)
    if did != OUR_DID:
        raise Refusal(403, "InvalidRequest", "Not authorized to write to this repo")
    return did


def handle(handler: _Handler, method: str, nsid: str, malformed: bool) -> None:
    state = handler.state.bluesky
    try:
        status, body = _route(handler, state, method, nsid, malformed)
    except Refusal as refusal:
        headers = refusal.headers or rate_headers(state)
        handler._send(
            refusal.status, {"error": refusal.error, "message": refusal.message}, headers=headers
        )
        return
    handler._send(status, body, headers=rate_headers(state))


def _route(
    handler: _Handler, state: BlueskyState, method: str, nsid: str, malformed: bool
) -> tuple[int, Any]:
    query = handler._query()
    if nsid == "com.atproto.server.createSession" and method == "POST":
        data = handler._body()
        return 200, state.session_create(
            str(data.get("identifier") or ""), str(data.get("password") or "")
        )
    if nsid == "com.atproto.server.refreshSession" and method == "POST":
        return 200, state.session_refresh(_token(handler))
    state.authorize(_token(handler))
    if nsid == "com.atproto.server.getSession" and method == "GET":
        return 200, {"did": OUR_DID, "handle": OUR_HANDLE, "active": True}
    if nsid == "app.bsky.notification.listNotifications" and method == "GET":
        reasons = query.get("reasons", []) + query.get("reasons[]", [])
        body = views.list_notifications(
            state, reasons=reasons, limit=_limit(query, 50, 100), cursor=_one(query, "cursor")
        )
        if malformed and body["notifications"]:
            broken = dict(body["notifications"][0])
            broken.pop("author", None)
            broken["record"] = {"$type": "app.bsky.feed.post"}
            body["notifications"][0] = broken
        return 200, body
    if nsid == "app.bsky.feed.searchPosts" and method == "GET":
        q = _one(query, "q")
        if not q:
            raise Refusal(400, "InvalidRequest", 'Error: Params must have the property "q"')
        body = views.search_posts(
            state,
            q=q,
            limit=_limit(query, 25, 100),
            since=_one(query, "since"),
            cursor=_one(query, "cursor"),
        )
        if malformed and body["posts"]:
            body["posts"][0] = {"uri": body["posts"][0]["uri"], "record": None}
        return 200, body
    if nsid == "app.bsky.feed.getPosts" and method == "GET":
        uris = query.get("uris", []) + query.get("uris[]", [])
        if len(uris) > MAX_GET_POSTS:
            raise Refusal(
                400,
                "InvalidRequest",
                f"Error: uris must not have more than {MAX_GET_POSTS} elements",
            )
        return 200, {"posts": views.get_posts(state, uris)}
    if nsid == "app.bsky.actor.getProfile" and method == "GET":
        found = views.profile(state, _one(query, "actor") or "")
        if found is None:
            raise Refusal(400, "InvalidRequest", "Profile not found")
        return 200, found
    if nsid == "com.atproto.repo.getRecord" and method == "GET":
        return 200, state.record_get(
            did=_repo(state, _one(query, "repo")),
            collection=_one(query, "collection") or "",
            rkey=_one(query, "rkey") or "",
        )
    return _write(handler, state, method, nsid)


def _write(handler: _Handler, state: BlueskyState, method: str, nsid: str) -> tuple[int, Any]:
    if nsid == "com.atproto.repo.uploadBlob" and method == "POST":
        if not handler._raw:
            raise Refusal(400, "InvalidRequest", "Request body is empty")
        mime = handler.headers.get("Content-Type", "application/octet-stream")
        return 200, {"blob": state.blob_add(handler._raw, mime)}
    if method != "POST" or nsid not in (
        "com.atproto.repo.createRecord",
        "com.atproto.repo.deleteRecord",
    ):
        raise Refusal(501, "MethodNotImplemented", "Method Not Implemented")
    data = handler._body()
    did = _own_repo(state, data.get("repo"))
    collection = str(data.get("collection") or "")
    if nsid == "com.atproto.repo.deleteRecord":
        # Deleting a record that is not there is a no-op, as on the reference PDS.
        state.record_delete(did=did, collection=collection, rkey=str(data.get("rkey") or ""))
        return 200, {}
    record = data.get("record")
    if not isinstance(record, dict):
        raise Refusal(400, "InvalidRequest", 'Input must have the property "record"')
    record = {k: v for k, v in record.items() if k != "$type"}
    rkey = data.get("rkey")
    entry = state.record_create(
        did=did, collection=collection, rkey=str(rkey) if rkey else None, value=record
    )
    return 200, {
        "uri": entry["uri"],
        "cid": entry["cid"],
        "commit": {"cid": entry["cid"], "rev": entry["rkey"]},
        "validationStatus": "valid",
    }


def control(handler: _Handler, method: str, name: str) -> None:
    """/_sim/bluesky/<name>: what tests and the demo use to act as citizens and to
    recount our records."""
    state = handler.state.bluesky
    data = handler._body() if method == "POST" else {}
    if name == "mentions" and method == "POST":
        items = data["items"] if isinstance(data.get("items"), list) else [data]
        made = [state.citizen_post(item) for item in items]
        handler._send(201, made if "items" in data else made[0])
    elif name in ("posts", "likes", "reposts") and method == "GET":
        collection = {"posts": POST, "likes": LIKE, "reposts": REPOST}[name]
        handler._send(200, views.our_records(state, collection))
    elif name == "engage" and method == "POST":
        with state.lock:
            extra = state.extra.setdefault(str(data.get("uri") or ""), {})
            for key in ("likes", "reposts", "replies", "quotes"):
                if key in data:
                    extra[key] = int(data[key])
        handler._send(200, extra)
    elif name == "config" and method == "POST":
        with state.lock:
            if "create_session_limit" in data:
                state.session_window.limit = int(data["create_session_limit"])
            if "access_ttl_seconds" in data:
                state.access_ttl = int(data["access_ttl_seconds"])
            if "followers" in data:
                state.followers = int(data["followers"])
        handler._send(200, {"ok": True})
    elif name == "expire_sessions" and method == "POST":
        handler._send(200, {"expired": state.expire_sessions()})
    elif name == "sessions" and method == "GET":
        handler._send(200, {"created": state.sessions_created})
    else:
        handler._error(404, "Unknown simulator control endpoint")
