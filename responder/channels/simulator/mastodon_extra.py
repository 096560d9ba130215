"""The Mastodon simulator's campaign calls: media uploads with descriptions, boosts
and favourites, our account's statuses and follower count; /_sim/mastodon/ controls
to recount them. Kept apart from server.py and state.py to keep both small."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from responder.channels.simulator.common import iso, multipart

if TYPE_CHECKING:
    from responder.channels.simulator.server import _Handler
    from responder.channels.simulator.state import SimState

ACTIONS = ("reblog", "unreblog", "favourite", "unfavourite")
MAX_MEDIA = 4
MAX_DESCRIPTION = 1500


@dataclass
class MastodonExtras:
    media: dict[str, dict[str, Any]] = field(default_factory=dict)
    reblogged: set[str] = field(default_factory=set)
    favourited: set[str] = field(default_factory=set)
    followers: int = 840


def extras(state: SimState) -> MastodonExtras:
    return state.mastodon_extras


def check_media(state: SimState, media_ids: list[str]) -> str:
    """An error message when the ids cannot go on a status, else ""."""
    known = extras(state).media
    if len(media_ids) > MAX_MEDIA:
        return f"Validation failed: Media attachments must not be more than {MAX_MEDIA}"
    missing = [m for m in media_ids if m not in known]
    return f"Validation failed: Media attachments {', '.join(missing)} not found" if missing else ""


def attach(state: SimState, status_id: str, media_ids: list[str]) -> dict[str, Any]:
    with state.lock:
        status = state.statuses[status_id]
        status["media_attachments"] = [extras(state).media[m] for m in media_ids]
        return state._public(status)


def _action(handler: _Handler, status_id: str, action: str, rate: dict[str, str]) -> None:
    state = handler.state
    with state.lock:
        status = state.statuses.get(status_id)
        if status is None:
            handler._error(404, "Record not found", rate)
            return
        ex = extras(state)
        chosen = ex.reblogged if action in ("reblog", "unreblog") else ex.favourited
        count = "reblogs_count" if action in ("reblog", "unreblog") else "favourites_count"
        on = not action.startswith("un")
        if on and status_id not in chosen:
            chosen.add(status_id)
            status[count] += 1
        elif not on and status_id in chosen:
            chosen.discard(status_id)
            status[count] = max(0, status[count] - 1)
        public = state._public(status)
        public["reblogged"] = status_id in ex.reblogged
        public["favourited"] = status_id in ex.favourited
        if action == "reblog":
            public = {
                "id": state.next_id(),
                "account": state.our_account,
                "reblog": public,
                "created_at": iso(dt.datetime.now(dt.UTC)),
                "content": "",
                "visibility": "public",
            }
    handler._send(200, public, headers=rate)


def _upload(handler: _Handler, rate: dict[str, str]) -> None:
    fields = multipart(handler._raw, handler.headers.get("Content-Type", ""))
    upload = fields.get("file")
    if upload is None or not upload[0]:
        handler._error(422, "Validation failed: File can't be blank", rate)
        return
    description = fields.get("description", (b"", ""))[0].decode()
    if len(description) > MAX_DESCRIPTION:
        handler._error(
            422,
            f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION} characters)",
            rate,
        )
        return
    state = handler.state
    media_id = state.next_id()
    url = f"https://{state.domain}/system/media_attachments/{media_id}/original.png"
    attachment = {
        "id": media_id,
        "type": "image",
        "url": url,
        "preview_url": url,
        "remote_url": None,
        "description": description or None,
        "blurhash": "UeKUpFxuo~R%0nW;WCnhF6RjaJt757oJodS$",
        "meta": {"original": {"size": f"{len(upload[0])}B"}},
        "_mime": upload[1],
    }
    with state.lock:
        extras(state).media[media_id] = attachment
    handler._send(200, {k: v for k, v in attachment.items() if not k.startswith("_")}, headers=rate)


def route(handler: _Handler, method: str, path: str, rate: dict[str, str]) -> bool:
    """Answers the calls above; False when the path is not one of them."""
    state = handler.state
    parts = path.strip("/").split("/")
    if method == "GET" and path == "/api/v1/accounts/verify_credentials":
        with state.lock:
            account = dict(state.our_account)
            account.update(
                followers_count=extras(state).followers,
                following_count=120,
                statuses_count=len(state.posts),
            )
        handler._send(200, account, headers=rate)
    elif (
        method == "POST"
        and len(parts) == 5
        and parts[:3] == ["api", "v1", "statuses"]
        and (parts[4] in ACTIONS)
    ):
        _action(handler, parts[3], parts[4], rate)
    elif method == "POST" and path == "/api/v2/media":
        _upload(handler, rate)
    elif (
        method == "GET"
        and len(parts) == 5
        and parts[:3] == ["api", "v1", "accounts"]
        and (parts[4] == "statuses")
    ):
        query = handler._query()
        limit = min(int((query.get("limit") or ["20"])[-1] or 20), 40)
        with state.lock:
            mine = [
                state._public(state.statuses[s])
                for s in reversed(state.status_order)
                if state.statuses[s]["account"]["id"] == parts[3]
            ][:limit]
        handler._send(200, mine, headers=rate)
    else:
        return False
    return True


def control(handler: _Handler, method: str, name: str) -> None:
    """/_sim/mastodon/<name>: recount our boosts, favourites and media; set followers."""
    state = handler.state
    ex = extras(state)
    if name == "actions" and method == "GET":
        with state.lock:
            handler._send(
                200, {"reblogged": sorted(ex.reblogged), "favourited": sorted(ex.favourited)}
            )
    elif name == "media" and method == "GET":
        with state.lock:
            handler._send(
                200,
                [
                    {"id": m["id"], "description": m["description"], "mime": m["_mime"]}
                    for m in ex.media.values()
                ],
            )
    elif name == "config" and method == "POST":
        data = handler._body()
        with state.lock:
            if "followers" in data:
                ex.followers = int(data["followers"])
        handler._send(200, {"ok": True})
    else:
        handler._error(404, "Unknown simulator control endpoint")
