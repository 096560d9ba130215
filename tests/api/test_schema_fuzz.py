"""No request in the OpenAPI schema, however malformed, answers 500.

Schemathesis reads the schema the app serves, generates valid and invalid requests
for every operation, and sends them to the Django WSGI app in-process, signed in as
an officer with a token. Path ids are steered towards real cases and steps so the
actions reach the services, not only the 404 branch. Bounded and derandomized: the
same requests on every run.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterator

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from responder.accounts.models import Role
from responder.inbox import services as inbox
from tests.factories import (
    CaseFactory,
    DepartmentFactory,
    PlatformAccountFactory,
    TopicFactory,
    UserFactory,
)
from workflows import submission
from workflows.models import ApprovalStep
from workflows.services import approval_decide


@pytest.fixture
def wsgi_app(db: None) -> Iterator[WSGIHandler]:
    """Django's real WSGI handler, minus the end-of-request connection close that
    would end the test's transaction (Django's own test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(team) -> dict[str, object]:
    """Cases in every interesting state, and the ids requests get steered to.

    Requests are signed in as an officer who is also an SME and an approver of the
    department, so that decisions reach the approval engine too, not only its 403.
    """
    department = team.department
    fuzzer = UserFactory(
        username="fuzzy",
        roles=[(Role.OFFICER, department), (Role.SME, department), (Role.APPROVER, department)],
    )
    officer = team.officer
    fresh = team.case()
    drafting = team.case()
    inbox.case_claim(case_id=drafting.pk, actor=officer, via="api")
    inbox.draft_save(case_id=drafting.pk, actor=officer, via="api", text="Ten days.")
    reviewed = []
    for _ in range(2):
        case = team.sensitive_case()
        inbox.case_claim(case_id=case.pk, actor=officer, via="api")
        inbox.draft_save(case_id=case.pk, actor=officer, via="api", text="Ten days.")
        submission.draft_submit(case_id=case.pk, actor=officer, via="api")
        reviewed.append(case)
    # One case waits on its first layer, the other on its second.
    first = ApprovalStep.objects.get(case=reviewed[1], position=1)
    approval_decide(step_id=first.pk, reviewer=team.sme, decision="approve", via="api")
    closed = team.case()
    inbox.case_close(case_id=closed.pk, actor=officer, via="api", reason="spam")
    taxes = PlatformAccountFactory(department=DepartmentFactory(slug="taxes"))
    elsewhere = CaseFactory(account=taxes)  # another department's: must stay invisible
    ids = [fresh.pk, drafting.pk, *(c.pk for c in reviewed), closed.pk, elsewhere.pk]
    ids += list(ApprovalStep.objects.values_list("pk", flat=True))
    ids.append(team.answer.pk)
    topics = [TopicFactory(department=department).pk, TopicFactory(department=None).pk]
    return {"ids": ids, "officer": fuzzer, "topics": topics}


def served_schema() -> dict:
    """The schema exactly as /api/schema/ serves it (the same generator and renderer)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    return json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))


# Loaded at collection, so that each operation is its own test item. (Schemathesis'
# lazy loader, from_fixture, does not work with pytest 9.)
schema = schemathesis.openapi.from_dict(served_schema())
schema.config.generation.update(
    # No HTTP server lets a NUL or a line break through in a header value.
    exclude_header_characters="\x00\r\n",
    # The token is set on each case below; a generated session cookie would only be a
    # second, made-up credential.
    with_security_parameters=False,
)
# In-process (WSGI): the host only names the app (the authentication check's probes).
schema.config.update(base_url="http://localhost")
# DRF answers every undeclared method with 405 by construction; spend the time budget
# on the declared operations instead.
schema.config.phases.coverage.unexpected_methods = set()


@pytest.fixture
def officer_token(fuzz_world: dict[str, object]) -> str:
    from rest_framework.authtoken.models import Token

    token, _ = Token.objects.get_or_create(user=fuzz_world["officer"])
    return token.key


def steer_ids(case: schemathesis.Case, ids: list[int]) -> None:
    """Point most integer path ids at real objects (deterministically: crc32, not
    hash(), which changes per process)."""
    raw = (case.path_parameters or {}).get("id")
    if not isinstance(raw, int):
        return
    slot = zlib.crc32(repr(raw).encode()) % (len(ids) + 1)
    if slot < len(ids):
        case.path_parameters["id"] = ids[slot]


def steer_topics(case: schemathesis.Case, topic_ids: list[int]) -> None:
    """Point the topics of a tag body at real topics. Whether an id names a topic is
    no matter for a schema: a schema-valid list of made-up ids is refused (400, as
    any service rule), so a generated body is only "valid" once its ids exist."""
    body = case.body
    if not isinstance(body, dict) or not isinstance(body.get("topics"), list):
        return
    body["topics"] = [
        topic_ids[zlib.crc32(repr(t).encode()) % len(topic_ids)] for t in body["topics"]
    ]


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("FUZZ_MAX_EXAMPLES", "10")),
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
def test_no_request_answers_500(case, wsgi_app, fuzz_world, officer_token, caplog):
    steer_ids(case, fuzz_world["ids"])  # type: ignore[arg-type]
    steer_topics(case, fuzz_world["topics"])  # type: ignore[arg-type]
    caplog.clear()
    auth = {"Authorization": f"Token {officer_token}"}
    # The authentication check's probes go to the same in-process app.
    case.operation.schema.app = wsgi_app
    response = case.call(app=wsgi_app, headers=auth)
    # Every check schemathesis has (as `--checks all`): no 500, status codes, content
    # types, headers and bodies as the schema says, schema-valid input accepted,
    # schema-invalid input refused, authentication enforced.
    excluded = []
    if case.operation.path.endswith("/auth/token/"):
        # Whether a password is right is no matter for a schema: a schema-valid
        # username and password are refused (400) unless they are the right ones.
        excluded.append(positive_data_acceptance)
    if case.operation.path.endswith("/tag/") and case.media_type != "application/json":
        # The schema says "topics, a risk, or both" (anyOf), and JSON bodies are
        # generated accordingly, but schemathesis builds form bodies without anyOf.
        excluded.append(positive_data_acceptance)
    case.validate_response(
        response,
        excluded_checks=excluded,
        headers=auth,
        transport_kwargs={"app": wsgi_app, "headers": auth},
    )
    # The 400 safety net for values the database refuses must never be needed: the
    # serializers and filters are meant to catch every such value first.
    refused = [r.getMessage() for r in caplog.records if r.name == "responder.web.api.errors"]
    assert not refused, refused
