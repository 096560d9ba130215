"""In-memory state of the platform simulator: one Mastodon server with our account.

Everything is guarded by one lock; the HTTP handler and the citizens' thread call in.
"""

from __future__ import annotations

import datetime as dt
import html
import queue
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from responder.channels.simulator.bluesky.state import BlueskyState
from responder.channels.simulator.community import Community
from responder.channels.simulator.mastodon_extra import MastodonExtras
from responder.channels.simulator.x.state import XState

OUR_USERNAME = "passports"
OUR_ACCOUNT_ID = "1"
_MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9_]+(?:@[A-Za-z0-9_.\-]+)?)")
_TAG_RE = re.compile(r"(?<![\w#])#(\w+)")
_URL_RE = re.compile(r"https?://[^\s<]+")
VISIBILITIES = ("public", "unlisted", "private", "direct")
MAX_STATUS_CHARS = 500


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class Fault:
    """A failure to inject into the next `times` matching API requests."""

    status: int | None = None
    times: int = 1
    path_prefix: str = "/api/"
    method: str | None = None
    delay_ms: int = 0
    drop: bool = False
    malformed: bool = False
    # Serve the request (a post is written) but cut the connection instead of answering.
    lose_answer: bool = False
    reset_format: str = "iso"  # iso | epoch: how X-RateLimit-Reset is written on 429
    retry_after_seconds: int = 30
    message: str = ""

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return path.startswith(self.path_prefix)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class RateWindow:
    limit: int = 300
    seconds: int = 300
    started: float = field(default_factory=time.time)
    used: int = 0


class SimState:
    """The simulated server. Public methods take the lock themselves."""

    def __init__(self, *, base_url: str, token: str, domain: str = "sim.example") -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.domain = domain
        self.lock = threading.RLock()
        self._reset_locked()

    # --- housekeeping -----------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.close_streams()
            self._reset_locked()

    def _reset_locked(self) -> None:
        self._last_id = 0
        self.accounts: dict[str, dict[str, Any]] = {}
        self.statuses: dict[str, dict[str, Any]] = {}
        self.status_order: list[str] = []  # ascending ids
        self.notifications: list[dict[str, Any]] = []  # ascending ids
        self.idempotency: dict[tuple[str, str], str] = {}
        self.posts: list[str] = []
        self.post_keys: dict[str, str] = {}
        self.faults: list[Fault] = []
        self.streams: list[queue.Queue[dict[str, Any] | None]] = getattr(self, "streams", [])
        self.rate = RateWindow()
        self.requests_served = 0
        self.our_account = self._account(OUR_USERNAME, "Passport Office", local=True)
        self.our_account["id"] = OUR_ACCOUNT_ID
        # The other platforms the simulator speaks; the app password is the token.
        self.bluesky = BlueskyState(lock=self.lock, password=self.token)
        self.x = XState(lock=self.lock, token=self.token)
        self.mastodon_extras = MastodonExtras()
        self.community = Community()

    def next_id(self) -> str:
        """Snowflake-like: milliseconds since the epoch shifted left 16 bits, plus a
        sequence; strictly increasing, as numeric strings, like Mastodon's."""
        with self.lock:
            candidate = int(time.time() * 1000) << 16
            self._last_id = max(candidate, self._last_id + 1)
            return str(self._last_id)

    # --- accounts ---------------------------------------------------------------------
    def _account(self, acct: str, display_name: str = "", *, local: bool = False) -> dict:
        acct = acct.lstrip("@")
        if acct in self.accounts:
            return self.accounts[acct]
        username = acct.split("@", 1)[0]
        host = acct.split("@", 1)[1] if "@" in acct else self.domain
        account = {
            "id": str(len(self.accounts) + 1000) if not local else OUR_ACCOUNT_ID,
            "username": username,
            "acct": acct,
            "display_name": display_name or username,
            "url": f"https://{host}/@{username}",
            "avatar": "",
            "bot": False,
            "locked": False,
            "created_at": _iso(dt.datetime(2020, 1, 1, tzinfo=dt.UTC)),
        }
        self.accounts[acct] = account
        return account

    # --- rate limit -------------------------------------------------------------------
    def rate_headers(self, *, exhausted: bool = False, fault: Fault | None = None) -> dict:
        with self.lock:
            now = time.time()
            if now - self.rate.started >= self.rate.seconds:
                self.rate.started, self.rate.used = now, 0
            self.rate.used += 1
            remaining = 0 if exhausted else max(0, self.rate.limit - self.rate.used)
            reset = self.rate.started + self.rate.seconds
            reset_format = "iso"
            if fault is not None:
                reset = now + fault.retry_after_seconds
                reset_format = fault.reset_format
            reset_value = (
                str(int(reset))
                if reset_format == "epoch"
                else _iso(dt.datetime.fromtimestamp(reset, dt.UTC))
            )
            return {
                "X-RateLimit-Limit": str(self.rate.limit),
                "X-RateLimit-Remaining": str(remaining),
                "X-RateLimit-Reset": reset_value,
            }

    # --- faults -----------------------------------------------------------------------
    def fault_add(self, data: dict[str, Any]) -> Fault:
        allowed = set(Fault.__dataclass_fields__)
        fault = Fault(**{k: v for k, v in data.items() if k in allowed})
        with self.lock:
            self.faults.append(fault)
        return fault

    def fault_take(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(method, path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    # --- statuses ---------------------------------------------------------------------
    def _render(self, text: str) -> str:
        """Plain text to Mastodon-style HTML: escaped, mentions and tags as links."""
        paragraphs = []
        for para in re.split(r"\n{2,}", text.strip()):
            escaped = html.escape(para, quote=False)
            escaped = _URL_RE.sub(
                lambda m: (
                    f'<a href="{m.group(0)}" rel="nofollow noopener" target="_blank">'
                    f'<span class="invisible">{m.group(0).split("//", 1)[0]}//</span>'
                    f"<span>{m.group(0).split('//', 1)[1]}</span></a>"
                ),
                escaped,
            )
            escaped = _MENTION_RE.sub(
                lambda m: (
                    '<span class="h-card"><a href="https://{}/@{}" class="u-url mention">'
                    "@<span>{}</span></a></span>".format(
                        m.group(1).split("@", 1)[1] if "@" in m.group(1) else self.domain,
                        m.group(1).split("@", 1)[0],
                        m.group(1).split("@", 1)[0],
                    )
                ),
                escaped,
            )
            escaped = _TAG_RE.sub(
                lambda m: (
                    f'<a href="https://{self.domain}/tags/{m.group(1).lower()}" '
                    f'class="mention hashtag" rel="tag">#<span>{m.group(1)}</span></a>'
                ),
                escaped,
            )
            paragraphs.append("<p>" + escaped.replace("\n", "<br />") + "</p>")
        return "".join(paragraphs)

    def status_create(
        self,
        *,
        account: dict[str, Any],
        text: str,
        visibility: str = "public",
        language: str | None = None,
        in_reply_to_id: str | None = None,
        tags: list[str] | None = None,
    ) -> dict[str, Any]:
        with self.lock:
            sid = self.next_id()
            parent = self.statuses.get(in_reply_to_id or "")
            all_tags = {t.lower() for t in _TAG_RE.findall(text)} | {
                t.lstrip("#").lower() for t in (tags or [])
            }
            mentioned = []
            for acct in _MENTION_RE.findall(text):
                target = self._account(acct)
                mentioned.append(
                    {
                        "id": target["id"],
                        "username": target["username"],
                        "acct": target["acct"],
                        "url": target["url"],
                    }
                )
            status = {
                "id": sid,
                "uri": f"https://{self.domain}/users/{account['username']}/statuses/{sid}",
                "url": f"https://{self.domain}/@{account['username']}/{sid}",
                "created_at": _iso(dt.datetime.now(dt.UTC)),
                "account": account,
                "content": self._render(text),
                "visibility": visibility,
                "sensitive": False,
                "spoiler_text": "",
                "language": language,
                "in_reply_to_id": parent["id"] if parent else None,
                "in_reply_to_account_id": parent["account"]["id"] if parent else None,
                "reblog": None,
                "mentions": mentioned,
                "tags": [
                    {"name": t, "url": f"https://{self.domain}/tags/{t}"} for t in sorted(all_tags)
                ],
                "media_attachments": [],
                "replies_count": 0,
                "reblogs_count": 0,
                "favourites_count": 0,
                "_text": text,
            }
            self.statuses[sid] = status
            self.status_order.append(sid)
            if parent:
                parent["replies_count"] += 1
            return status

    def mention_create(self, data: dict[str, Any]) -> dict[str, Any]:
        """A citizen posts; unless `mention` is false our account is notified."""
        acct = str(data.get("acct") or "citizen@mastodon.example").lstrip("@")
        text = str(data.get("text") or "")
        notify = data.get("mention", True)
        with self.lock:
            author = self._account(acct, str(data.get("display_name") or ""))
            if notify and f"@{OUR_USERNAME}" not in text:
                text = f"@{OUR_USERNAME} {text}"
            tags = list(data.get("tags") or [])
            if tags:
                text = text + " " + " ".join("#" + t.lstrip("#") for t in tags)
            status = self.status_create(
                account=author,
                text=text,
                visibility=str(data.get("visibility") or "public"),
                language=data.get("lang") or data.get("language"),
                in_reply_to_id=data.get("in_reply_to_id"),
            )
            notification = None
            if notify:
                notification = {
                    "id": self.next_id(),
                    "type": "mention",
                    "created_at": status["created_at"],
                    "account": author,
                    "status_id": status["id"],
                }
                self.notifications.append(notification)
                self._broadcast(notification)
            return {
                "status_id": status["id"],
                "notification_id": notification["id"] if notification else None,
                "url": status["url"],
                "acct": acct,
            }

    def public_status(self, sid: str) -> dict[str, Any] | None:
        with self.lock:
            status = self.statuses.get(sid)
            return self._public(status) if status else None

    def _public(self, status: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in status.items() if not k.startswith("_")}

    def public_notification(self, notification: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in notification.items() if k != "status_id"}
        out["status"] = self._public(self.statuses[notification["status_id"]])
        return out

    def context(self, sid: str) -> dict[str, Any] | None:
        with self.lock:
            status = self.statuses.get(sid)
            if status is None:
                return None
            ancestors: list[dict[str, Any]] = []
            parent_id = status["in_reply_to_id"]
            while parent_id and parent_id in self.statuses:
                ancestors.insert(0, self._public(self.statuses[parent_id]))
                parent_id = self.statuses[parent_id]["in_reply_to_id"]
            descendants = []
            ids_in_thread = {sid}
            for other in self.status_order:
                candidate = self.statuses[other]
                if candidate["in_reply_to_id"] in ids_in_thread:
                    ids_in_thread.add(other)
                    descendants.append(self._public(candidate))
            return {"ancestors": ancestors, "descendants": descendants}

    def our_post(
        self,
        *,
        text: str,
        in_reply_to_id: str | None,
        visibility: str,
        language: str | None,
        idempotency_key: str | None,
    ) -> tuple[dict[str, Any], bool]:
        """Post as our account. Returns (status, created); a repeated Idempotency-Key
        returns the first status and created=False."""
        with self.lock:
            if idempotency_key:
                known = self.idempotency.get((self.token, idempotency_key))
                if known:
                    return self._public(self.statuses[known]), False
            status = self.status_create(
                account=self.our_account,
                text=text,
                visibility=visibility,
                language=language,
                in_reply_to_id=in_reply_to_id,
            )
            if idempotency_key:
                self.idempotency[(self.token, idempotency_key)] = status["id"]
                self.post_keys[status["id"]] = idempotency_key
            self.posts.append(status["id"])
            return self._public(status), True

    def posts_list(self) -> list[dict[str, Any]]:
        with self.lock:
            return [
                {
                    "id": sid,
                    "text": self.statuses[sid]["_text"],
                    "content": self.statuses[sid]["content"],
                    "in_reply_to_id": self.statuses[sid]["in_reply_to_id"],
                    "visibility": self.statuses[sid]["visibility"],
                    "language": self.statuses[sid]["language"],
                    "idempotency_key": self.post_keys.get(sid),
                    "url": self.statuses[sid]["url"],
                    "media": self.statuses[sid]["media_attachments"],
                    "created_at": self.statuses[sid]["created_at"],
                }
                for sid in self.posts
            ]

    def engage(self, data: dict[str, Any]) -> dict[str, Any] | None:
        with self.lock:
            status = self.statuses.get(str(data.get("status_id") or data.get("id") or ""))
            if status is None:
                return None
            for key, field_name in (
                ("favourites", "favourites_count"),
                ("reblogs", "reblogs_count"),
                ("boosts", "reblogs_count"),
                ("replies", "replies_count"),
            ):
                if key in data:
                    status[field_name] = int(data[key])
            return self._public(status)

    # --- paging (Mastodon's semantics) ------------------------------------------------
    @staticmethod
    def page(
        ids: list[str],
        *,
        limit: int,
        max_id: str | None,
        since_id: str | None,
        min_id: str | None,
    ) -> list[str]:
        """`ids` ascending. Like Mastodon, the result is always newest first; with
        min_id it is the `limit` items immediately newer than min_id."""

        def key(value: str) -> int:
            try:
                return int(value)
            except ValueError:
                return 0

        selected = [
            i
            for i in ids
            if (max_id is None or int(i) < key(max_id))
            and (since_id is None or int(i) > key(since_id))
            and (min_id is None or int(i) > key(min_id))
        ]
        if min_id is not None:
            return list(reversed(selected[:limit]))
        return list(reversed(selected[-limit:])) if limit else []

    def notifications_page(
        self, *, types: list[str], exclude: list[str], **paging: Any
    ) -> list[dict[str, Any]]:
        with self.lock:
            visible = {
                n["id"]: n
                for n in self.notifications
                if (not types or n["type"] in types) and n["type"] not in exclude
            }
            ids = self.page(list(visible), **paging)
            return [self.public_notification(visible[i]) for i in ids]

    def tag_page(self, *, tag: str, **paging: Any) -> list[dict[str, Any]]:
        tag = tag.lower()
        with self.lock:
            matching = [
                sid
                for sid in self.status_order
                if self.statuses[sid]["visibility"] == "public"
                and any(t["name"] == tag for t in self.statuses[sid]["tags"])
            ]
            return [self._public(self.statuses[i]) for i in self.page(matching, **paging)]

    # --- streaming --------------------------------------------------------------------
    def stream_open(self) -> queue.Queue[dict[str, Any] | None]:
        q: queue.Queue[dict[str, Any] | None] = queue.Queue()
        with self.lock:
            self.streams.append(q)
        return q

    def stream_close(self, q: queue.Queue[dict[str, Any] | None]) -> None:
        with self.lock:
            if q in self.streams:
                self.streams.remove(q)

    def close_streams(self) -> int:
        with self.lock:
            count = len(self.streams)
            for q in self.streams:
                q.put(None)
            self.streams = []
            return count

    def _broadcast(self, notification: dict[str, Any]) -> None:
        payload = self.public_notification(notification)
        for q in self.streams:
            q.put(payload)

    def health(self) -> dict[str, Any]:
        with self.lock:
            return {
                "ok": True,
                "statuses": len(self.statuses),
                "notifications": len(self.notifications),
                "posts": len(self.posts),
                "faults": [f.as_dict() for f in self.faults],
                "streams": len(self.streams),
                "requests_served": self.requests_served,
            }
