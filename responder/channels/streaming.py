"""Listening to Mastodon's streaming API: a mention reaches the inbox as it happens.

One thread per account with `stream=True`. Each mention is stored at once through
the same code as a poll (ingest.stream_mentions_store), without moving the poll
cursor, so polling stays the safety net: whenever the stream (re)connects or drops,
the account is made due for a poll, which re-reads the gap and ignores what the
stream already stored. Reconnects back off exponentially (1 s up to 60 s).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections, connection

from responder.channels.connectors import connector_for
from responder.channels.connectors.base import ItemError, Mention, TransportError
from responder.channels.ingest import account_poll_soon, stream_mentions_store
from responder.channels.models import PlatformAccount

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 60.0


class StreamListener(threading.Thread):
    """Listens for one account until stop()."""

    def __init__(
        self,
        *,
        account_id: int,
        read_timeout: float = 90.0,
        on_event: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(name=f"stream-account-{account_id}", daemon=True)
        self.account_id = account_id
        self.read_timeout = read_timeout
        self.stopping = threading.Event()
        self.connected = threading.Event()
        self.on_event = on_event or (lambda _event: None)
        self._connector: Any = None
        self.reconnects = 0

    def stop(self) -> None:
        self.stopping.set()
        connector = self._connector
        if connector is not None:
            connector.close()

    def run(self) -> None:
        backoff = 1.0
        try:
            while not self.stopping.is_set():
                close_old_connections()
                try:
                    account = PlatformAccount.objects.get(pk=self.account_id)
                    if not (account.is_active and account.stream):
                        return
                    self._connector = connector_for(account)
                    stream = getattr(self._connector, "stream_mentions", None)
                    if stream is None:
                        logger.info("account %s: platform has no stream", self.account_id)
                        return
                    # Anything between the last poll and this connection: poll now.
                    account_poll_soon(account_id=self.account_id)
                    self.connected.set()
                    self.on_event("connected")
                    for item in stream(read_timeout=self.read_timeout):
                        backoff = 1.0
                        self._store(item)
                    if self.stopping.is_set():
                        return
                    raise TransportError("The stream ended.", permanent=False)
                except TransportError as exc:
                    self.connected.clear()
                    if self.stopping.is_set():
                        return
                    logger.warning(
                        "stream of account %s dropped: %s; polling covers the gap",
                        self.account_id,
                        exc.message,
                    )
                    account_poll_soon(account_id=self.account_id)
                    self.on_event("dropped")
                    if exc.permanent:
                        backoff = MAX_BACKOFF_SECONDS
                except PlatformAccount.DoesNotExist:
                    return
                except Exception:
                    self.connected.clear()
                    logger.exception("stream of account %s failed", self.account_id)
                    account_poll_soon(account_id=self.account_id)
                finally:
                    connector, self._connector = self._connector, None
                    if connector is not None:
                        connector.close()
                self.reconnects += 1
                if self.stopping.wait(backoff):
                    return
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
        finally:
            connection.close()

    def _store(self, item: Mention | ItemError) -> None:
        if isinstance(item, Mention):
            new = stream_mentions_store(account_id=self.account_id, mentions=[item], errors=[])
        else:
            new = stream_mentions_store(account_id=self.account_id, mentions=[], errors=[item])
        if new:
            self.on_event("stored")


class StreamSupervisor:
    """Keeps one listener per streaming account, picking up accounts that are added,
    switched on or off, every `refresh_seconds`."""

    def __init__(self, *, refresh_seconds: float = 30.0, read_timeout: float = 90.0) -> None:
        self.refresh_seconds = refresh_seconds
        self.read_timeout = read_timeout
        self.listeners: dict[int, StreamListener] = {}
        self.stopping = threading.Event()

    def refresh(self) -> None:
        close_old_connections()
        wanted = set(
            PlatformAccount.objects.filter(
                is_active=True, stream=True, platform="mastodon"
            ).values_list("id", flat=True)
        )
        for account_id, listener in list(self.listeners.items()):
            if account_id not in wanted or not listener.is_alive():
                listener.stop()
                del self.listeners[account_id]
        for account_id in wanted - set(self.listeners):
            listener = StreamListener(account_id=account_id, read_timeout=self.read_timeout)
            self.listeners[account_id] = listener
            listener.start()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.refresh()
            self.stopping.wait(self.refresh_seconds)
        self.shutdown()

    def shutdown(self) -> None:
        self.stopping.set()
        for listener in self.listeners.values():
            listener.stop()
        for listener in self.listeners.values():
            listener.join(timeout=5)
        self.listeners.clear()
