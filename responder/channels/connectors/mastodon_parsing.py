"""Parsing Mastodon's answers into plain data: status HTML to text, statuses to
Mentions, rate-limit reset times, id ordering. No HTTP here."""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser
from typing import Any

from responder.channels.connectors.base import ItemError, Mention

_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-]+)?\s*)+")


def id_key(value: str) -> tuple[int, str]:
    """Sort key for Mastodon ids: numeric strings compare as numbers (by length
    first), which also orders any other string ids consistently."""
    return (len(value), value)


class _TextExtractor(HTMLParser):
    """Mastodon's status HTML to plain text: paragraphs and <br> become line breaks,
    entities are unescaped, tags dropped. Hidden URL parts (class="invisible") are
    kept so links come out whole."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in ("p", "li", "blockquote", "pre") and self.parts:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(content: str) -> str:
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def normalized_reply_text(text: str) -> str:
    """For matching our own reply after a crash: no leading @handles (servers render
    a remote mention as just @user), whitespace folded."""
    return " ".join(_LEADING_MENTIONS.sub("", text).split())


def _parse_time(value: Any) -> dt.datetime:
    if not isinstance(value, str):
        raise ValueError("created_at missing")
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_to_mention(status: dict[str, Any], *, source: str) -> Mention:
    """One status to a Mention; raises (KeyError, TypeError, ValueError) if malformed."""
    if not isinstance(status, dict):
        raise TypeError("status is not an object")
    account = status["account"]
    if not isinstance(account, dict):
        raise TypeError("status has no account")
    content = status["content"]
    if not isinstance(content, str):
        raise TypeError("status has no content")
    text = html_to_text(content)
    spoiler = status.get("spoiler_text") or ""
    if spoiler:
        text = f"{spoiler}\n\n{text}"
    pleroma = status.get("pleroma") if isinstance(status.get("pleroma"), dict) else {}
    return Mention(
        external_id=str(status["id"]),
        author_handle=str(account["acct"]),
        author_name=str(account.get("display_name") or account.get("username") or ""),
        author_external_id=str(account.get("id") or ""),
        text=text,
        url=str(status.get("url") or status.get("uri") or ""),
        created_at=_parse_time(status["created_at"]),
        visibility=str(status.get("visibility") or "public"),
        # Mastodon has no conversation id on statuses; Pleroma/Akkoma do.
        conversation_id=str(
            status.get("conversation_id") or (pleroma or {}).get("conversation_id") or ""
        ),
        in_reply_to_external_id=str(status.get("in_reply_to_id") or ""),
        language_hint=str(status.get("language") or ""),
        source=source,
    )


def item_error(item: Any, exc: Exception) -> ItemError:
    external_id = ""
    payload: dict[str, Any] = {}
    if isinstance(item, dict):
        payload = item
        status = item.get("status")
        if isinstance(status, dict) and status.get("id"):
            external_id = str(status["id"])
        elif item.get("id"):
            external_id = str(item["id"])
    else:
        payload = {"item": repr(item)[:2000]}
    try:
        json.dumps(payload)
    except (TypeError, ValueError):
        payload = {"item": repr(payload)[:2000]}
    return ItemError(
        external_id=external_id, error=f"{type(exc).__name__}: {exc}"[:1000], payload=payload
    )
