"""Mastodon operations for campaigns: standalone posts and threads, media with alt
text (``description``), boosts, favourites and follower counts. A mixin of
MastodonConnector (mastodon.py), kept apart to keep each module small."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from responder.channels.connectors.base import AccountStats, PostResult, TransportError
from responder.channels.connectors.mastodon_parsing import html_to_text, normalized_reply_text

#: Mastodon takes at most four images per status.
MAX_MEDIA = 4
OWN_STATUSES_LIMIT = 40


class MastodonCampaignOps:
    if TYPE_CHECKING:

        def _request(
            self,
            method: str,
            url: str,
            *,
            params: Any = None,
            json_body: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None,
        ) -> httpx.Response: ...

        def _json(self, response: httpx.Response) -> Any: ...

        def own_account_id(self) -> str: ...

        def _error(self, response: httpx.Response) -> TransportError: ...

        _client: httpx.Client
        _host: str

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
        """A status, with the Idempotency-Key (a repeat within about an hour returns
        the first status); `in_reply_to_id` makes it the next item of a thread."""
        if len(media_ids) > MAX_MEDIA:
            raise TransportError(f"Mastodon takes at most {MAX_MEDIA} images.", permanent=True)
        body: dict[str, Any] = {"status": text, "visibility": visibility or "public"}
        if media_ids:
            body["media_ids"] = list(media_ids)
        if in_reply_to_id:
            body["in_reply_to_id"] = in_reply_to_id
        if language:
            body["language"] = language
        response = self._request(
            "POST",
            "/api/v1/statuses",
            json_body=body,
            headers={"Idempotency-Key": str(idempotency_key)},
        )
        return self._post_result(self._json(response))

    @staticmethod
    def _post_result(data: Any) -> PostResult:
        if not isinstance(data, dict) or not data.get("id"):
            raise TransportError("The server's answer has no post id.", permanent=False)
        return PostResult(external_id=str(data["id"]), url=str(data.get("url") or data.get("uri")))

    def find_post(
        self, *, idempotency_key: str, text: str, in_reply_to_id: str | None = None
    ) -> PostResult | None:
        """Our recent status with this text (and parent): Mastodon does not show
        idempotency keys, so the text identifies it among our last 40 statuses."""
        own = self.own_account_id()
        response = self._request(
            "GET",
            f"/api/v1/accounts/{quote(own, safe='')}/statuses",
            params={"limit": OWN_STATUSES_LIMIT, "exclude_reblogs": "true"},
        )
        wanted = normalized_reply_text(text)
        for status in self._json(response) or []:
            if not isinstance(status, dict):
                continue
            if str(status.get("in_reply_to_id") or "") != str(in_reply_to_id or ""):
                continue
            if normalized_reply_text(html_to_text(str(status.get("content") or ""))) == wanted:
                return self._post_result(status)
        return None

    def upload_media(self, *, data: bytes, mime: str, alt_text: str) -> str:
        """POST /api/v2/media with the alt text as `description`. A 202 means the
        server is still processing; the id is usable once it is done."""
        try:
            response = self._client.post(
                "/api/v2/media",
                files={"file": ("image", data, mime)},
                data={"description": alt_text},
            )
        except httpx.HTTPError as exc:
            raise TransportError(
                f"Could not reach {self._host} ({type(exc).__name__}).", permanent=False
            ) from None
        if response.status_code >= 400:
            raise self._error(response)
        data_out = self._json(response)
        if not isinstance(data_out, dict) or not data_out.get("id"):
            raise TransportError("The server's answer has no media id.", permanent=False)
        return str(data_out["id"])

    def _status_action(self, external_id: str, action: str) -> None:
        try:
            self._request("POST", f"/api/v1/statuses/{quote(external_id, safe='')}/{action}")
        except TransportError as exc:
            if exc.status == 404:
                raise TransportError(
                    "The post no longer exists.", permanent=True, status=404
                ) from None
            raise

    def boost(self, *, external_id: str) -> None:
        self._status_action(external_id, "reblog")

    def unboost(self, *, external_id: str) -> None:
        self._status_action(external_id, "unreblog")

    def favourite(self, *, external_id: str) -> None:
        self._status_action(external_id, "favourite")

    def unfavourite(self, *, external_id: str) -> None:
        self._status_action(external_id, "unfavourite")

    def account_stats(self) -> AccountStats:
        data = self._json(self._request("GET", "/api/v1/accounts/verify_credentials"))
        if not isinstance(data, dict):
            raise TransportError("The server's answer has no account.", permanent=False)
        return AccountStats(
            followers=int(data.get("followers_count") or 0),
            following=int(data.get("following_count") or 0),
            posts=int(data.get("statuses_count") or 0),
        )
