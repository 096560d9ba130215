"""A policy's history says what each change was and what it changed, in words."""

from __future__ import annotations

import pytest
from django.test import Client

from workflows.models import ApprovalPolicy, PolicyRevision
from workflows.policy_services import policy_snapshot

pytestmark = pytest.mark.django_db


def test_history_labels_and_diff(team):
    policy = ApprovalPolicy.objects.get(name="Sensitive answer")
    before = policy_snapshot(policy)
    PolicyRevision.objects.create(
        policy=policy, policy_name=policy.name, version=1, action="policy.create", snapshot=before
    )
    after = {**before, "layers": [dict(layer) for layer in before["layers"]]}
    after["layers"][1]["sla_minutes"] = 120
    after["layers"] = [
        *after["layers"][:2],
        {**after["layers"][1], "position": 3, "name": "Minister's office"},
    ]
    PolicyRevision.objects.create(
        policy=policy,
        policy_name=policy.name,
        version=2,
        action="policy.layers_change",
        snapshot=after,
    )
    client = Client()
    client.force_login(team.admin)
    html = client.get(f"/settings/policies/{policy.pk}/").content.decode()
    history = html[html.index("Saved versions of this policy") :]
    assert "policy.layers_change" not in history
    assert "Approval layers changed" in history
    old_sla = before["layers"][1]["sla_minutes"]
    assert f"Layer 2 “Director”: SLA (minutes) {old_sla} → 120" in history
    assert "Layer 3 “Minister&#x27;s office” added" in history
