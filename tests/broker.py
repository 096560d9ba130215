"""The Celery broker for tests that need it down, or not needed at all."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from contextlib import contextmanager


def closed_port() -> int:
    """A local port nothing listens on (bound for a moment by us, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def broker_down() -> Iterator[None]:
    """Publish to a local port nothing listens on while inside (the broker is
    restarting), then to the real broker again."""
    from responder.celery import app

    def forget_connections() -> None:
        # The app keeps its connection pool; the next publish looks one up for the
        # URL then current (kombu keeps one pool per broker URL).
        app._pool = None
        app.amqp._producer_pool = None

    previous = app.conf.broker_write_url
    forget_connections()
    app.conf.broker_write_url = f"redis://127.0.0.1:{closed_port()}/0"
    try:
        yield
    finally:
        forget_connections()
        app.conf.broker_write_url = previous


@contextmanager
def tasks_run_inline() -> Iterator[None]:
    """Tasks run where they are queued (what a worker would do, without one)."""
    from responder.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = previous


def queueing_errors(caplog, task: str) -> list[str]:
    """The errors logged for `task` (a dotted task name) that could not be queued."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "responder.queueing" and r.levelno == logging.ERROR and task in r.getMessage()
    ]
