"""Too many wrong passwords pause that username, on the sign-in page and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import translation
from rest_framework.test import APIClient

from responder.accounts.models import Role
from tests.factories import DepartmentFactory, person

PASSWORD = "correct-horse-battery"  # the factories' password


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    """The machine's clock, stopped; `clock.shift(seconds)` moves it on."""
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as t:
        yield t


@pytest.fixture
def people(db: None) -> tuple[object, object]:
    department = DepartmentFactory()
    return (
        person(Role.OFFICER, department, username="olivia"),
        person(Role.OFFICER, department, username="omar"),
    )


def sign_in(client: Client, username: str, password: str) -> tuple[int, str]:
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return response.status_code, response.content.decode()


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_the_right_password_waits_after_too_many_wrong_ones(people, clock):
    client = Client()
    for _ in range(3):
        status, page = sign_in(client, "olivia", "wrong")
        assert status == 200 and "Please enter a correct username and password" in page
    status, page = sign_in(client, "olivia", PASSWORD)
    assert status == 200, "signed in although the username is paused"
    assert "Too many wrong passwords from this address. Try again in 10 minutes." in page
    assert client.get("/").status_code == 302  # still signed out

    # Someone else is not affected, and neither is the username's case.
    assert sign_in(Client(), "omar", PASSWORD)[0] == 302
    assert "Too many wrong passwords" in sign_in(Client(), "OLIVIA", PASSWORD)[1]

    # The pause ends when the first failure leaves the window.
    clock.shift(590)
    assert "Try again in 1 minute." in sign_in(client, "olivia", PASSWORD)[1]
    clock.shift(11)
    assert sign_in(client, "olivia", PASSWORD)[0] == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_a_success_clears_the_count(people, clock):
    client = Client()
    sign_in(client, "olivia", "wrong")
    sign_in(client, "olivia", "wrong")
    assert sign_in(client, "olivia", PASSWORD)[0] == 302
    client.post("/accounts/logout/")
    sign_in(client, "olivia", "wrong")
    sign_in(client, "olivia", "wrong")
    assert sign_in(client, "olivia", PASSWORD)[0] == 302


@override_settings(LOGIN_FAILURE_LIMIT=3, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_the_api_token_answers_429_with_retry_after(people, clock):
    client = APIClient()
    for _ in range(3):
        wrong = client.post(
            "/api/v1/auth/token/", {"username": "olivia", "password": "nope"}, format="json"
        )
        assert wrong.status_code == 400
    paused = client.post(
        "/api/v1/auth/token/", {"username": "olivia", "password": PASSWORD}, format="json"
    )
    assert paused.status_code == 429
    assert paused["Retry-After"] == "600"
    assert "Try again in 10 minutes" in str(paused.json())
    assert "token" not in paused.json()

    # Failures on the page and the API count together.
    clock.shift(601)
    sign_in(Client(), "olivia", "wrong")
    for _ in range(2):
        client.post(
            "/api/v1/auth/token/", {"username": "olivia", "password": "nope"}, format="json"
        )
    paused = client.post(
        "/api/v1/auth/token/", {"username": "olivia", "password": PASSWORD}, format="json"
    )
    assert paused.status_code == 429


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_SECONDS=120)
def test_the_pause_is_explained_in_french(people, clock):
    client = Client(headers={"accept-language": "fr"})
    sign_in(client, "olivia", "wrong")
    sign_in(client, "olivia", "wrong")
    with translation.override("fr"):
        page = sign_in(client, "olivia", PASSWORD)[1]
    assert "Trop de mots de passe erronés depuis cette adresse." in page
    assert "Réessayez dans 2 minutes." in page


@override_settings(LOGIN_FAILURE_LIMIT=2, LOGIN_FAILURE_WINDOW_SECONDS=600)
def test_the_admin_sign_in_pauses_too(people, clock):
    client = Client()
    sign_in(client, "olivia", "wrong")
    client.post("/admin/login/", {"username": "olivia", "password": "wrong"})
    paused = client.post("/admin/login/", {"username": "olivia", "password": PASSWORD})
    assert paused.status_code == 200
    assert "Too many wrong passwords from this address." in paused.content.decode()
