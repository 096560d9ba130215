"""Mastodon connector: the client API as documented at docs.joinmastodon.org.

Plain httpx rather than Mastodon.py: we need the raw `Link` and `X-RateLimit-*`
headers, the `Idempotency-Key` header, exact control over timeouts and no sleeping
on rate limits (a worker must never sleep), and the same code against any server
that implements the API (Mastodon, GoToSocial, Pleroma/Akkoma, our simulator).

Tokens go only in the Authorization header, never in URLs or messages, so neither
httpx's request log nor our errors can show them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from responder.channels.connectors.base import (
    Engagement,
    FetchResult,
    ItemError,
    Mention,
    PostResult,
    RateLimit,
    TransportError,
)
from responder.channels.connectors.headers import rate_limit_from
from responder.channels.connectors.mastodon_campaign import MastodonCampaignOps
from responder.channels.connectors.mastodon_parsing import (
    html_to_text,
    id_key,
    item_error,
    normalized_reply_text,
    status_to_mention,
)

#: Notifications per page (Mastodon's maximum is 80) and pages per fetch: a poll
#: reads at most 400 mentions, then the next poll goes on from the cursor.
NOTIFICATIONS_LIMIT = 80
TAG_LIMIT = 40
MAX_PAGES = 5

# Never more public than the question. Unknown values (e.g. "limited" on some forks)
# become direct: a reply that is too private can be fixed, one too public cannot.
_VISIBILITY = {"public": "public", "unlisted": "unlisted", "private": "private", "direct": "direct"}


class MastodonConnector(MastodonCampaignOps):
    """Talks to one Mastodon account. Build it with `build()` or connector_for()."""

    session_state: dict[str, Any] | None = None
    # Mastodon keeps an Idempotency-Key about an hour (posting leaves a margin);
    # "not found among the status's replies" can miss a reply still being federated.
    idempotency_key_lifetime: dt.timedelta | None = dt.timedelta(minutes=50)
    reply_check_is_reliable = False

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str,
        timeout: float = 10.0,
        max_pages: int | None = None,
        page_limit: int | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not base_url:
            raise TransportError("The account has no server URL.", permanent=True)
        if not access_token:
            raise TransportError("The account has no access token.", permanent=True)
        self.base_url = base_url.rstrip("/")
        self._host = urlsplit(self.base_url).netloc
        # Read at call time (not as defaults) so tests and benches can shrink pages.
        self.max_pages = max_pages or MAX_PAGES
        self.page_limit = page_limit
        self.timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "User-Agent": "Responder/1.0 (+mastodon connector)",
            "Accept": "application/json",
        }
        self._client = httpx.Client(
            base_url=self.base_url,
            headers=self._headers,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            transport=transport,
            follow_redirects=False,
        )
        self._own_account_id: str | None = None
        self.last_rate_limit: RateLimit | None = None
        self._stream_response: httpx.Response | None = None
        self._closed = threading.Event()

    def __repr__(self) -> str:
        return f"<MastodonConnector {self.base_url}>"

    def close(self) -> None:
        self._closed.set()
        response = self._stream_response
        if response is not None:
            # Closing from another thread may race with the reader: ignore that.
            with contextlib.suppress(Exception):
                response.close()
        self._client.close()

    # --- HTTP ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json_body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.request(
                method, url, params=params, json=json_body, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TransportError(
                f"{self._host} did not answer in time ({type(exc).__name__}).", permanent=False
            ) from None
        except httpx.HTTPError as exc:
            raise TransportError(
                f"Could not reach {self._host} ({type(exc).__name__}).", permanent=False
            ) from None
        self.last_rate_limit = rate_limit_from(response.headers, "x-ratelimit-")
        if response.status_code >= 400:
            raise self._error(response)
        return response

    def _error(self, response: httpx.Response) -> TransportError:
        status = response.status_code
        message = ""
        try:
            data = response.json()
            if isinstance(data, dict):
                message = str(data.get("error") or "")
                if data.get("error_description"):
                    message = f"{message}: {data['error_description']}"
        except ValueError:
            message = response.text[:200].strip()
        message = message or response.reason_phrase or "error"
        text = f"{self._host} answered {status}: {message}"
        if status == 429:
            reset = self.last_rate_limit.reset_at if self.last_rate_limit else None
            if reset is None and response.headers.get("retry-after"):
                try:
                    reset = dt.datetime.now(dt.UTC) + dt.timedelta(
                        seconds=float(response.headers["retry-after"])
                    )
                except ValueError:
                    reset = None
            return TransportError(text, permanent=False, status=status, retry_at=reset)
        if status >= 500 or status in (408, 409, 425):
            return TransportError(text, permanent=False, status=status)
        return TransportError(text, permanent=True, status=status)

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise TransportError(
                f"{self._host} sent a page that is not JSON.", permanent=False
            ) from None

    def _same_server(self, url: str) -> bool:
        # Never send our token to another host a Link header might name.
        return urlsplit(url).netloc == self._host

    # --- reading ------------------------------------------------------------------------
    def verify(self) -> str:
        data = self._json(self._request("GET", "/api/v1/accounts/verify_credentials"))
        if not isinstance(data, dict) or "id" not in data:
            raise TransportError("The server's answer has no account.", permanent=True)
        self._own_account_id = str(data["id"])
        return str(data.get("acct") or data.get("username") or "")

    def _pages(
        self, path: str, params: dict[str, Any]
    ) -> Iterator[tuple[list[Any], str | None, int]]:
        """Pages forward with min_id, following Link rel="prev" (which is the next
        newer page in Mastodon's terms). Yields (items, prev min_id, limit)."""
        url: str = path
        query: dict[str, Any] | None = params
        limit = int(params.get("limit", 40))
        for _ in range(self.max_pages):
            response = self._request("GET", url, params=query)
            items = self._json(response)
            if not isinstance(items, list):
                raise TransportError(
                    f"{self._host} sent a page that is not a list.", permanent=False
                )
            prev = response.links.get("prev", {}).get("url")
            prev_min_id: str | None = None
            if prev:
                prev_min_id = (parse_qs(urlsplit(prev).query).get("min_id") or [""])[0] or None
            yield items, prev_min_id, limit
            if not items or len(items) < limit:
                return
            if prev and self._same_server(prev):
                url, query = prev, None
            else:
                newest = max((str(i.get("id")) for i in items if isinstance(i, dict)), key=id_key)
                url, query = path, {**params, "min_id": newest}

    def _collect(
        self, path: str, params: dict[str, Any], cursor: str, *, source: str
    ) -> FetchResult:
        mentions: dict[str, Mention] = {}
        errors: list[ItemError] = []
        new_cursor = cursor
        for items, prev_min_id, _limit in self._pages(path, params):
            ids = [str(i["id"]) for i in items if isinstance(i, dict) and i.get("id")]
            for candidate in [*ids, prev_min_id or ""]:
                if candidate and (not new_cursor or id_key(candidate) > id_key(new_cursor)):
                    new_cursor = candidate
            ordered = sorted(
                items,
                key=lambda i: id_key(str(i.get("id") or "")) if isinstance(i, dict) else (0, ""),
            )
            for item in ordered:
                try:
                    if source == "mention":
                        if item.get("type") != "mention":
                            continue
                        mention = status_to_mention(item["status"], source=source)
                    else:
                        if item.get("reblog"):
                            continue
                        mention = status_to_mention(item, source=source)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    errors.append(item_error(item, exc))
                    continue
                mentions.setdefault(mention.external_id, mention)
        ordered_mentions = sorted(
            mentions.values(), key=lambda m: (m.created_at, id_key(m.external_id))
        )
        return FetchResult(
            mentions=ordered_mentions,
            cursor=new_cursor,
            errors=errors,
            rate_limit=self.last_rate_limit,
        )

    def fetch_mentions(self, *, cursor: str) -> FetchResult:
        """Mention notifications after `cursor` (a notification id), oldest first.
        An empty cursor starts from the account's oldest notification, so nothing
        that arrived before the account was connected is missed."""
        params = {
            "types[]": "mention",
            "limit": self.page_limit or NOTIFICATIONS_LIMIT,
            "min_id": cursor or "0",
        }
        return self._collect("/api/v1/notifications", params, cursor, source="mention")

    def fetch_hashtag(self, *, tag: str, cursor: str) -> FetchResult:
        """Public posts with #tag after `cursor` (a status id), oldest first. An empty
        cursor starts from the newest page: a campaign tracks from now on, not the
        tag's whole history."""
        path = f"/api/v1/timelines/tag/{quote(tag.lstrip('#'), safe='')}"
        params: dict[str, Any] = {"limit": min(self.page_limit or TAG_LIMIT, TAG_LIMIT)}
        if cursor:
            params["min_id"] = cursor
            return self._collect(path, params, cursor, source="hashtag")
        pages, self.max_pages = self.max_pages, 1
        try:
            return self._collect(path, params, cursor, source="hashtag")
        finally:
            self.max_pages = pages

    def status_get(self, *, external_id: str) -> dict[str, Any]:
        data = self._json(self._request("GET", f"/api/v1/statuses/{quote(external_id, safe='')}"))
        if not isinstance(data, dict):
            raise TransportError("The server's answer is not a status.", permanent=False)
        return data

    # --- writing ------------------------------------------------------------------------
    def post_reply(
        self, *, text: str, in_reply_to_id: str, visibility: str, idempotency_key: str
    ) -> PostResult:
        """Reply with the same visibility as the question (public stays public: an
        answer others can find saves the next citizen a question; unlisted, private
        and direct are kept). The Idempotency-Key makes a repeat return the first
        post (servers keep keys about an hour; find_reply covers longer gaps)."""
        body = {
            "status": text,
            "in_reply_to_id": in_reply_to_id,
            "visibility": _VISIBILITY.get(visibility, "direct"),
        }
        response = self._request(
            "POST",
            "/api/v1/statuses",
            json_body=body,
            headers={"Idempotency-Key": str(idempotency_key)},
        )
        data = self._json(response)
        if not isinstance(data, dict) or not data.get("id"):
            raise TransportError("The server's answer has no post id.", permanent=False)
        return PostResult(external_id=str(data["id"]), url=str(data.get("url") or data.get("uri")))

    def own_account_id(self) -> str:
        if self._own_account_id is None:
            self.verify()
        assert self._own_account_id is not None
        return self._own_account_id

    def find_reply(
        self, *, in_reply_to_id: str, idempotency_key: str, text: str
    ) -> PostResult | None:
        """Our reply to `in_reply_to_id` with the same text, among the thread's
        descendants, or None. Mastodon does not expose idempotency keys, so the
        text (without leading mentions) identifies it."""
        own = self.own_account_id()
        try:
            response = self._request(
                "GET", f"/api/v1/statuses/{quote(in_reply_to_id, safe='')}/context"
            )
        except TransportError as exc:
            if exc.status == 404:
                raise TransportError(
                    "The post we reply to no longer exists.", permanent=True, status=404
                ) from None
            raise
        data = self._json(response)
        wanted = normalized_reply_text(text)
        for status in (data or {}).get("descendants") or []:
            if not isinstance(status, dict):
                continue
            account = status.get("account") or {}
            if str(account.get("id")) != own:
                continue
            if str(status.get("in_reply_to_id") or "") != str(in_reply_to_id):
                continue
            if normalized_reply_text(html_to_text(str(status.get("content") or ""))) == wanted:
                return PostResult(
                    external_id=str(status["id"]), url=str(status.get("url") or status.get("uri"))
                )
        return None

    def engagement(self, *, external_ids: list[str]) -> dict[str, Engagement]:
        """Counts for each of our posts that still exists (deleted ones are left out)."""
        counts: dict[str, Engagement] = {}
        for external_id in external_ids:
            try:
                status = self.status_get(external_id=external_id)
            except TransportError as exc:
                if exc.status in (404, 410):
                    continue
                raise
            counts[external_id] = Engagement(
                favourites=int(status.get("favourites_count") or 0),
                boosts=int(status.get("reblogs_count") or 0),
                replies=int(status.get("replies_count") or 0),
            )
        return counts

    # --- streaming ----------------------------------------------------------------------
    def stream_mentions(self, *, read_timeout: float = 90.0) -> Iterator[Mention | ItemError]:
        """Mentions as they arrive on the streaming API (server-sent events). Ends
        (returns or raises TransportError) when the stream drops or close() is
        called. The server sends a heartbeat at least every ~15 s; a longer silence
        means a dead connection, so reads time out."""
        timeout = httpx.Timeout(self.timeout, read=read_timeout)
        try:
            with self._client.stream(
                "GET", "/api/v1/streaming/user/notification", timeout=timeout
            ) as response:
                self._stream_response = response
                if response.status_code >= 400:
                    response.read()
                    raise self._error(response)
                event, data_lines = "", cast(list[str], [])
                for line in response.iter_lines():
                    if self._closed.is_set():
                        return
                    if line.startswith(":"):
                        continue
                    if line == "":
                        if event == "notification" and data_lines:
                            result = self._stream_item("\n".join(data_lines))
                            if result is not None:
                                yield result
                        event, data_lines = "", []
                    elif line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:"):
                        data_lines.append(line[5:].lstrip())
        except httpx.HTTPError as exc:
            if self._closed.is_set():
                return
            raise TransportError(
                f"The stream from {self._host} dropped ({type(exc).__name__}).", permanent=False
            ) from None
        finally:
            self._stream_response = None

    def _stream_item(self, data: str) -> Mention | ItemError | None:
        item: Any = None
        try:
            item = json.loads(data)
            if isinstance(item, dict) and item.get("type") != "mention":
                return None  # follows, favourites...: not for the inbox
            return status_to_mention(item["status"], source="mention")
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            return item_error(item if item is not None else {"data": data[:2000]}, exc)


def build(
    *, base_url: str, credentials: dict[str, Any], session_state: dict[str, Any] | None = None
) -> MastodonConnector:
    return MastodonConnector(
        base_url=base_url, access_token=str(credentials.get("access_token") or "")
    )
