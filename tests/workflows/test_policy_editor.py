"""The admins' policy editor: validation with reasons, audit and versions, preview."""

from __future__ import annotations

import pytest

from responder.accounts.models import Role
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from tests.factories import UserFactory, person
from workflows import submission
from workflows.models import ApprovalPolicy, ApprovalStep, PolicyRevision, RoutingRule
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _admin_is_a_site_admin(team):
    """The team's policies are site-wide: here its admin edits them as a site admin
    (department admins: tests/workflows/test_policy_departments.py)."""
    team.admin.site_admin = True
    team.admin.save(update_fields=["site_admin"])


def _layer_post(policy: ApprovalPolicy, layers: list[dict[str, object]]) -> dict[str, object]:
    data: dict[str, object] = {
        "name": policy.name,
        "description": policy.description,
        "is_active": "1",
        "version": policy.version,
        "layer-count": len(layers),
        "action": "save",
    }
    for i, layer in enumerate(layers):
        for key, value in layer.items():
            data[f"layer-{i}-{key}"] = value
        data.setdefault(f"layer-{i}-order", i + 1)
    return data


def _rules_post(
    rules: list[RoutingRule], extra: dict[str, object] | None = None
) -> dict[str, object]:
    data: dict[str, object] = {"rule-count": len(rules) + (1 if extra else 0)}
    for i, r in enumerate(rules):
        data.update(
            {
                f"rule-{i}-id": r.pk,
                f"rule-{i}-name": r.name,
                f"rule-{i}-policy": r.policy_id,
                f"rule-{i}-priority": r.priority,
                f"rule-{i}-risk": r.risk,
                f"rule-{i}-library_unchanged": {True: "yes", False: "no"}.get(
                    r.library_unchanged, ""
                ),
                f"rule-{i}-is_active": "1" if r.is_active else "",
            }
        )
    if extra:
        n = len(rules)
        data.update({f"rule-{n}-{k}": v for k, v in extra.items()})
    return data


def test_non_admins_get_403(client, team):
    for user in (team.officer, team.sme, team.director):
        client.force_login(user)
        assert client.get("/settings/policies/").status_code == 403
        assert client.get("/settings/policies/rules/").status_code == 403
        assert client.get("/settings/policies/preview/").status_code == 403
        policy = ApprovalPolicy.objects.get(name="New answer")
        assert client.post(f"/settings/policies/{policy.pk}/", {}).status_code == 403
    client.force_login(team.admin)
    assert client.get("/settings/policies/").status_code == 200


def test_a_layer_with_nobody_in_it_cannot_be_saved(client, team):
    policy = ApprovalPolicy.objects.get(name="Sensitive answer")
    client.force_login(team.admin)
    # Nobody holds "approver" in the taxes department.
    taxes = team.outsider.memberships.get().department
    response = client.post(
        f"/settings/policies/{policy.pk}/",
        _layer_post(
            policy,
            [
                {"name": "Subject-matter expert", "reviewer_role": Role.SME},
                {
                    "name": "Tax director",
                    "reviewer_role": Role.APPROVER,
                    "reviewer_department": taxes.pk,
                },
            ],
        ),
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "Not saved" in text
    assert "Layer “Tax director” has nobody in it" in text
    policy.refresh_from_db()
    assert [layer.name for layer in policy.layers.order_by("position")] == [
        "Subject-matter expert",
        "Director",
    ]
    assert policy.version == 1

    # No role and no named reviewers; and more approvals than named reviewers.
    response = client.post(
        f"/settings/policies/{policy.pk}/",
        _layer_post(
            policy,
            [
                {"name": "Empty", "reviewer_role": ""},
                {"name": "Pair", "reviewers": [team.sme.pk], "approvals_required": 2},
            ],
        ),
    )
    text = response.content.decode()
    assert "Layer “Empty” has nobody in it: name reviewers or choose a role." in text
    assert "Layer “Pair” needs 2 approval(s) but names only 1 active reviewer(s)." in text


def test_a_delegate_without_a_reviewing_role_is_refused(client, team):
    policy = ApprovalPolicy.objects.get(name="New answer")
    client.force_login(team.admin)
    response = client.post(
        f"/settings/policies/{policy.pk}/",
        _layer_post(
            policy,
            [{"name": "SME", "reviewer_role": Role.SME, "delegate": team.officer.pk}],
        ),
    )
    assert response.status_code == 400
    assert "The delegate of layer “SME” is not a subject-matter expert" in response.content.decode()


def test_shadowed_and_identical_rules_cannot_be_saved(client, team):
    client.force_login(team.admin)
    rules = list(RoutingRule.objects.order_by("priority"))
    one = ApprovalPolicy.objects.get(name="New answer")
    # Sensitive (20) comes first and matches everything "sensitive on mastodon" matches.
    response = client.post(
        "/settings/policies/rules/",
        _rules_post(
            rules,
            {
                "name": "Sensitive on Mastodon",
                "policy": one.pk,
                "priority": 30,
                "risk": "sensitive",
                "platform": "mastodon",
                "is_active": "1",
            },
        ),
    )
    assert response.status_code == 400
    assert (
        "Rule “Sensitive on Mastodon” can never match: rule “Sensitive” (priority 20) comes "
        "first and matches everything it matches." in response.content.decode()
    )
    response = client.post(
        "/settings/policies/rules/",
        _rules_post(
            rules,
            {
                "name": "Also sensitive",
                "policy": one.pk,
                "priority": 50,
                "risk": "sensitive",
                "is_active": "1",
            },
        ),
    )
    assert "have the same criteria" in response.content.decode()
    assert RoutingRule.objects.count() == 3


def test_zero_layer_policy_reachable_by_new_text_is_refused(client, team):
    client.force_login(team.admin)
    zero = ApprovalPolicy.objects.get(name="Pre-approved answer")
    rules = list(RoutingRule.objects.order_by("priority"))
    response = client.post(
        "/settings/policies/rules/",
        _rules_post(
            rules,
            {
                "name": "Mastodon fast lane",
                "policy": zero.pk,
                "priority": 5,
                "platform": "mastodon",
                "is_active": "1",
            },
        ),
    )
    assert response.status_code == 400
    assert "has no approval layers" in response.content.decode()
    # Removing the only layer of a policy reached by "everything else" is refused too.
    one = ApprovalPolicy.objects.get(name="New answer")
    response = client.post(f"/settings/policies/{one.pk}/", _layer_post(one, []))
    assert response.status_code == 400
    assert "has no approval layers" in response.content.decode()


def test_saving_layers_is_versioned_audited_and_spares_cases_in_review(client, team):
    one = ApprovalPolicy.objects.get(name="New answer")
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Our words.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=case)
    assert (step.name, step.policy_version) == ("Subject-matter expert", 1)

    client.force_login(team.admin)
    layer = one.layers.get()
    response = client.post(
        f"/settings/policies/{one.pk}/",
        _layer_post(
            one,
            [
                {"id": layer.pk, "name": "Expert", "reviewer_role": Role.SME, "sla_minutes": 60},
                {"name": "Director", "reviewer_role": Role.APPROVER, "sla_minutes": 120},
            ],
        ),
    )
    assert response.status_code == 302
    one.refresh_from_db()
    assert one.version == 2  # policy.layers_change (the name did not change)
    assert [(x.position, x.name) for x in one.layers.order_by("position")] == [
        (1, "Expert"),
        (2, "Director"),
    ]
    assert one.layers.get(position=1).pk == layer.pk  # same row kept
    revision = PolicyRevision.objects.filter(policy=one).first()
    assert revision.version == 2
    assert [x["name"] for x in revision.snapshot["layers"]] == ["Expert", "Director"]
    event = AuditEvent.objects.filter(action="policy.layers_change").get()
    assert event.actor == team.admin
    assert event.details["before"][0]["name"] == "Subject-matter expert"

    # The case in review keeps its one layer: approving it approves the case.
    step.refresh_from_db()
    assert (step.name, step.sla_minutes) == ("Subject-matter expert", 240)
    approval_decide(step_id=step.pk, reviewer=team.sme, decision="approve", via="web")
    case.refresh_from_db()
    assert case.state == "approved"
    assert ApprovalStep.objects.filter(case=case).count() == 1

    # Reorder: move the director up.
    response = client.post(
        f"/settings/policies/{one.pk}/",
        {
            **_layer_post(
                one,
                [
                    {
                        "id": one.layers.get(position=1).pk,
                        "name": "Expert",
                        "reviewer_role": Role.SME,
                        "order": 2,
                    },
                    {
                        "id": one.layers.get(position=2).pk,
                        "name": "Director",
                        "reviewer_role": Role.APPROVER,
                        "order": 1,
                    },
                ],
            ),
        },
    )
    assert response.status_code == 302
    assert list(one.layers.order_by("position").values_list("name", flat=True)) == [
        "Director",
        "Expert",
    ]


def test_rules_save_is_audited_and_versioned(client, team):
    client.force_login(team.admin)
    rules = list(RoutingRule.objects.order_by("priority"))
    two = ApprovalPolicy.objects.get(name="Sensitive answer")
    response = client.post(
        "/settings/policies/rules/",
        _rules_post(
            rules,
            {
                "name": "X is sensitive",
                "policy": two.pk,
                "priority": 50,
                "platform": "x",
                "is_active": "1",
            },
        ),
    )
    assert response.status_code == 302
    assert RoutingRule.objects.filter(name="X is sensitive").exists()
    two.refresh_from_db()
    assert two.version == 2
    assert AuditEvent.objects.filter(action="policy.rules_change", actor=team.admin).count() == 1


def test_preview_says_which_policy_and_why(client, team):
    client.force_login(team.admin)
    case = team.sensitive_case()
    response = client.get("/settings/policies/preview/", {"case": case.pk, "text": "Hello"})
    text = response.content.decode()
    assert "Policy: Sensitive answer" in text
    assert "Rule “Sensitive” (priority 20) matched." in text
    assert "Director" in text and str(team.director) in text

    plain = team.case()
    response = client.get(
        "/settings/policies/preview/", {"case": plain.pk, "answer": team.answer.pk}
    )
    text = response.content.decode()
    assert "Policy: Pre-approved answer" in text
    assert "unchanged pre-approved library answer" in text


def test_superuser_may_edit_and_create(client, team):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post("/settings/policies/", {"name": "Quick", "description": ""})
    assert response.status_code == 302
    policy = ApprovalPolicy.objects.get(name="Quick")
    assert policy.version == 1
    assert AuditEvent.objects.filter(action="policy.create").exists()
    # a named-reviewer layer with enough people is fine
    extra = person(Role.SME, team.department, username="zed")
    response = client.post(
        f"/settings/policies/{policy.pk}/",
        _layer_post(
            policy,
            [{"name": "Pair", "reviewers": [team.sme.pk, extra.pk], "approvals_required": 2}],
        ),
    )
    assert response.status_code == 302
