"""Writes to a platform account made by the machinery (not by an admin's form)."""

from __future__ import annotations

from typing import Any

from responder.channels.models import PlatformAccount


def account_session_save(*, account: PlatformAccount, session_state: Any) -> None:
    """Keep the session a connector refreshed (tokens, cursors), so the next worker
    starts from it. Only that field is written: a concurrent admin edit of the
    account's other fields is not overwritten."""
    account.session_state = session_state
    account.save(update_fields=["session_state"])
