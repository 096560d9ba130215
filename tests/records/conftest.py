from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from responder.accounts.models import User

PASSWORD = "correct-horse-battery"


@pytest.fixture
def api_as(db: None) -> Callable[[User], APIClient]:
    """A client that signs in as `user` the way a script does: it trades the
    username and password for a token, then sends `Authorization: Token <key>`."""

    def make(user: User) -> APIClient:
        client = APIClient()
        response = client.post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": PASSWORD},
            format="json",
        )
        assert response.status_code == 200, response.content
        client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
        return client

    return make
