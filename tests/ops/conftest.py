from __future__ import annotations

import pytest

from responder.ops import heartbeat


@pytest.fixture(autouse=True)
def _fresh_heartbeat_throttle() -> None:
    """Workers write a heartbeat at most every few seconds per queue and process; each
    test starts as a fresh process would (its database starts empty too)."""
    heartbeat._last_beat.clear()
