"""A real SMTP server (aiosmtpd) for the tests, and helpers to read what it received.

pytest-django points Django's mailers at locmem; the `smtp` fixture points the
default mailer at this server instead, on a free port picked here (aiosmtpd cannot
bind port 0 itself).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from workflows.tokens import rate_limit_keys

LINK = re.compile(r"https?://[^\s\"'<>]+/review/[^\s\"'<>/]+/")


class Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)  # type: ignore[attr-defined]
        with self._lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.messages if address in str(m["To"])]

    def wait_for(self, address: str, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        """Poll until `count` messages to `address` arrived (no sleeps as sync)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} email(s) to {address}, got {len(self.to(address))}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp(settings: object) -> Iterator[Sink]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {  # type: ignore[attr-defined]
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    try:
        yield sink
    finally:
        controller.stop()


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None, "expected a text and an HTML part"
    return text.get_content(), html.get_content()


def link_in(message: EmailMessage) -> str:
    text, html = parts(message)
    links = set(LINK.findall(text))
    assert len(links) == 1, f"expected one link in the text part, found {links}"
    link = links.pop()
    assert link in html, "the HTML part carries the same link"
    return link


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, "the page has a CSRF token"
    return match.group(1)


@pytest.fixture
def fresh_rate_limit() -> Iterator[None]:
    """The tests all come from 127.0.0.1: start each with a clean per-IP count."""
    key = rate_limit_keys(token="", client_ip="127.0.0.1")[0]
    cache.delete(key)
    yield
    cache.delete(key)


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Run tasks queued with .delay() inline (where a test needs the email the task
    sends but not a worker)."""
    from tests.broker import tasks_run_inline

    with tasks_run_inline():
        yield


@pytest.fixture
def celery_worker() -> Iterator[object]:
    """A real Celery worker, in this process, consuming this room's Redis broker.

    The queue is purged first (earlier tests leave messages nobody consumed), and the
    worker thread closes its database connection after each task.
    """
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.db import connection

    from responder.celery import app

    def close_connection(**_: object) -> None:
        connection.close()

    app.control.purge()
    task_postrun.connect(close_connection, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING") as w:
            yield w
    finally:
        task_postrun.disconnect(close_connection)
        app.control.purge()
