"""Issue #11 item 1: a department admin administers only their department's policies.

The reproduction: an admin of department B (Taxes) created a policy naming himself as
reviewer and a rule with department A (Passports) at priority 1; A's officer's next
submission went to him, and he approved it with his own text through the API.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from responder.accounts.models import Department, Role
from responder.audit.models import AuditEvent
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.testing.factories import UserFactory, person, submitted_in_new_words
from tests.api.conftest import api_as  # noqa: F401
from workflows import policy_services
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep, RoutingRule
from workflows.validation import LayerSpec, RuleSpec, rule_spec_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxes(team) -> Department:
    return Department.objects.get(slug="taxes")


@pytest.fixture
def b_admin(taxes):
    return person(Role.ADMIN, taxes, username="bruno")


@pytest.fixture
def site_admin(db):
    return UserFactory(username="root", site_admin=True)


def _b_policy_naming_himself(b_admin, taxes) -> ApprovalPolicy:
    policy = policy_services.policy_create(
        actor=b_admin, name="Bruno's fast lane", department_id=taxes.pk
    )
    return policy_services.policy_layers_save(
        policy_id=policy.pk,
        actor=b_admin,
        layers=[LayerSpec(name="Bruno", reviewer_ids=[b_admin.pk])],
    )


def _all_rules() -> list[RuleSpec]:
    return [rule_spec_from(r) for r in RoutingRule.objects.order_by("pk")]


def test_b_admin_cannot_route_a_cases_to_himself(team, taxes, b_admin, api_as):  # noqa: F811
    policy = _b_policy_naming_himself(b_admin, taxes)
    assert policy.department_id == taxes.pk

    # A rule of his policy for department A, at priority 1: refused, nothing saved.
    grab = RuleSpec(name="Grab passports", policy_id=policy.pk, priority=1)
    grab.department_id = team.department.pk
    with pytest.raises(ValidationError) as refused:
        policy_services.rules_save(actor=b_admin, rules=[grab])
    assert "can never target another department" in " ".join(refused.value.messages)
    assert not RoutingRule.objects.filter(name="Grab passports").exists()

    # The same rule naming no department is his department's rule.
    grab.department_id = None
    [saved] = policy_services.rules_save(actor=b_admin, rules=[grab])
    assert saved.department_id == taxes.pk
    assert RoutingRule.objects.count() == 4  # the three site-wide rules are kept

    # A's officer's next submission goes to A's subject-matter experts, not to him.
    case = team.case()
    step = submitted_in_new_words(team, case)
    assert b_admin not in step.reviewers.all()
    assert set(step.reviewers.all()) == {team.sme, team.sme2}

    # And his approval with his own text through the API is refused, nothing written.
    response = api_as(b_admin).post(
        f"/api/v1/steps/{step.pk}/decide/",
        {"decision": "edit_approve", "edited_text": "Bruno's words."},
        format="json",
    )
    assert response.status_code in (403, 404)
    step.refresh_from_db()
    assert step.status == "open"
    assert not step.decisions.exists()
    case.refresh_from_db()
    assert case.state == "in_review"


def test_b_admin_cannot_touch_a_policy_of_a_or_a_site_wide_one(team, taxes, b_admin):
    with pytest.raises(PermissionDenied):
        policy_services.policy_create(
            actor=b_admin, name="Passports by Bruno", department_id=team.department.pk
        )
    with pytest.raises(PermissionDenied):
        policy_services.policy_create(actor=b_admin, name="Everyone by Bruno")
    team.admin.refresh_from_db()
    a_policy = policy_services.policy_create(
        actor=team.admin, name="Passports quick", department_id=team.department.pk
    )
    site_wide = ApprovalPolicy.objects.get(name="New answer")
    for policy in (a_policy, site_wide):
        with pytest.raises(PermissionDenied):
            policy_services.policy_layers_save(
                policy_id=policy.pk,
                actor=b_admin,
                layers=[LayerSpec(name="Bruno", reviewer_ids=[b_admin.pk])],
            )
        with pytest.raises(PermissionDenied):
            policy_services.policy_update(
                policy_id=policy.pk, actor=b_admin, name="Mine", description="", is_active=True
            )
    # Nor the rules of a site-wide policy (moving one to his policy, or editing it).
    mine = _b_policy_naming_himself(b_admin, taxes)
    everything_else = RoutingRule.objects.get(name="Everything else")
    stolen = rule_spec_from(everything_else)
    stolen.policy_id = mine.pk
    with pytest.raises(PermissionDenied):
        policy_services.rules_save(actor=b_admin, rules=[stolen])
    with pytest.raises(PermissionDenied):
        policy_services.rules_save(actor=b_admin, rules=_all_rules())
    everything_else.refresh_from_db()
    assert everything_else.policy.name == "New answer"
    assert not AuditEvent.objects.filter(actor=b_admin, action="policy.rules_change").exists()


def test_reviewers_and_delegates_must_review_in_the_policy_department(team, taxes, b_admin):
    a_policy = policy_services.policy_create(
        actor=team.admin, name="Passports quick", department_id=team.department.pk
    )
    # A's admin names B's admin (who holds no role in A) as reviewer, then as delegate.
    with pytest.raises(ValidationError) as refused:
        policy_services.policy_layers_save(
            policy_id=a_policy.pk,
            actor=team.admin,
            layers=[LayerSpec(name="Check", reviewer_ids=[b_admin.pk])],
        )
    assert (
        f"{b_admin}, a named reviewer of layer “Check”, is not a subject-matter expert, "
        "approver or admin in Passport Office" in " ".join(refused.value.messages)
    )
    with pytest.raises(ValidationError) as refused:
        policy_services.policy_layers_save(
            policy_id=a_policy.pk,
            actor=team.admin,
            layers=[LayerSpec(name="Check", reviewer_role=Role.SME, delegate_id=b_admin.pk)],
        )
    assert "The delegate of layer “Check” is not a subject-matter expert" in " ".join(
        refused.value.messages
    )
    # Nor may a layer of A's policy look for reviewers in B.
    with pytest.raises(ValidationError) as refused:
        policy_services.policy_layers_save(
            policy_id=a_policy.pk,
            actor=team.admin,
            layers=[
                LayerSpec(name="Taxes", reviewer_role=Role.SME, reviewer_department_id=taxes.pk)
            ],
        )
    assert "looks for reviewers in another department" in " ".join(refused.value.messages)
    assert not ApprovalLayer.objects.filter(policy=a_policy).exists()
    # A's own SME is fine.
    policy_services.policy_layers_save(
        policy_id=a_policy.pk,
        actor=team.admin,
        layers=[LayerSpec(name="Check", reviewer_ids=[team.sme.pk], delegate_id=team.director.pk)],
    )
    assert a_policy.layers.get().reviewers.get() == team.sme


def test_site_wide_policy_reviewers_must_review_everywhere_it_routes(team, site_admin):
    # "New answer" routes cases of every department with an account: Passports.
    policy = ApprovalPolicy.objects.get(name="New answer")
    with pytest.raises(ValidationError):
        policy_services.policy_layers_save(
            policy_id=policy.pk,
            actor=site_admin,
            layers=[LayerSpec(name="Ted", reviewer_ids=[team.outsider.pk])],
        )
    policy_services.policy_layers_save(
        policy_id=policy.pk,
        actor=site_admin,
        layers=[LayerSpec(name="Sam", reviewer_ids=[team.sme.pk])],
    )


def test_site_admin_may_do_all(team, taxes, site_admin):
    site_wide = policy_services.policy_create(actor=site_admin, name="Everyone")
    assert site_wide.department_id is None
    b_policy = policy_services.policy_create(
        actor=site_admin, name="Taxes policy", department_id=taxes.pk
    )
    tax_sme = person(Role.SME, taxes, username="tina")
    policy_services.policy_layers_save(
        policy_id=b_policy.pk,
        actor=site_admin,
        layers=[LayerSpec(name="T", reviewer_ids=[tax_sme.pk])],
    )
    rules = [*_all_rules(), RuleSpec(name="Taxes", policy_id=b_policy.pk, priority=5)]
    policy_services.rules_save(actor=site_admin, rules=rules)
    assert RoutingRule.objects.get(name="Taxes").department_id == taxes.pk
    policy_services.policy_update(
        policy_id=ApprovalPolicy.objects.get(name="New answer").pk,
        actor=site_admin,
        name="New answer",
        description="Edited by the site admin.",
        is_active=True,
    )


def test_policy_editor_pages_are_scoped(client, team, taxes, b_admin):
    mine = _b_policy_naming_himself(b_admin, taxes)
    a_policy = policy_services.policy_create(
        actor=team.admin, name="Passports quick", department_id=team.department.pk
    )
    site_wide = ApprovalPolicy.objects.get(name="New answer")
    client.force_login(b_admin)

    listing = client.get("/settings/policies/")
    text = listing.content.decode()
    assert listing.status_code == 200
    assert "Bruno&#x27;s fast lane" in text and "New answer" in text
    assert "Passports quick" not in text
    assert "read only (site admins edit it)" in text

    assert client.get(f"/settings/policies/{a_policy.pk}/").status_code == 404
    shown = client.get(f"/settings/policies/{site_wide.pk}/")
    assert shown.status_code == 200
    assert "Read only: only a site admin may change a site-wide policy." in shown.content.decode()
    forged = client.post(f"/settings/policies/{site_wide.pk}/", {"name": "Mine", "layer-count": 0})
    assert forged.status_code == 403
    site_wide.refresh_from_db()
    assert (site_wide.name, site_wide.version) == ("New answer", 1)

    # His own policy's layers: his department's reviewers only.
    def layers_post(reviewer_pk: int) -> dict[str, object]:
        mine.refresh_from_db()
        return {
            "name": mine.name,
            "is_active": "1",
            "version": mine.version,
            "layer-count": 1,
            "action": "save",
            "layer-0-name": "Check",
            "layer-0-order": 1,
            "layer-0-reviewers": [reviewer_pk],
            "layer-0-approvals_required": 1,
            "layer-0-sla_minutes": 60,
        }

    refused = client.post(f"/settings/policies/{mine.pk}/", layers_post(team.sme.pk))
    assert refused.status_code == 400
    assert "is not a subject-matter expert, approver or admin in Taxes" in refused.content.decode()
    assert client.post(f"/settings/policies/{mine.pk}/", layers_post(b_admin.pk)).status_code == 302
    assert mine.layers.get().name == "Check"

    # Creating a policy of department A from the form: refused, nothing created.
    client.post("/settings/policies/", {"name": "Sneaky", "department": team.department.pk})
    assert not ApprovalPolicy.objects.filter(name="Sneaky").exists()

    rules = client.get("/settings/policies/rules/").content.decode()
    assert "Site-wide rules (read only)" in rules
    assert f'<option value="{mine.pk}"' in rules
    assert f'<option value="{site_wide.pk}"' not in rules
    # The form posts his rules only; the site-wide ones survive.
    response = client.post(
        "/settings/policies/rules/",
        {
            "rule-count": 1,
            "rule-0-name": "Taxes first",
            "rule-0-policy": mine.pk,
            "rule-0-priority": 1,
            "rule-0-is_active": "1",
        },
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get(name="Taxes first").department_id == taxes.pk
    assert RoutingRule.objects.count() == 4


# --- two admins saving one policy at once ----------------------------------------------


def _race(*attempts: Callable[[], Any]) -> list[Any]:
    """Run the attempts at the same moment, each on its own connection (the pattern of
    tests/inbox/test_concurrency.py); return each one's result or exception."""
    barrier = threading.Barrier(len(attempts))
    results: list[Any] = [None] * len(attempts)

    def run(index: int, attempt: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = attempt()
        except Exception as exc:  # the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "an attempt hung"
    return results


@pytest.mark.django_db(transaction=True)
def test_two_admins_saving_one_policy_one_wins(team, site_admin):
    policy = policy_services.policy_create(
        actor=team.admin, name="Passports quick", department_id=team.department.pk
    )
    version = policy.version

    def save(actor: Any, name: str) -> Any:
        return policy_services.policy_layers_save(
            policy_id=policy.pk,
            actor=actor,
            layers=[LayerSpec(name=name, reviewer_role=Role.SME)],
            expected_version=version,
        )

    results = _race(lambda: save(team.admin, "Expert"), lambda: save(site_admin, "Specialist"))
    conflicts = [r for r in results if isinstance(r, ConflictError)]
    assert len(conflicts) == 1, results
    assert conflicts[0].code == "stale"
    assert "Someone changed this policy since you opened it" in conflicts[0].message
    [layer] = ApprovalLayer.objects.filter(policy=policy)
    winner = next(r for r in results if not isinstance(r, Exception))
    assert winner.layers.get().name == layer.name
    policy.refresh_from_db()
    assert policy.version == version + 1
    assert AuditEvent.objects.filter(action="policy.layers_change").count() == 1
    assert ApprovalStep.objects.count() == 0
