"""/healthz and /readyz as a load balancer sees them (services up; the outages are in
test_readiness_outages.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from responder.ops.models import Heartbeat, HeartbeatKind
from responder.ops.queues import QUEUES

pytestmark = pytest.mark.django_db


def beat_all(at: dt.datetime) -> None:
    for name in (*QUEUES, "beat"):
        kind = HeartbeatKind.BEAT if name == "beat" else HeartbeatKind.QUEUE
        Heartbeat.objects.update_or_create(
            name=name, defaults={"kind": kind, "holder": "w1@host", "at": at}
        )


def test_healthz_answers_any_host_without_a_session(client) -> None:
    # A load balancer probes by IP address, which is not in ALLOWED_HOSTS.
    response = client.get("/healthz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies


def test_readyz_says_each_check_passed(client) -> None:
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "cache", "broker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_refuses_a_post(client) -> None:
    assert client.post("/readyz").status_code == 405


def test_readyz_warns_that_no_worker_took_posting_work_but_stays_ready(client) -> None:
    beat_all(timezone.now())
    Heartbeat.objects.filter(name="posting").update(at=timezone.now() - dt.timedelta(minutes=7))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["warnings"] == [
        {"check": "heartbeat:posting", "detail": "no worker has taken posting work for 7 minutes"}
    ]


def test_deep_readiness_fails_on_a_late_queue_and_passes_when_all_beat(client) -> None:
    response = client.get("/readyz?deep=1")
    assert response.status_code == 503
    failed = response.json()["failed"]
    assert "heartbeat:posting" in failed and "heartbeat:beat" in failed
    beat_all(timezone.now())
    response = client.get("/readyz?deep=1")
    assert response.status_code == 200, response.json()
    assert response.json()["warnings"] == []


def test_every_page_answer_carries_a_request_id(client) -> None:
    response = client.get("/accounts/login/", HTTP_X_REQUEST_ID="lb-1234")
    assert response["X-Request-ID"] == "lb-1234"
    other = client.get("/accounts/login/", HTTP_X_REQUEST_ID="not valid <script>")
    assert other["X-Request-ID"] != "not valid <script>" and len(other["X-Request-ID"]) == 32
