"""Bluesky operations for campaigns: standalone posts and threads with images (alt
text in the embed) and hashtag facets, reposts, likes, follower counts. A mixin of
BlueskyConnector (bluesky.py), kept apart to keep each module small.

Reposts and likes are records too: their record key is derived from the post, so
doing it twice writes the same key (harmless), and undoing deletes it (and any
repost/like the account made elsewhere, which the AppView names in ``viewer``).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import httpx

from responder.channels.connectors.base import AccountStats, PostResult, TransportError
from responder.channels.connectors.bluesky_parsing import rkey_of, text_facets, tid_for_key

POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
LIKE = "app.bsky.feed.like"
MAX_IMAGES = 4


def _now() -> str:
    return dt.datetime.now(tz=dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class BlueskyCampaignOps:
    if TYPE_CHECKING:

        def _call(
            self, method: str, nsid: str, *, params: Any = None, json: Any = None
        ) -> dict[str, Any]: ...

        def _session(self) -> dict[str, Any]: ...

        def _get_posts(self, uris: list[str]) -> dict[str, dict[str, Any]]: ...

        def _result(self, uri: str) -> PostResult: ...

        def _error(self, nsid: str, response: httpx.Response) -> TransportError: ...

        @property
        def did(self) -> str: ...

        base_url: str
        _client: httpx.Client
        _last_response: httpx.Response | None

    # --- records ------------------------------------------------------------------------
    def _record(self, collection: str, rkey: str) -> dict[str, Any] | None:
        try:
            return self._call(
                "GET",
                "com.atproto.repo.getRecord",
                params={"repo": self.did, "collection": collection, "rkey": rkey},
            )
        except TransportError as exc:
            if getattr(exc, "error", "") == "RecordNotFound" or exc.status == 404:
                return None
            raise

    def _write_record(self, collection: str, rkey: str, record: dict[str, Any]) -> str:
        """createRecord with a key fixed in advance; when the outcome is unclear or
        refused, the record already under that key is ours. Returns its URI."""
        body = {"repo": self.did, "collection": collection, "rkey": rkey, "record": record}
        try:
            return str(self._call("POST", "com.atproto.repo.createRecord", json=body)["uri"])
        except TransportError as exc:
            if exc.status in (401, 429) or (exc.permanent and exc.status is None):
                raise
            try:
                existing = self._record(collection, rkey)
            except TransportError:
                raise exc from None
            if existing is None:
                raise
            return str(existing["uri"])

    # --- posting ------------------------------------------------------------------------
    def _images(self, media_ids: list[str]) -> dict[str, Any]:
        if len(media_ids) > MAX_IMAGES:
            raise TransportError(f"Bluesky takes at most {MAX_IMAGES} images.", permanent=True)
        images = []
        for media_id in media_ids:
            try:
                media = json.loads(media_id)
                image = {"alt": str(media["alt"]), "image": dict(media["blob"])}
            except (ValueError, KeyError, TypeError) as exc:
                raise TransportError(
                    "Bluesky: a media id is not one upload_media returned.", permanent=True
                ) from exc
            images.append(image)
        return {"$type": "app.bsky.embed.images", "images": images}

    def post(
        self,
        *,
        text: str,
        media_ids: list[str],
        visibility: str,
        idempotency_key: str,
        in_reply_to_id: str | None = None,
        language: str | None = None,
    ) -> PostResult:
        """A post (all Bluesky posts are public) whose record key comes from the
        idempotency key, so a retry cannot post twice."""
        record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now()}
        if language:
            record["langs"] = [language]
        facets = text_facets(text)
        if facets:
            record["facets"] = facets
        if media_ids:
            record["embed"] = self._images(media_ids)
        if in_reply_to_id:
            parent = self._get_posts([in_reply_to_id]).get(in_reply_to_id)
            if parent is None:
                raise TransportError(
                    "Bluesky: the post to continue was not found.", permanent=True, status=404
                )
            parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
            root = ((parent.get("record") or {}).get("reply") or {}).get("root") or parent_ref
            record["reply"] = {"root": root, "parent": parent_ref}
        uri = self._write_record(POST, tid_for_key(idempotency_key), record)
        return self._result(uri)

    def find_post(
        self, *, idempotency_key: str, text: str, in_reply_to_id: str | None = None
    ) -> PostResult | None:
        existing = self._record(POST, tid_for_key(idempotency_key))
        if existing is None:
            return None
        value = existing.get("value") or {}
        parent = ((value.get("reply") or {}).get("parent") or {}).get("uri")
        if (parent or None) != (in_reply_to_id or None):
            return None
        return self._result(str(existing["uri"]))

    def upload_media(self, *, data: bytes, mime: str, alt_text: str) -> str:
        """uploadBlob; the media id carries the blob reference and the alt text,
        which goes in the post's embed (Bluesky keeps alt text on the post)."""
        token = self._session()["accessJwt"]
        try:
            response = self._client.post(
                f"{self.base_url}/xrpc/com.atproto.repo.uploadBlob",
                content=data,
                headers={"Authorization": f"Bearer {token}", "Content-Type": mime},
            )
        except httpx.HTTPError as exc:
            raise TransportError(f"Bluesky uploadBlob: {exc!r}", permanent=False) from exc
        self._last_response = response
        if not response.is_success:
            raise self._error("com.atproto.repo.uploadBlob", response)
        blob = response.json().get("blob")
        if not isinstance(blob, dict):
            raise TransportError("Bluesky uploadBlob: no blob in the answer.", permanent=False)
        return json.dumps({"blob": blob, "alt": alt_text}, sort_keys=True)

    # --- engaging -----------------------------------------------------------------------
    def _subject(self, external_id: str) -> dict[str, Any]:
        post = self._get_posts([external_id]).get(external_id)
        if post is None:
            raise TransportError(
                "Bluesky: the post was not found (deleted or hidden).", permanent=True, status=404
            )
        return post

    def _engage(self, collection: str, viewer_key: str, external_id: str) -> None:
        post = self._subject(external_id)
        if (post.get("viewer") or {}).get(viewer_key):
            return  # already done, here or from another client
        record = {
            "$type": collection,
            "subject": {"uri": post["uri"], "cid": post["cid"]},
            "createdAt": _now(),
        }
        self._write_record(collection, tid_for_key(f"{collection}:{external_id}"), record)

    def _disengage(self, collection: str, viewer_key: str, external_id: str) -> None:
        post = self._get_posts([external_id]).get(external_id) or {}
        rkeys = {tid_for_key(f"{collection}:{external_id}")}
        done = (post.get("viewer") or {}).get(viewer_key)
        if done:
            rkeys.add(rkey_of(str(done)))
        for rkey in sorted(rkeys):  # deleting a missing record is a no-op
            self._call(
                "POST",
                "com.atproto.repo.deleteRecord",
                json={"repo": self.did, "collection": collection, "rkey": rkey},
            )

    def boost(self, *, external_id: str) -> None:
        self._engage(REPOST, "repost", external_id)

    def unboost(self, *, external_id: str) -> None:
        self._disengage(REPOST, "repost", external_id)

    def favourite(self, *, external_id: str) -> None:
        self._engage(LIKE, "like", external_id)

    def unfavourite(self, *, external_id: str) -> None:
        self._disengage(LIKE, "like", external_id)

    def account_stats(self) -> AccountStats:
        data = self._call("GET", "app.bsky.actor.getProfile", params={"actor": self.did})
        return AccountStats(
            followers=int(data.get("followersCount") or 0),
            following=int(data.get("followsCount") or 0),
            posts=int(data.get("postsCount") or 0),
        )
