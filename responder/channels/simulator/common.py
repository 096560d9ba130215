"""What the simulated platforms share: times, rate-limit windows, content ids, JWTs,
multipart bodies, and the Refusal a platform module raises to answer with an error."""

from __future__ import annotations

import base64
import datetime as dt
import email.parser
import email.policy
import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any


def iso(moment: dt.datetime) -> str:
    """ISO-8601 with milliseconds and "Z", as all three platforms write times."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


class Clock:
    """Strictly increasing times (one millisecond apart at least), so items written in
    the same millisecond still sort, as a platform's index does."""

    def __init__(self) -> None:
        self._last_ms = 0
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            self._last_ms = max(int(time.time() * 1000), self._last_ms + 1)
            return dt.datetime.fromtimestamp(self._last_ms / 1000, dt.UTC)


class Refusal(Exception):
    """A platform's error answer: the HTTP status, its error code and message."""

    def __init__(
        self, status: int, error: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.error = error
        self.message = message
        self.headers = headers or {}


@dataclass
class Window:
    """A fixed rate-limit window: `limit` calls per `seconds`."""

    limit: int = 3000
    seconds: int = 300
    started: float = field(default_factory=time.time)
    used: int = 0

    def take(self, *, exhausted: bool = False) -> tuple[int, int, int]:
        """Counts one call; returns (limit, remaining, reset as epoch seconds)."""
        now = time.time()
        if now - self.started >= self.seconds:
            self.started, self.used = now, 0
        self.used += 1
        remaining = 0 if exhausted else max(0, self.limit - self.used)
        return self.limit, remaining, int(self.started + self.seconds)

    def full(self) -> bool:
        if time.time() - self.started >= self.seconds:
            self.started, self.used = time.time(), 0
        return self.used >= self.limit


def cid_for(data: Any) -> str:
    """A content id that looks like one (CIDv1, base32, "bafyrei" prefix)."""
    raw = data if isinstance(data, bytes) else json.dumps(data, sort_keys=True).encode()
    digest = base64.b32encode(hashlib.sha256(raw).digest()).decode().lower().rstrip("=")
    return f"bafyrei{digest[:52]}"


def make_jwt(claims: dict[str, Any]) -> str:
    """An unsigned-looking JWT whose claims a client can read (exp, sub, scope)."""

    def b64(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    signature = hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).hexdigest()[:43]
    return ".".join([b64({"typ": "at+jwt", "alg": "ES256K"}), b64(claims), signature])


def multipart(raw: bytes, content_type: str) -> dict[str, tuple[bytes, str]]:
    """A multipart/form-data body as {field: (bytes, content type)}."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    fields: dict[str, tuple[bytes, str]] = {}
    if not message.is_multipart():
        return fields
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)
        fields[str(name)] = (
            payload if isinstance(payload, bytes) else b"",
            part.get_content_type(),
        )
    return fields


# Simulated people: (username, display name, language).
NAMES = [
    ("amelie", "Amélie Tremblay", "fr"),
    ("jgagnon", "Julie Gagnon", "fr"),
    ("marc_o", "Marc Ouellet", "fr"),
    ("sam_lee", "Sam Lee", "en"),
    ("priya", "Priya Sharma", "en"),
    ("tom_b", "Tom Brown", "en"),
    ("nadia", "Nadia Haddad", "fr"),
    ("owen", "Owen MacLeod", "en"),
]
