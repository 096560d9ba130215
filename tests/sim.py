"""The platform simulator as a pytest fixture (registered in tests/conftest.py).

    def test_something(simulator, mastodon_account):
        simulator.post_mention(text="How long does a renewal take?", lang="en")
        ...
        assert simulator.posts()[0]["in_reply_to_id"] == ...

`simulator` runs the real HTTP server in this process on a free port (daemon
thread), function scope; the control calls go over HTTP like any client's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from responder.channels.simulator import Simulator


class SimulatorHandle:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.url = sim.url
        self.token = sim.token
        self.state = sim.state  # direct access, for assertions only
        self.client = httpx.Client(base_url=sim.url, timeout=10)

    def post_mention(
        self,
        text: str = "How long does a passport renewal take?",
        *,
        lang: str | None = None,
        acct: str = "citizen@mastodon.example",
        display_name: str = "",
        in_reply_to_id: str | None = None,
        visibility: str = "public",
        tags: list[str] | None = None,
        mention: bool = True,
    ) -> dict[str, Any]:
        """A citizen posts (mentioning @passports unless mention=False). Returns
        {"status_id", "notification_id", "url", "acct"}."""
        body = {
            "text": text,
            "lang": lang,
            "acct": acct,
            "display_name": display_name,
            "in_reply_to_id": in_reply_to_id,
            "visibility": visibility,
            "tags": tags or [],
            "mention": mention,
        }
        response = self.client.post("/_sim/mentions", json=body)
        response.raise_for_status()
        return response.json()

    def post_mentions(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        response = self.client.post("/_sim/mentions", json={"items": items})
        response.raise_for_status()
        return response.json()

    def posts(self) -> list[dict[str, Any]]:
        """Statuses our account posted: id, text, content, in_reply_to_id,
        visibility, idempotency_key, url, created_at."""
        return self.client.get("/_sim/posts").raise_for_status().json()

    def fault(self, **kw: Any) -> dict[str, Any]:
        """e.g. fault(status=429, times=3, path_prefix="/api/v1/statuses", method="POST",
        reset_format="epoch"), fault(status=500), fault(delay_ms=1500), fault(drop=True),
        fault(malformed=True, path_prefix="/api/v1/notifications")."""
        return self.client.post("/_sim/faults", json=kw).raise_for_status().json()

    def clear_faults(self) -> None:
        self.client.delete("/_sim/faults").raise_for_status()

    def engage(
        self, status_id: str, *, favourites: int = 0, reblogs: int = 0, replies: int = 0
    ) -> dict[str, Any]:
        body = {
            "status_id": status_id,
            "favourites": favourites,
            "reblogs": reblogs,
            "replies": replies,
        }
        return self.client.post("/_sim/engage", json=body).raise_for_status().json()

    def close_streams(self) -> int:
        return self.client.post("/_sim/streams/close").raise_for_status().json()["closed"]

    def health(self) -> dict[str, Any]:
        return self.client.get("/_sim/health").raise_for_status().json()

    def reset(self) -> None:
        self.client.post("/_sim/reset").raise_for_status()


@pytest.fixture
def simulator() -> Iterator[SimulatorHandle]:
    sim = Simulator(host="127.0.0.1", port=0, token="test-token").start()
    sim.httpd.heartbeat_seconds = 0.5  # streams notice a stop quickly
    handle = SimulatorHandle(sim)
    try:
        yield handle
    finally:
        handle.client.close()
        sim.stop()


def make_mastodon_account(simulator: SimulatorHandle, department: Any, **kwargs: Any) -> Any:
    """A PlatformAccount for our simulated Mastodon account (@passports)."""
    from responder.channels.models import PlatformAccount

    fields: dict[str, Any] = {
        "platform": "mastodon",
        "name": "Passport Office",
        "handle": "passports",
        "department": department,
        "base_url": simulator.url,
        "credentials": {"access_token": simulator.token},
        "poll_interval_seconds": 60,
    }
    fields.update(kwargs)
    return PlatformAccount.objects.create(**fields)


@pytest.fixture
def mastodon_account(team: Any, simulator: SimulatorHandle) -> Any:
    """The team's department's Mastodon account, pointing at the simulator."""
    return make_mastodon_account(simulator, team.department)
