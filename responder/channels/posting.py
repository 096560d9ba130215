"""Posting outbox replies to platforms, exactly once. (Built with the connectors.)"""

from __future__ import annotations


def outbox_item_send(*, outbox_item_id: int) -> None:
    raise NotImplementedError("posting arrives with the platform connectors")
