"""Nobody can lock a victim out: wrong passwords pause the address they come from,
not the username everywhere (issue #16)."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from rest_framework.test import APIClient

from responder.accounts.models import Role
from responder.testing.factories import DepartmentFactory, person

PASSWORD = "correct-horse-battery"  # the factories' password
ATTACKER = "203.0.113.66"
VICTIM_HOME = "198.51.100.7"


@pytest.fixture
def victim(db: None) -> object:
    return person(Role.OFFICER, DepartmentFactory(), username="valerie", is_staff=True)


@override_settings(LOGIN_FAILURE_LIMIT=10, LOGIN_FAILURE_WINDOW_SECONDS=900)
def test_a_hundred_wrong_passwords_do_not_lock_the_victim_out(victim):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    api_attacker = APIClient(REMOTE_ADDR=ATTACKER)
    for i in range(100):
        if i % 2:
            attacker.post("/accounts/login/", {"username": "valerie", "password": f"guess{i}"})
        else:
            api_attacker.post(
                "/api/v1/auth/token/",
                {"username": "valerie", "password": f"guess{i}"},
                format="json",
            )

    # The victim, from her own address, signs in on every door.
    page = Client(REMOTE_ADDR=VICTIM_HOME)
    signed = page.post("/accounts/login/", {"username": "valerie", "password": PASSWORD})
    assert signed.status_code == 302
    admin = Client(REMOTE_ADDR=VICTIM_HOME)
    signed = admin.post("/admin/login/", {"username": "valerie", "password": PASSWORD})
    assert signed.status_code == 302, signed.content.decode()[:500]
    token = APIClient(REMOTE_ADDR=VICTIM_HOME).post(
        "/api/v1/auth/token/", {"username": "valerie", "password": PASSWORD}, format="json"
    )
    assert token.status_code == 200 and token.json()["token"]

    # The attacker's address is still paused, even with the right password.
    paused = attacker.post("/accounts/login/", {"username": "valerie", "password": PASSWORD})
    assert paused.status_code == 200
    assert "Too many wrong passwords" in paused.content.decode()
    paused_api = api_attacker.post(
        "/api/v1/auth/token/", {"username": "valerie", "password": PASSWORD}, format="json"
    )
    assert paused_api.status_code == 429


@override_settings(
    LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_LIMIT_PER_ADDRESS=5, LOGIN_FAILURE_WINDOW_SECONDS=900
)
def test_spraying_many_usernames_pauses_the_address(victim):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for i in range(5):
        attacker.post("/accounts/login/", {"username": f"someone{i}", "password": "nope"})
    # The victim was never guessed at from here, yet this address now waits ...
    paused = attacker.post("/accounts/login/", {"username": "valerie", "password": PASSWORD})
    assert "Too many wrong passwords" in paused.content.decode()
    # ... and nobody else does.
    other = Client(REMOTE_ADDR=VICTIM_HOME)
    signed = other.post("/accounts/login/", {"username": "valerie", "password": PASSWORD})
    assert signed.status_code == 302


PROXY = "10.1.2.3"


@override_settings(LOGIN_FAILURE_LIMIT=3, TRUSTED_PROXIES=["10.0.0.0/8"])
def test_behind_our_proxy_the_forwarded_client_is_counted(victim):
    def through_proxy(client_ip: str) -> Client:
        return Client(REMOTE_ADDR=PROXY, headers={"x-forwarded-for": client_ip})

    attacker = through_proxy(ATTACKER)
    for _ in range(5):
        attacker.post("/accounts/login/", {"username": "valerie", "password": "nope"})
    paused = attacker.post("/accounts/login/", {"username": "valerie", "password": PASSWORD})
    assert "Too many wrong passwords" in paused.content.decode()

    # Everyone shares the proxy's address, yet the victim is not paused.
    signed = through_proxy(VICTIM_HOME).post(
        "/accounts/login/", {"username": "valerie", "password": PASSWORD}
    )
    assert signed.status_code == 302


@override_settings(LOGIN_FAILURE_LIMIT=3)
def test_a_made_up_forwarded_for_header_changes_nothing(victim):
    for i in range(5):
        Client(REMOTE_ADDR=ATTACKER, headers={"x-forwarded-for": f"192.0.2.{i}"}).post(
            "/accounts/login/", {"username": "valerie", "password": "nope"}
        )
    paused = Client(REMOTE_ADDR=ATTACKER, headers={"x-forwarded-for": "192.0.2.99"}).post(
        "/accounts/login/", {"username": "valerie", "password": PASSWORD}
    )
    assert "Too many wrong passwords" in paused.content.decode()
