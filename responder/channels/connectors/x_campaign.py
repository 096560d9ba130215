"""X operations for campaigns: standalone posts and threads with media (alt text set
through the media metadata endpoint), retweets, likes, follower counts. A mixin of
XConnector (x.py), kept apart to keep each module small.

X has no idempotency key: `find_post` looks for our recent tweet with the same text
and parent, and X itself refuses an exact duplicate of a recent tweet (403).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Any

from responder.channels.connectors.base import AccountStats, PostResult, TransportError

MAX_MEDIA = 4
PAGE_SIZE = 100
# Pages of our timeline read to find an earlier post (find_post): 1,000 tweets.
FIND_PAGES = 10

_URL = re.compile(r"https?://\S+")
_LEADING_MENTIONS = re.compile(r"^(?:\s*@\w+\s*)+")


def normalize_text(text: str) -> str:
    """Text as compared with what X returns: X escapes &<>, shortens links to t.co and
    may put the @handles of a reply in front."""
    text = html.unescape(text)
    text = _LEADING_MENTIONS.sub("", text)
    text = _URL.sub("<url>", text)
    return " ".join(text.split()).casefold()


class XCampaignOps:
    if TYPE_CHECKING:

        def _call(
            self,
            method: str,
            path: str,
            *,
            params: Any = None,
            json: Any = None,
            files: Any = None,
            data: Any = None,
        ) -> dict[str, Any]: ...

        def _tweet_url(self, tweet_id: str, username: str = "") -> str: ...

        @property
        def user_id(self) -> str: ...

        handle: str

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
        """POST /2/tweets (X posts are public; X detects the language itself)."""
        if len(media_ids) > MAX_MEDIA:
            raise TransportError(f"X takes at most {MAX_MEDIA} images.", permanent=True)
        body: dict[str, Any] = {"text": text}
        if media_ids:
            body["media"] = {"media_ids": list(media_ids)}
        if in_reply_to_id:
            body["reply"] = {"in_reply_to_tweet_id": in_reply_to_id}
        try:
            data = self._call("POST", "/2/tweets", json=body)
        except TransportError as exc:
            if exc.status == 403 and "duplicate" in exc.message.lower():
                found = self.find_post(
                    idempotency_key=idempotency_key, text=text, in_reply_to_id=in_reply_to_id
                )
                if found is not None:
                    return found
            raise
        tweet_id = str(data["data"]["id"])
        return PostResult(external_id=tweet_id, url=self._tweet_url(tweet_id, self.handle))

    def find_post(
        self, *, idempotency_key: str, text: str, in_reply_to_id: str | None = None
    ) -> PostResult | None:
        """Our recent tweet with this text and parent, if any: up to FIND_PAGES pages of
        our timeline, newest first (a campaign posting hundreds of tweets in minutes
        pushes the one we look for past the first page)."""
        wanted = normalize_text(text)
        token = ""
        for _page in range(FIND_PAGES):
            params: dict[str, Any] = {
                "max_results": PAGE_SIZE,
                "exclude": "retweets",
                "tweet.fields": "referenced_tweets,created_at",
            }
            if token:
                params["pagination_token"] = token
            data = self._call("GET", f"/2/users/{self.user_id}/tweets", params=params)
            for tweet in data.get("data") or []:
                parent = next(
                    (
                        str(r.get("id"))
                        for r in tweet.get("referenced_tweets") or []
                        if r.get("type") == "replied_to"
                    ),
                    None,
                )
                if parent != (in_reply_to_id or None):
                    continue
                if normalize_text(str(tweet.get("text") or "")) == wanted:
                    tweet_id = str(tweet["id"])
                    return PostResult(
                        external_id=tweet_id, url=self._tweet_url(tweet_id, self.handle)
                    )
            token = str((data.get("meta") or {}).get("next_token") or "")
            if not token:
                break
        return None

    def upload_media(self, *, data: bytes, mime: str, alt_text: str) -> str:
        """POST /2/media/upload, then the alt text with POST /2/media/metadata. X
        keeps an unused upload about 24 hours."""
        uploaded = self._call(
            "POST",
            "/2/media/upload",
            files={"media": ("image", data, mime)},
            data={"media_category": "tweet_image", "media_type": mime},
        )
        media_id = str((uploaded.get("data") or {}).get("id") or "")
        if not media_id:
            raise TransportError("X media upload: no media id in the answer.", permanent=False)
        if alt_text:
            self._call(
                "POST",
                "/2/media/metadata",
                json={"id": media_id, "metadata": {"alt_text": {"text": alt_text}}},
            )
        return media_id

    def _toggle(self, kind: str, external_id: str, on: bool) -> None:
        if on:
            self._call("POST", f"/2/users/{self.user_id}/{kind}", json={"tweet_id": external_id})
        else:
            self._call("DELETE", f"/2/users/{self.user_id}/{kind}/{external_id}")

    def boost(self, *, external_id: str) -> None:
        self._toggle("retweets", external_id, True)

    def unboost(self, *, external_id: str) -> None:
        self._toggle("retweets", external_id, False)

    def favourite(self, *, external_id: str) -> None:
        self._toggle("likes", external_id, True)

    def unfavourite(self, *, external_id: str) -> None:
        self._toggle("likes", external_id, False)

    def account_stats(self) -> AccountStats:
        data = self._call("GET", "/2/users/me", params={"user.fields": "public_metrics"})
        metrics = (data.get("data") or {}).get("public_metrics") or {}
        return AccountStats(
            followers=int(metrics.get("followers_count") or 0),
            following=int(metrics.get("following_count") or 0),
            posts=int(metrics.get("tweet_count") or 0),
        )
