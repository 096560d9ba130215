"""With Redis down, pages still work: the cache fails soft (responder/cache.py)."""

from __future__ import annotations

import logging
import socket

import pytest
from django.core.cache import caches
from django.test import Client, override_settings

from responder import cache as resilient


def _closed_port() -> int:
    # Bound then closed: nothing listens there, so connecting is refused at once.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def redis_down():
    location = f"redis://127.0.0.1:{_closed_port()}/0"
    cache_settings = {
        "default": {
            "BACKEND": "responder.cache.ResilientRedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 2.0},
        }
    }
    # Django's test signals rebuild the cache handlers when CACHES changes.
    with override_settings(CACHES=cache_settings):
        yield


def test_reads_miss_and_writes_are_skipped(redis_down, caplog, monkeypatch):
    monkeypatch.setattr(resilient, "_last_warning", [0.0])
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="responder.cache"):
        cache.set("k", 1)
        assert cache.get("k", "missing") == "missing"
        assert cache.get_many(["k"]) == {}
        assert cache.add("k", 2) is False
        assert cache.incr("hits") == 1  # a rate limit counts a first hit
        cache.delete("k")
    # Said once, not once per call.
    warnings = [r for r in caplog.records if r.name == "responder.cache"]
    assert len(warnings) == 1 and "cache unavailable" in warnings[0].getMessage()


@pytest.mark.django_db
def test_signing_in_and_the_inbox_work_while_redis_is_down(redis_down, team):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": "olivia", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302  # the session lives in the database too
    page = client.get("/")
    assert page.status_code == 200 and "Inbox" in page.content.decode()
    assert client.get("/inbox/counts/").status_code == 200


@pytest.mark.django_db
def test_an_emailed_review_link_opens_while_redis_is_down(redis_down, team):
    from responder.testing.factories import submitted_in_new_words
    from workflows import tokens

    step = submitted_in_new_words(team, team.case())
    token = tokens.review_token_make(step_id=step.pk, user_id=team.sme.pk)
    page = Client().get(f"/review/{token}/")  # its rate limit counts in the cache
    assert page.status_code == 200 and "New words." in page.content.decode()
