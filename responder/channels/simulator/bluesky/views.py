"""Reads of the simulated Bluesky: post views, notifications, search, profiles,
and what a test recounts (our posts, likes, reposts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from responder.channels.simulator.bluesky.state import (
    LIKE,
    OUR_DID,
    POST,
    REPOST,
    BlueskyState,
)
from responder.channels.simulator.common import Refusal


def moment(value: str, name: str = "since") -> dt.datetime:
    """A datetime parameter as the AppView reads it (any ISO-8601 precision)."""
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Refusal(400, "InvalidRequest", f"{name} must be a valid datetime") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _author(state: BlueskyState, did: str) -> dict[str, Any]:
    actor = state.actors.get(did) or {"did": did, "handle": "handle.invalid"}
    return {
        "did": did,
        "handle": actor["handle"],
        "displayName": actor.get("displayName", ""),
        "labels": [],
    }


def _subjects(state: BlueskyState, collection: str, uri: str) -> list[dict[str, Any]]:
    return [
        r
        for r in state.records.values()
        if r["collection"] == collection and (r["value"].get("subject") or {}).get("uri") == uri
    ]


def post_view(state: BlueskyState, entry: dict[str, Any]) -> dict[str, Any]:
    uri = entry["uri"]
    extra = state.extra.get(uri, {})
    likes = _subjects(state, LIKE, uri)
    reposts = _subjects(state, REPOST, uri)
    replies = [
        r
        for r in state.records.values()
        if r["collection"] == POST
        and ((r["value"].get("reply") or {}).get("parent") or {}).get("uri") == uri
    ]
    viewer: dict[str, Any] = {}
    ours = [r["uri"] for r in likes if r["did"] == OUR_DID]
    if ours:
        viewer["like"] = ours[0]
    ours = [r["uri"] for r in reposts if r["did"] == OUR_DID]
    if ours:
        viewer["repost"] = ours[0]
    view: dict[str, Any] = {
        "uri": uri,
        "cid": entry["cid"],
        "author": _author(state, entry["did"]),
        "record": entry["value"],
        "replyCount": len(replies) + extra.get("replies", 0),
        "repostCount": len(reposts) + extra.get("reposts", 0),
        "likeCount": len(likes) + extra.get("likes", 0),
        "quoteCount": extra.get("quotes", 0),
        "indexedAt": entry["indexedAt"],
        "viewer": viewer,
        "labels": [],
    }
    embed = entry["value"].get("embed") or {}
    if embed.get("$type") == "app.bsky.embed.images":
        view["embed"] = {
            "$type": "app.bsky.embed.images#view",
            "images": [
                {
                    "alt": i.get("alt", ""),
                    "thumb": f"https://cdn.sim.example/img/{i['image']['ref']['$link']}",
                    "fullsize": f"https://cdn.sim.example/img/{i['image']['ref']['$link']}",
                }
                for i in embed.get("images") or []
            ],
        }
    return view


def get_posts(state: BlueskyState, uris: list[str]) -> list[dict[str, Any]]:
    with state.lock:
        return [
            post_view(state, state.records[u])
            for u in uris
            if u in state.records and state.records[u]["collection"] == POST
        ]


def list_notifications(
    state: BlueskyState, *, reasons: list[str], limit: int, cursor: str | None
) -> dict[str, Any]:
    """Newest first; the cursor is the indexedAt of the last item returned."""
    before = moment(cursor, "cursor") if cursor else None
    with state.lock:
        items = [
            n
            for n in reversed(state.notifications)
            if (not reasons or n["reason"] in reasons)
            and n["uri"] in state.records
            and (before is None or moment(n["indexedAt"]) < before)
        ]
        page = items[:limit]
        out = []
        for n in page:
            entry = state.records[n["uri"]]
            parent = ((entry["value"].get("reply") or {}).get("parent") or {}).get("uri")
            item = {
                "uri": entry["uri"],
                "cid": entry["cid"],
                "author": _author(state, entry["did"]),
                "reason": n["reason"],
                "record": entry["value"],
                "isRead": False,
                "indexedAt": n["indexedAt"],
                "labels": [],
            }
            if n["reason"] == "reply" and parent:
                item["reasonSubject"] = parent
            out.append(item)
        body: dict[str, Any] = {"notifications": out}
        if len(items) > limit and page:
            body["cursor"] = page[-1]["indexedAt"]
        return body


def _matches(entry: dict[str, Any], terms: list[str]) -> bool:
    value = entry["value"]
    text = str(value.get("text") or "").casefold()
    tags = {
        str(f.get("tag", "")).casefold()
        for facet in value.get("facets") or []
        for f in facet.get("features") or []
        if f.get("$type") == "app.bsky.richtext.facet#tag"
    }
    for term in terms:
        if term.startswith("#"):
            if term[1:] not in tags and term not in text.split():
                return False
        elif term not in text:
            return False
    return True


def search_posts(
    state: BlueskyState, *, q: str, limit: int, since: str | None, cursor: str | None
) -> dict[str, Any]:
    """sort=latest: newest first; `since` is inclusive; the cursor is an offset."""
    terms = [t.casefold() for t in q.split() if t]
    after = moment(since) if since else None
    with state.lock:
        hits = [
            e
            for e in reversed(state.records.values())
            if e["collection"] == POST
            and _matches(e, terms)
            and (after is None or moment(e["indexedAt"]) >= after)
        ]
        offset = int(cursor) if cursor and cursor.isdigit() else 0
        page = hits[offset : offset + limit]
        body: dict[str, Any] = {
            "posts": [post_view(state, e) for e in page],
            "hitsTotal": len(hits),
        }
        if offset + limit < len(hits):
            body["cursor"] = str(offset + limit)
        return body


def profile(state: BlueskyState, actor: str) -> dict[str, Any] | None:
    with state.lock:
        found = state.resolve(actor)
        if found is None:
            return None
        posts = sum(
            1
            for r in state.records.values()
            if r["did"] == found["did"] and r["collection"] == POST
        )
        return {
            **_author(state, found["did"]),
            "followersCount": state.followers if found["did"] == OUR_DID else 10,
            "followsCount": 50,
            "postsCount": posts,
        }


def our_records(state: BlueskyState, collection: str) -> list[dict[str, Any]]:
    """What a test recounts: our records of one collection, oldest first."""
    with state.lock:
        out = []
        for r in state.records.values():
            if r["did"] != OUR_DID or r["collection"] != collection:
                continue
            value = r["value"]
            images = (value.get("embed") or {}).get("images") or []
            out.append(
                {
                    "uri": r["uri"],
                    "rkey": r["rkey"],
                    "cid": r["cid"],
                    "text": value.get("text"),
                    "created_at": value.get("createdAt"),
                    "reply_parent": ((value.get("reply") or {}).get("parent") or {}).get("uri"),
                    "reply_root": ((value.get("reply") or {}).get("root") or {}).get("uri"),
                    "subject": (value.get("subject") or {}).get("uri"),
                    "images": [
                        {
                            "alt": i.get("alt"),
                            "cid": i["image"]["ref"]["$link"],
                            "mime": i["image"].get("mimeType"),
                        }
                        for i in images
                    ],
                    "langs": value.get("langs") or [],
                }
            )
        return out
