"""Bluesky's data as plain values: notifications and posts to Mentions, post web
URLs, the record key derived for a reply, mention facets, a JWT's expiry. No HTTP
here (the connector is in bluesky.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from responder.channels.connectors.base import Mention
from responder.channels.connectors.headers import parse_time

WEB_URL = "https://bsky.app"

_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
# Derived record keys carry a timestamp inside this window (2023-01-01 .. +2 years):
# in the past, so they never sort ahead of keys the account's other clients choose.
_TID_WINDOW_START_US = 1_672_531_200_000_000
_TID_WINDOW_US = 2 * 365 * 24 * 3600 * 1_000_000


def tid_for_key(idempotency_key: str) -> str:
    """The record key of the reply for this idempotency key: a valid TID (13 base32
    characters, 53-bit microsecond timestamp + 10-bit clock id), the same every time."""
    digest = hashlib.sha256(f"responder-rkey:{idempotency_key}".encode()).digest()
    n = int.from_bytes(digest[:8], "big")
    micros = _TID_WINDOW_START_US + (n >> 10) % _TID_WINDOW_US
    value = (micros << 10) | (n & 0x3FF)
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def jwt_expires_at(token: str) -> float | None:
    """The `exp` claim of a JWT, unverified: only used to refresh before it lapses."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return float(json.loads(base64.urlsafe_b64decode(payload))["exp"])
    except (IndexError, KeyError, ValueError, TypeError):
        return None


def rkey_of(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[-1]


def did_of(uri: str) -> str:
    # at://did:plc:abc/app.bsky.feed.post/3k... -> did:plc:abc
    return uri.removeprefix("at://").split("/", 1)[0]


def post_web_url(*, handle_or_did: str, uri: str) -> str:
    return f"{WEB_URL}/profile/{handle_or_did}/post/{rkey_of(uri)}"


def mention_from(item: Mapping[str, Any], source: str = "mention") -> Mention:
    """A notification (reason mention or reply) or a post from a search, as a Mention.
    Raises KeyError, TypeError or ValueError when it cannot be read."""
    uri = str(item["uri"])
    author = item["author"]
    record = item["record"]
    text = record["text"]
    if not isinstance(text, str):
        raise TypeError("record.text is not a string")
    created = parse_time(record.get("createdAt")) or parse_time(item.get("indexedAt"))
    if created is None:
        raise ValueError("no createdAt")
    reply = record.get("reply") or {}
    langs = record.get("langs") or []
    handle = str(author["handle"])
    return Mention(
        external_id=uri,
        author_handle=handle,
        author_name=str(author.get("displayName") or ""),
        author_external_id=str(author["did"]),
        text=text,
        url=post_web_url(handle_or_did=handle, uri=uri),
        created_at=created,
        visibility="public",
        conversation_id=str((reply.get("root") or {}).get("uri") or uri),
        in_reply_to_external_id=str((reply.get("parent") or {}).get("uri") or ""),
        language_hint=str(langs[0]) if langs else "",
        source=source,
    )


def mention_facets(text: str, author: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A mention facet for the citizen's @handle in our text, so they are notified.
    Facet offsets count UTF-8 bytes, not characters."""
    handle = str(author.get("handle") or "")
    did = str(author.get("did") or "")
    if not (handle and did):
        return []
    needle = f"@{handle}"
    at = text.lower().find(needle.lower())
    if at < 0:
        return []
    start = len(text[:at].encode())
    return [
        {
            "index": {"byteStart": start, "byteEnd": start + len(needle.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
        }
    ]


_TAG = re.compile(r"(?<![\w#])#([^\s#.,;:!?()\[\]{}\"']+)")
_LINK = re.compile(r"https?://[^\s)\]]+[^\s)\].,;:!?\"']")


def text_facets(text: str) -> list[dict[str, Any]]:
    """Tag and link facets for our own post, so its #hashtags are searchable as tags
    and its links clickable (Bluesky does not find them in the text by itself)."""

    def span(start: int, end: int) -> dict[str, int]:
        return {"byteStart": len(text[:start].encode()), "byteEnd": len(text[:end].encode())}

    facets = [
        {
            "index": span(m.start(), m.end()),
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": m.group(1)}],
        }
        for m in _TAG.finditer(text)
    ]
    facets += [
        {
            "index": span(m.start(), m.end()),
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": m.group(0)}],
        }
        for m in _LINK.finditer(text)
    ]
    return sorted(facets, key=lambda f: f["index"]["byteStart"])
