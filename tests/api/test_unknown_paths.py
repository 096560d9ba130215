"""An unknown API path answers JSON 404 for every method, even without a CSRF token
(issue #16: a POST with a valid token answered Django's CSRF HTML page)."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options", "head"])
def test_an_unknown_path_is_json_404_for_every_method(team, method):
    token = Token.objects.create(user=team.officer)
    client = Client(enforce_csrf_checks=True, headers={"authorization": f"Token {token.key}"})

    response = getattr(client, method)("/api/v1/no-such-thing/", content_type="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    if method != "head":
        assert response.json()["code"] == "not_found"
