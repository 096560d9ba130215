"""A simulated X (API v2) holding our account, the citizens' tweets, our retweets and
likes, and uploaded media with their alt text. Guarded by the simulator's lock."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from typing import Any

from responder.channels.simulator.common import Clock, Refusal, Window, iso

OUR_USERNAME = "passports"
OUR_USER_ID = "1500000000000000001"
MAX_CHARS = 280
MAX_ALT_CHARS = 1000
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
_MENTION = re.compile(r"(?<!\w)@(\w{1,15})")
_TAG = re.compile(r"(?<![\w#])#(\w+)")


class XState:
    def __init__(self, *, lock: threading.RLock, token: str) -> None:
        self.lock = lock
        self.token = token
        self.clock = Clock()
        self._last_id = 0
        self.users: dict[str, dict[str, Any]] = {}  # id -> user
        self.tweets: dict[str, dict[str, Any]] = {}  # id -> tweet, in creation order
        self.retweets: set[str] = set()  # tweet ids we retweeted
        self.likes: set[str] = set()
        self.media: dict[str, dict[str, Any]] = {}
        self.extra: dict[str, dict[str, int]] = {}
        self.followers = 3400
        self.window = Window(limit=900, seconds=900)
        # OAuth 2.0: the configured token, tokens issued by refresh, rotating refresh tokens.
        self.revoked: set[str] = set()
        self.issued: dict[str, float] = {}
        self.refresh_tokens: set[str] = {f"{token}-refresh"}
        self.refreshes = 0
        self.user(OUR_USERNAME, "Passport Office", user_id=OUR_USER_ID)

    def next_id(self) -> str:
        """Snowflake-like: milliseconds since X's epoch shifted left 22 bits."""
        with self.lock:
            candidate = (int(time.time() * 1000) - 1288834974657) << 22
            self._last_id = max(candidate, self._last_id + 1)
            return str(self._last_id)

    def user(self, username: str, name: str = "", *, user_id: str | None = None) -> dict:
        username = username.lstrip("@")
        found = next((u for u in self.users.values() if u["username"] == username), None)
        if found is None:
            found = {
                "id": user_id or str(1600000000000000000 + len(self.users)),
                "username": username,
                "name": name or username,
            }
            self.users[found["id"]] = found
        return found

    def authorize(self, token: str) -> None:
        with self.lock:
            configured = token == self.token and token not in self.revoked
            if not configured and self.issued.get(token, 0) <= time.time():
                raise Refusal(401, "Unauthorized", "Unauthorized")

    def token_refresh(self, data: dict[str, Any]) -> dict[str, Any]:
        """POST /2/oauth2/token with grant_type=refresh_token: a new access token and a
        new refresh token (the old one stops working)."""
        with self.lock:
            refresh = str(data.get("refresh_token") or "")
            if data.get("grant_type") != "refresh_token" or refresh not in self.refresh_tokens:
                raise Refusal(400, "invalid_request", "Value passed for the token was invalid.")
            if not data.get("client_id"):
                raise Refusal(401, "unauthorized_client", "Missing valid authorization header")
            self.refreshes += 1
            seed = f"{refresh}:{self.refreshes}".encode()
            access = "x-access-" + hashlib.sha256(seed).hexdigest()[:32]
            new_refresh = "x-refresh-" + hashlib.sha256(b"r" + seed).hexdigest()[:32]
            self.refresh_tokens.discard(refresh)
            self.refresh_tokens.add(new_refresh)
            self.issued[access] = time.time() + 7200
            return {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": access,
                "scope": "tweet.read tweet.write users.read like.write offline.access",
                "refresh_token": new_refresh,
            }

    def expire_tokens(self) -> None:
        """The configured access token and every issued one stop working."""
        with self.lock:
            self.revoked.add(self.token)
            self.issued.clear()

    # --- tweets -------------------------------------------------------------------------
    def tweet_create(
        self,
        *,
        author: dict[str, Any],
        text: str,
        reply_to: str | None = None,
        media_ids: list[str] | None = None,
        lang: str | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            parent = self.tweets.get(reply_to or "")
            if reply_to and parent is None:
                raise Refusal(
                    400,
                    "Invalid Request",
                    "The Tweet you are replying to is not visible or was deleted.",
                )
            for media_id in media_ids or []:
                if media_id not in self.media:
                    raise Refusal(
                        400, "Invalid Request", f"Your media IDs are invalid: [{media_id}]"
                    )
            tweet_id = self.next_id()
            mentioned = [self.user(u) for u in _MENTION.findall(text)]
            tweet: dict[str, Any] = {
                "id": tweet_id,
                "text": text,
                "author_id": author["id"],
                "created_at": iso(self.clock.now()),
                "conversation_id": parent["conversation_id"] if parent else tweet_id,
                "lang": lang or "und",
                "edit_history_tweet_ids": [tweet_id],
                "_tags": [t.lower() for t in _TAG.findall(text)],
                "_mentions": [u["id"] for u in mentioned],
                "_media": list(media_ids or []),
            }
            if parent:
                tweet["in_reply_to_user_id"] = parent["author_id"]
                tweet["referenced_tweets"] = [{"type": "replied_to", "id": parent["id"]}]
            if media_ids:
                tweet["attachments"] = {
                    "media_keys": [self.media[m]["media_key"] for m in media_ids]
                }
            self.tweets[tweet_id] = tweet
            return tweet

    def our_tweet(self, *, text: str, reply_to: str | None, media_ids: list[str]) -> dict:
        with self.lock:
            if not text.strip() and not media_ids:
                raise Refusal(400, "Invalid Request", "Tweet text is empty.")
            if len(text) > MAX_CHARS:
                raise Refusal(403, "Forbidden", "Your Tweet text is too long.")
            for tweet in self.tweets.values():
                if tweet["author_id"] == OUR_USER_ID and tweet["text"] == text and text:
                    raise Refusal(403, "Forbidden", DUPLICATE)
            return self.tweet_create(
                author=self.users[OUR_USER_ID], text=text, reply_to=reply_to, media_ids=media_ids
            )

    def citizen_tweet(self, data: dict[str, Any]) -> dict[str, Any]:
        """A citizen tweets; mentions @us unless `mention` is false."""
        with self.lock:
            author = self.user(
                str(data.get("username") or "citizen"),
                str(data.get("name") or data.get("display_name") or ""),
            )
            text = str(data.get("text") or "")
            if data.get("mention", True) and f"@{OUR_USERNAME}" not in text:
                text = f"@{OUR_USERNAME} {text}"
            tags = [str(t).lstrip("#") for t in data.get("tags") or []]
            if tags:
                text = text + " " + " ".join(f"#{t}" for t in tags)
            tweet = self.tweet_create(
                author=author,
                text=text,
                reply_to=data.get("in_reply_to_id") or None,
                lang=data.get("lang") or None,
            )
            return {"id": tweet["id"], "username": author["username"], "author_id": author["id"]}

    def metrics(self, tweet_id: str) -> dict[str, int]:
        extra = self.extra.get(tweet_id, {})
        replies = sum(
            1
            for t in self.tweets.values()
            if any(r["id"] == tweet_id for r in t.get("referenced_tweets") or [])
        )
        return {
            "retweet_count": int(tweet_id in self.retweets) + extra.get("retweets", 0),
            "reply_count": replies + extra.get("replies", 0),
            "like_count": int(tweet_id in self.likes) + extra.get("likes", 0),
            "quote_count": extra.get("quotes", 0),
            "bookmark_count": 0,
            "impression_count": extra.get("impressions", 0),
        }

    # --- engagement and media -----------------------------------------------------------
    def toggle(self, kind: str, tweet_id: str, on: bool) -> bool:
        with self.lock:
            if tweet_id not in self.tweets:
                raise Refusal(
                    400, "Invalid Request", "One or more parameters to your request was invalid."
                )
            chosen = self.retweets if kind == "retweets" else self.likes
            if on:
                chosen.add(tweet_id)
            else:
                chosen.discard(tweet_id)
            return on

    def media_add(self, data: bytes, mime: str, category: str) -> dict[str, Any]:
        with self.lock:
            media_id = self.next_id()
            entry = {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(data),
                "mime": mime,
                "category": category,
                "alt_text": None,
            }
            self.media[media_id] = entry
            return entry

    def media_alt(self, media_id: str, text: str) -> dict[str, Any]:
        with self.lock:
            entry = self.media.get(media_id)
            if entry is None:
                raise Refusal(400, "Invalid Request", f"Media id {media_id} not found.")
            if len(text) > MAX_ALT_CHARS:
                raise Refusal(
                    400, "Invalid Request", f"Alt text must be {MAX_ALT_CHARS} characters or fewer."
                )
            entry["alt_text"] = text
            return entry

    # --- what a test recounts -----------------------------------------------------------
    def our_tweets(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "id": t["id"],
                    "text": t["text"],
                    "created_at": t["created_at"],
                    "in_reply_to_id": next(
                        (r["id"] for r in t.get("referenced_tweets") or []), None
                    ),
                    "media": [
                        {
                            "id": m,
                            "alt_text": self.media[m]["alt_text"],
                            "mime": self.media[m]["mime"],
                        }
                        for m in t["_media"]
                    ],
                }
                for t in self.tweets.values()
                if t["author_id"] == OUR_USER_ID
            ]
