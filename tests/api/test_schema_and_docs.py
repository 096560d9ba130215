"""The OpenAPI schema is valid and complete, and the docs page works under our CSP."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

TRANSITIONS = [
    "claim",
    "release",
    "take-over",
    "draft",
    "submit",
    "withdraw",
    "close",
    "reopen",
    "retry",
    "tag",
    "risk",
]


def test_the_schema_is_valid_openapi_and_lists_every_transition():
    response = Client().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document

    paths = schema["paths"]
    for name in TRANSITIONS:
        operation = paths[f"/api/v1/cases/{{id}}/{name}/"]["post"]
        assert {"200", "400", "403", "404", "409"} <= set(operation["responses"]), name
        assert operation["summary"]
    decide = paths["/api/v1/steps/{id}/decide/"]["post"]
    assert "409" in decide["responses"]
    assert {"/api/v1/cases/", "/api/v1/cases/{id}/", "/api/v1/steps/", "/api/v1/library/"} <= set(
        paths
    )
    assert {"/api/v1/topics/", "/api/v1/me/", "/api/v1/auth/token/"} <= set(paths)
    schemes = schema["components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "apiKey"
    assert schemes["cookieAuth"]["in"] == "cookie"


def test_the_docs_page_loads_only_same_origin_scripts_under_the_site_csp():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    csp = page["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp

    # No inline script at all; every script is a file of our own origin.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    for attributes, body in scripts:
        assert body.strip() == ""
        assert re.search(r'src="/', attributes), attributes
    # The one inline style carries this response's nonce.
    nonce = re.search(r"'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<style nonce="{nonce.group(1)}">' in html

    init = re.search(r'<script src="([^"]*script=[^"]*)"', html)
    assert init is not None
    script = client.get(init.group(1).replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert b'"/api/schema/"' in script.content
    for src in re.findall(r'<script src="(/static/[^"]+)"', html):
        assert src.endswith(".js")
