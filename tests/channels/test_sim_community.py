"""The simulated community posts under #passport / #passeport and the campaign's tag
on all three platforms; the real connectors find exactly those posts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from responder.channels.connectors.bluesky import BlueskyConnector
from responder.channels.connectors.mastodon import MastodonConnector
from responder.channels.connectors.x import XConnector
from responder.channels.simulator import Simulator
from responder.channels.simulator.bluesky import OUR_HANDLE
from responder.testing.chaos import free_port, wait_for


def connectors(simulator) -> dict:
    return {
        "mastodon": MastodonConnector(base_url=simulator.url, access_token=simulator.token),
        "bluesky": BlueskyConnector(
            base_url=simulator.url,
            credentials={"identifier": OUR_HANDLE, "password": simulator.token},
        ),
        "x": XConnector(base_url=simulator.url, credentials={"access_token": simulator.token}),
    }


def test_community_posts_on_every_platform_are_found_under_their_tags(simulator):
    settings = simulator.client.post(
        "/_sim/community/settings", json={"campaign_tags": ["#Blueprint2020"]}
    ).json()
    assert settings["campaign_tags"] == ["Blueprint2020"]
    made = simulator.client.post("/_sim/community/posts", json={"count": 60, "seed": 7}).json()
    assert {p["platform"] for p in made} == {"mastodon", "bluesky", "x"}
    assert simulator.client.get("/_sim/community/posts").json() == made
    # No notification: community posts are not mentions of us.
    assert simulator.state.notifications == []
    for platform, conn in connectors(simulator).items():
        for tag in ("passport", "passeport", "Blueprint2020"):
            expected = {p["id"] for p in made if p["platform"] == platform and tag in p["tags"]}
            found: set[str] = set()
            cursor = ""
            for _ in range(10):  # pages forward until nothing new
                result = conn.fetch_hashtag(tag=tag, cursor=cursor)
                found |= {m.external_id for m in result.mentions}
                if result.cursor == cursor:
                    break
                cursor = result.cursor
            assert expected, (platform, tag)
            # The first fetch of a tag starts at the newest page (Mastodon: 40, X: 100,
            # Bluesky: 100), so with 60 posts over three platforms it sees them all.
            assert found == expected, (platform, tag)
        conn.close()


def test_citizens_post_to_the_community_at_their_share_of_the_rate():
    sim = Simulator(host="127.0.0.1", port=0, token="t", rate=6000)
    sim.state.community.share = 1.0
    sim.state.community.campaign_tags = ["Blueprint2020"]
    sim.start()
    try:
        wait_for(lambda: len(sim.state.community.posted) >= 5, timeout=10, what="posts")
        assert sim.state.notifications == []  # no questions at a share of 1
    finally:
        sim.stop()


def test_the_command_line_seeds_community_posts_with_the_campaign_tag():
    port = free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.channels.simulator",
            "--port",
            str(port),
            "--token",
            "cli",
            "--campaign-tag",
            "Blueprint2020",
            "--initial-community",
            "30",
        ],
        cwd=root,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def listed() -> list:
        try:
            return httpx.get(f"{url}/_sim/community/posts", timeout=1).json()
        except httpx.HTTPError:
            return []

    try:
        wait_for(lambda: len(listed()) == 30, timeout=15, what="the simulator")
        posts = listed()
        assert any("Blueprint2020" in p["tags"] for p in posts)
        assert httpx.get(f"{url}/_sim/community/settings").json()["campaign_tags"] == [
            "Blueprint2020"
        ]
    finally:
        process.terminate()
        process.wait(timeout=10)
