"""A simulated Bluesky PDS + AppView holding our account and the citizens' posts.

Shapes follow the lexicons (com.atproto.server.*, com.atproto.repo.*,
app.bsky.notification.listNotifications, app.bsky.feed.getPosts/searchPosts,
app.bsky.actor.getProfile). Guarded by the simulator's lock.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import time
from typing import Any

from responder.channels.simulator.common import Clock, Refusal, Window, cid_for, iso, make_jwt

OUR_HANDLE = "passports.sim.example"
OUR_DID = "did:plc:passportsimulat0r234567"
POST = "app.bsky.feed.post"
LIKE = "app.bsky.feed.like"
REPOST = "app.bsky.feed.repost"
COLLECTIONS = (POST, LIKE, REPOST)
MAX_GRAPHEMES = 300
MAX_IMAGES = 4
MAX_IMAGE_BYTES = 1_000_000
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TAG = re.compile(r"(?<![\w#])#(\w+)")


def did_for(handle: str) -> str:
    digest = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()
    return f"did:plc:{digest[:24]}"


class BlueskyState:
    def __init__(self, *, lock: threading.RLock, password: str) -> None:
        self.lock = lock
        self.password = password
        self.clock = Clock()
        self.actors: dict[str, dict[str, Any]] = {}
        self.records: dict[str, dict[str, Any]] = {}  # uri -> record entry, in creation order
        self.notifications: list[dict[str, Any]] = []  # oldest first
        self.blobs: dict[str, dict[str, Any]] = {}
        self.access: dict[str, float] = {}  # access token -> expiry (epoch)
        self.refresh_tokens: set[str] = set()
        self.sessions_created = 0
        self.session_window = Window(limit=30, seconds=300)
        self.window = Window(limit=3000, seconds=300)
        self.access_ttl = 7200
        self.extra: dict[str, dict[str, int]] = {}  # uri -> engagement added by a test
        self.followers = 1200
        self._tid_clock = 0
        self.actor(OUR_HANDLE, "Passport Office")

    # --- identities and sessions -------------------------------------------------------
    def actor(self, handle: str, display_name: str = "") -> dict[str, Any]:
        handle = handle.lstrip("@")
        did = OUR_DID if handle == OUR_HANDLE else did_for(handle)
        if did not in self.actors:
            self.actors[did] = {"did": did, "handle": handle, "displayName": display_name or handle}
        return self.actors[did]

    def resolve(self, actor: str) -> dict[str, Any] | None:
        if actor in self.actors:
            return self.actors[actor]
        return next((a for a in self.actors.values() if a["handle"] == actor.lstrip("@")), None)

    def _tokens(self) -> dict[str, Any]:
        now = time.time()
        access = make_jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": OUR_DID,
                "iat": int(now),
                "exp": int(now + self.access_ttl),
                "jti": cid_for(str(now) + str(len(self.access))),
            }
        )
        refresh = make_jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": OUR_DID,
                "iat": int(now),
                "exp": int(now + 90 * 86400),
                "jti": cid_for(access),
            }
        )
        self.access[access] = now + self.access_ttl
        self.refresh_tokens.add(refresh)
        return {
            "did": OUR_DID,
            "handle": OUR_HANDLE,
            "email": "social@passports.example",
            "emailConfirmed": True,
            "active": True,
            "accessJwt": access,
            "refreshJwt": refresh,
        }

    def session_create(self, identifier: str, password: str) -> dict[str, Any]:
        with self.lock:
            if self.session_window.full():
                limit, _remaining, reset = self.session_window.take(exhausted=True)
                raise Refusal(
                    429,
                    "RateLimitExceeded",
                    "Rate Limit Exceeded",
                    {
                        "ratelimit-limit": str(limit),
                        "ratelimit-remaining": "0",
                        "ratelimit-reset": str(reset),
                        "ratelimit-policy": f"{limit};w={self.session_window.seconds}",
                    },
                )
            self.session_window.take()
            if identifier not in (OUR_HANDLE, OUR_DID) or password != self.password:
                raise Refusal(401, "AuthenticationRequired", "Invalid identifier or password")
            self.sessions_created += 1
            return self._tokens()

    def session_refresh(self, token: str) -> dict[str, Any]:
        with self.lock:
            if token not in self.refresh_tokens:
                raise Refusal(400, "ExpiredToken", "Token has been revoked")
            self.refresh_tokens.discard(token)  # refresh tokens rotate
            return self._tokens()

    def authorize(self, token: str) -> None:
        with self.lock:
            expires = self.access.get(token)
            if expires is None:
                raise Refusal(401, "InvalidToken", "Token could not be verified")
            if expires <= time.time():
                raise Refusal(400, "ExpiredToken", "Token has expired")

    def expire_sessions(self) -> int:
        """Every access token lapses now (the refresh tokens stay valid)."""
        with self.lock:
            for token in self.access:
                self.access[token] = 0
            return len(self.access)

    # --- records ------------------------------------------------------------------------
    def next_tid(self) -> str:
        with self.lock:
            self._tid_clock = max(int(time.time() * 1_000_000), self._tid_clock + 1)
            value = (self._tid_clock << 10) | 7
            chars = []
            for _ in range(13):
                chars.append(_TID_ALPHABET[value & 31])
                value >>= 5
            return "".join(reversed(chars))

    def _check_post(self, value: dict[str, Any]) -> None:
        text = value.get("text")
        if not isinstance(text, str):
            raise Refusal(400, "InvalidRecord", 'Record must have the property "text"')
        if len(text) > MAX_GRAPHEMES:
            raise Refusal(
                400,
                "InvalidRecord",
                f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes",
            )
        if not isinstance(value.get("createdAt"), str):
            raise Refusal(400, "InvalidRecord", 'Record must have the property "createdAt"')
        embed = value.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.images":
            images = embed.get("images") or []
            if len(images) > MAX_IMAGES:
                raise Refusal(
                    400,
                    "InvalidRecord",
                    f"Record/embed/images must not have more than {MAX_IMAGES} elements",
                )
            for n, image in enumerate(images):
                # The lexicon requires the property; an empty string is accepted.
                if not isinstance(image.get("alt"), str):
                    raise Refusal(
                        400,
                        "InvalidRecord",
                        f'Record/embed/images/{n} must have the property "alt"',
                    )
                link = ((image.get("image") or {}).get("ref") or {}).get("$link")
                blob = self.blobs.get(str(link))
                if blob is None:
                    raise Refusal(400, "InvalidRequest", f"Could not find blob: {link}")
                if blob["size"] > MAX_IMAGE_BYTES:
                    raise Refusal(
                        400, "InvalidRecord", f"Record/embed/images/{n}/image file too large"
                    )

    def _check_subject(self, value: dict[str, Any]) -> None:
        subject = value.get("subject") or {}
        if not (isinstance(subject.get("uri"), str) and isinstance(subject.get("cid"), str)):
            raise Refusal(400, "InvalidRecord", 'Record/subject must have the property "cid"')

    def record_create(
        self, *, did: str, collection: str, rkey: str | None, value: dict[str, Any]
    ) -> dict[str, Any]:
        with self.lock:
            if collection not in COLLECTIONS:
                raise Refusal(400, "InvalidRequest", f"Unsupported collection: {collection}")
            if rkey is not None and not _TID.match(rkey):
                raise Refusal(400, "InvalidRequest", f"Invalid record key: {rkey}")
            if collection == POST:
                self._check_post(value)
            else:
                self._check_subject(value)
            rkey = rkey or self.next_tid()
            uri = f"at://{did}/{collection}/{rkey}"
            if uri in self.records:
                raise Refusal(400, "InvalidRequest", f"Record already exists: {uri}")
            entry = {
                "uri": uri,
                "cid": cid_for(value),
                "did": did,
                "collection": collection,
                "rkey": rkey,
                "value": {"$type": collection, **value},
                "indexedAt": iso(self.clock.now()),
            }
            self.records[uri] = entry
            self._notify(entry)
            return entry

    def record_get(self, *, did: str, collection: str, rkey: str) -> dict[str, Any]:
        with self.lock:
            uri = f"at://{did}/{collection}/{rkey}"
            entry = self.records.get(uri)
            if entry is None:
                raise Refusal(400, "RecordNotFound", f"Could not locate record: {uri}")
            return {"uri": uri, "cid": entry["cid"], "value": entry["value"]}

    def record_delete(self, *, did: str, collection: str, rkey: str) -> bool:
        with self.lock:
            return self.records.pop(f"at://{did}/{collection}/{rkey}", None) is not None

    def blob_add(self, data: bytes, mime: str) -> dict[str, Any]:
        with self.lock:
            cid = cid_for(data)
            self.blobs[cid] = {"mimeType": mime, "size": len(data)}
            return {"$type": "blob", "ref": {"$link": cid}, "mimeType": mime, "size": len(data)}

    # --- citizens -----------------------------------------------------------------------
    def _notify(self, entry: dict[str, Any]) -> None:
        if entry["did"] == OUR_DID or entry["collection"] != POST:
            return
        value = entry["value"]
        parent = ((value.get("reply") or {}).get("parent") or {}).get("uri", "")
        mentioned = any(
            f.get("did") == OUR_DID
            for facet in value.get("facets") or []
            for f in facet.get("features") or []
        )
        reason = (
            "reply"
            if str(parent).startswith(f"at://{OUR_DID}/")
            else ("mention" if mentioned else "")
        )
        if reason:
            self.notifications.append(
                {"uri": entry["uri"], "reason": reason, "indexedAt": entry["indexedAt"]}
            )

    def citizen_post(self, data: dict[str, Any]) -> dict[str, Any]:
        """A citizen posts; mentions @us unless `mention` is false, replies to
        `reply_to` (a post URI) when given, and carries #`tags`."""
        with self.lock:
            author = self.actor(
                str(data.get("handle") or "citizen.bsky.example"),
                str(data.get("display_name") or ""),
            )
            text = str(data.get("text") or "")
            if data.get("mention", True) and f"@{OUR_HANDLE}" not in text:
                text = f"@{OUR_HANDLE} {text}"
            tags = [str(t).lstrip("#") for t in data.get("tags") or []]
            if tags:
                text = text + " " + " ".join(f"#{t}" for t in tags)
            value: dict[str, Any] = {"text": text, "createdAt": iso(self.clock.now())}
            if data.get("lang"):
                value["langs"] = [str(data["lang"])]
            facets = self._facets(text)
            if facets:
                value["facets"] = facets
            parent = self.records.get(str(data.get("reply_to") or ""))
            if parent is not None:
                parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
                root = (parent["value"].get("reply") or {}).get("root") or parent_ref
                value["reply"] = {"root": root, "parent": parent_ref}
            entry = self.record_create(did=author["did"], collection=POST, rkey=None, value=value)
            return {
                "uri": entry["uri"],
                "cid": entry["cid"],
                "handle": author["handle"],
                "notified": bool(
                    self.notifications and self.notifications[-1]["uri"] == entry["uri"]
                ),
            }

    def _facets(self, text: str) -> list[dict[str, Any]]:
        facets = []
        needle = f"@{OUR_HANDLE}"
        at = text.find(needle)
        if at >= 0:
            start = len(text[:at].encode())
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(needle.encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": OUR_DID}],
                }
            )
        for match in _TAG.finditer(text):
            start = len(text[: match.start()].encode())
            facets.append(
                {
                    "index": {"byteStart": start, "byteEnd": start + len(match.group(0).encode())},
                    "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": match.group(1)}],
                }
            )
        return facets
