"""The simulator speaks the Mastodon client API subset as documented."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest


def api(simulator, token: str | None = "default") -> httpx.Client:
    headers = {}
    if token == "default":
        token = simulator.token
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=simulator.url, headers=headers, timeout=5)


def test_api_needs_the_bearer_token(simulator):
    assert api(simulator, token=None).get("/api/v1/accounts/verify_credentials").status_code == 401
    assert api(simulator, token="wrong").get("/api/v1/notifications").status_code == 401
    me = api(simulator).get("/api/v1/accounts/verify_credentials")
    assert me.status_code == 200
    assert me.json()["acct"] == "passports"
    # The streaming health check is open, as on Mastodon (docker-compose's health check).
    health = api(simulator, token=None).get("/api/v1/streaming/health")
    assert (health.status_code, health.text) == (200, "OK")


def test_rate_limit_headers_on_every_response(simulator):
    response = api(simulator).get("/api/v1/notifications")
    assert response.headers["X-RateLimit-Limit"] == "300"
    assert int(response.headers["X-RateLimit-Remaining"]) < 300
    reset = dt.datetime.fromisoformat(response.headers["X-RateLimit-Reset"])
    assert reset > dt.datetime.now(dt.UTC)


def test_notifications_page_newest_first_with_link_headers(simulator):
    posted = [simulator.post_mention(text=f"question {i}") for i in range(5)]
    ids = [p["notification_id"] for p in posted]
    assert ids == sorted(ids, key=int)  # increasing numeric ids
    client = api(simulator)
    first = client.get("/api/v1/notifications", params={"types[]": "mention", "limit": 2})
    assert [n["id"] for n in first.json()] == [ids[4], ids[3]]
    assert first.json()[0]["status"]["id"] == posted[4]["status_id"]
    next_url = first.links["next"]["url"]
    assert f"max_id={ids[3]}" in next_url and "types" in next_url
    assert f"min_id={ids[4]}" in first.links["prev"]["url"]
    older = client.get(next_url)
    assert [n["id"] for n in older.json()] == [ids[2], ids[1]]
    # min_id: the items immediately newer than it (Mastodon still lists newest first).
    forward = client.get("/api/v1/notifications", params={"min_id": ids[0], "limit": 2})
    assert [n["id"] for n in forward.json()] == [ids[2], ids[1]]
    since = client.get("/api/v1/notifications", params={"since_id": ids[0], "limit": 2})
    assert [n["id"] for n in since.json()] == [ids[4], ids[3]]
    # Past the newest: an empty page and no Link header.
    empty = client.get("/api/v1/notifications", params={"min_id": ids[4]})
    assert empty.json() == [] and "Link" not in empty.headers
    # limit is capped at 80.
    assert len(client.get("/api/v1/notifications", params={"limit": 500}).json()) == 5


def test_posting_with_idempotency_key_returns_the_same_status(simulator):
    question = simulator.post_mention(text="Can I renew online?", visibility="direct")
    client = api(simulator)
    body = {
        "status": "@citizen Yes.",
        "in_reply_to_id": question["status_id"],
        "visibility": "direct",
    }
    first = client.post("/api/v1/statuses", json=body, headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v1/statuses", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    other = client.post("/api/v1/statuses", data=body, headers={"Idempotency-Key": "k-2"})
    assert other.json()["id"] != first.json()["id"]
    posts = simulator.posts()
    assert [p["idempotency_key"] for p in posts] == ["k-1", "k-2"]
    assert posts[0]["in_reply_to_id"] == question["status_id"]
    assert posts[0]["visibility"] == "direct"
    # The question now counts two replies; the context lists ours as descendants.
    status = client.get(f"/api/v1/statuses/{question['status_id']}").json()
    assert status["replies_count"] == 2
    context = client.get(f"/api/v1/statuses/{question['status_id']}/context").json()
    assert [d["id"] for d in context["descendants"]] == [p["id"] for p in posts]
    assert context["ancestors"] == []


def test_post_validation_errors(simulator):
    client = api(simulator)
    blank = client.post("/api/v1/statuses", json={"status": " "})
    assert blank.status_code == 422 and "blank" in blank.json()["error"]
    missing = client.post("/api/v1/statuses", json={"status": "hi", "in_reply_to_id": "42"})
    assert missing.status_code == 404
    assert client.get("/api/v1/statuses/42").status_code == 404


def test_faults_429_then_recovers_with_reset_in_both_formats(simulator):
    simulator.fault(status=429, times=1, path_prefix="/api/v1/statuses", method="POST")
    simulator.fault(
        status=429, times=1, path_prefix="/api/v1/statuses", method="POST", reset_format="epoch"
    )
    client = api(simulator)
    # A GET on the same prefix is not affected (method filter).
    assert client.get("/api/v1/notifications").status_code == 200
    iso = client.post("/api/v1/statuses", json={"status": "hi"})
    assert iso.status_code == 429 and iso.headers["X-RateLimit-Remaining"] == "0"
    assert dt.datetime.fromisoformat(iso.headers["X-RateLimit-Reset"]) > dt.datetime.now(dt.UTC)
    epoch = client.post("/api/v1/statuses", json={"status": "hi"})
    assert epoch.status_code == 429
    assert int(epoch.headers["X-RateLimit-Reset"]) > time.time()
    assert client.post("/api/v1/statuses", json={"status": "hi"}).status_code == 200
    assert len(simulator.posts()) == 1


def test_fault_500_times_and_drop_and_delay(simulator):
    simulator.fault(status=500, times=2)
    client = api(simulator)
    assert client.get("/api/v1/notifications").status_code == 500
    assert client.get("/api/v1/notifications").status_code == 500
    assert client.get("/api/v1/notifications").status_code == 200
    simulator.fault(drop=True)
    with pytest.raises(httpx.TransportError):
        api(simulator).get("/api/v1/notifications")
    simulator.fault(delay_ms=300)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            simulator.url + "/api/v1/notifications",
            headers={"Authorization": f"Bearer {simulator.token}"},
            timeout=0.05,
        )
    assert simulator.health()["faults"] == []


def test_malformed_fault_breaks_one_item(simulator):
    for i in range(3):
        simulator.post_mention(text=f"q{i}")
    simulator.fault(malformed=True, path_prefix="/api/v1/notifications")
    items = api(simulator).get("/api/v1/notifications").json()
    assert items[0]["account"] is None and items[0]["status"]["content"] is None
    assert all(item["account"] for item in items[1:])


def test_tag_timeline_and_engagement(simulator):
    tagged = simulator.post_mention(text="Anyone know the wait?", tags=["Passport"], mention=False)
    simulator.post_mention(text="other question")
    client = api(simulator)
    timeline = client.get("/api/v1/timelines/tag/passport").json()
    assert [s["id"] for s in timeline] == [tagged["status_id"]]
    assert timeline[0]["tags"][0]["name"] == "passport"
    assert tagged["notification_id"] is None  # no mention, no notification
    simulator.engage(tagged["status_id"], favourites=3, reblogs=2, replies=1)
    status = client.get(f"/api/v1/statuses/{tagged['status_id']}").json()
    assert (status["favourites_count"], status["reblogs_count"], status["replies_count"]) == (
        3,
        2,
        1,
    )


def test_streaming_sends_mention_events(simulator):
    received: list[dict] = []
    connected = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET",
            simulator.url + "/api/v1/streaming/user/notification",
            headers={"Authorization": f"Bearer {simulator.token}"},
            timeout=5,
        ) as response:
            connected.set()
            event = ""
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "notification":
                    received.append(json.loads(line[5:]))
                    return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert connected.wait(5)
    deadline = time.monotonic() + 5
    while simulator.health()["streams"] == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    posted = simulator.post_mention(text="streamed question")
    thread.join(timeout=5)
    assert received and received[0]["status"]["id"] == posted["status_id"]
    assert received[0]["type"] == "mention"


def test_reset_forgets_everything(simulator):
    simulator.post_mention(text="q")
    simulator.fault(status=500, times=5)
    simulator.reset()
    health = simulator.health()
    assert health["statuses"] == 0 and health["faults"] == []


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_command_line_runs_with_simulated_citizens():
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "responder.channels.simulator",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--rate",
            "3000",
            "--token",
            "cli-token",
        ],
        cwd=root,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        questions: list = []
        while time.monotonic() < deadline and len(questions) < 3:
            with contextlib.suppress(httpx.TransportError):
                questions = httpx.get(
                    f"http://127.0.0.1:{port}/api/v1/notifications",
                    headers={"Authorization": "Bearer cli-token"},
                    timeout=1,
                ).json()
            time.sleep(0.05)
        assert len(questions) >= 3
        assert all(">passports<" in q["status"]["content"] for q in questions)
        assert {q["status"]["language"] for q in questions} <= {"en", "fr", None}
    finally:
        process.terminate()
        process.wait(timeout=10)
