"""The OpenAPI schema states the rules validation enforces, and validation refuses what
the schema forbids (issue #16: disagreements schemathesis found)."""

from __future__ import annotations

import re

import jsonschema
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.test_schema_fuzz import served_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(team) -> APIClient:
    token = Token.objects.create(user=team.officer)
    return APIClient(headers={"authorization": f"Token {token.key}"})


@pytest.fixture(scope="module")
def schema() -> dict:
    return served_schema()


def body_schema(schema: dict, name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": schema["components"]}


def valid(schema: dict, name: str, body: object) -> bool:
    return jsonschema.Draft4Validator(body_schema(schema, name)).is_valid(body)


@pytest.mark.parametrize(
    "query",
    [
        "platform=",
        "language=",
        "account=",
        "owner=",
        "mine=",
        "received_after=",
        "page_size=null",
        "page_size=ten",
        "mine=null",
        "unassigned=unknown",
    ],
)
def test_a_blank_or_malformed_filter_is_refused_as_the_schema_says(api, query):
    response = api.get(f"/api/v1/cases/?{query}")
    assert response.status_code == 400, response.content


@pytest.mark.parametrize("size", ["0", "-1", "201", "-199441466874981693521920"])
def test_a_page_size_out_of_the_schemas_bounds_is_refused(api, schema, size):
    for path in ("/api/v1/cases/", "/api/v1/library/", "/api/v1/steps/"):
        (param,) = [
            p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "page_size"
        ]
        assert (param["schema"]["minimum"], param["schema"]["maximum"]) == (1, 200)
        response = api.get(f"{path}?page_size={size}")
        assert response.status_code == 400, (path, size)
        assert "page_size" in response.json()


def test_other_lists_refuse_them_too(api):
    assert api.get("/api/v1/steps/?case=").status_code == 400
    assert api.get("/api/v1/library/?page_size=null").status_code == 400
    assert api.get("/api/v1/cases/?q=&page_size=20").status_code == 200  # words may be empty


def test_ids_in_filters_are_positive_in_the_schema(schema):
    for path, name in [
        ("/api/v1/cases/", "account"),
        ("/api/v1/cases/", "owner"),
        ("/api/v1/steps/", "case"),
    ]:
        (param,) = [p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name]
        assert param["schema"]["minimum"] == 1, (path, name)


def test_the_schema_forbids_nul_and_blank_text(schema):
    reason = schema["components"]["schemas"]["TakeOverInputRequest"]["properties"]["reason"]
    pattern = re.compile(reason["pattern"])
    assert pattern.search("Olivia is away")
    assert not pattern.search("away\x00")
    assert not pattern.search("   ")
    text = schema["components"]["schemas"]["DraftInputRequest"]["properties"]["text"]
    assert not re.search(text["pattern"], "Ten days\x00")


def test_the_schema_says_which_decisions_need_what(schema):
    assert not valid(schema, "DecideInputRequest", {"decision": "request_changes"})
    assert not valid(schema, "DecideInputRequest", {"decision": "request_changes", "comment": " "})
    assert valid(
        schema, "DecideInputRequest", {"decision": "request_changes", "comment": "Shorter"}
    )
    assert not valid(schema, "DecideInputRequest", {"decision": "edit_approve"})
    assert valid(schema, "DecideInputRequest", {"decision": "edit_approve", "edited_text": "Hi"})
    assert valid(schema, "DecideInputRequest", {"decision": "approve"})


def test_the_schema_says_a_tag_needs_topics_or_a_risk(schema):
    assert not valid(schema, "TagInputRequest", {})
    assert valid(schema, "TagInputRequest", {"risk": "sensitive"})
