"""Classification at ingest: every new case gets topics, risk and priority from its
department's incoming rules and library, with the reasons shown (issue #11 item 6)."""

from __future__ import annotations

import pytest

from responder.inbox.models import Risk
from tests.inbox.classification_helpers import demo_setup, ingest
from tests.inbox.classification_set import LOST_STOLEN, QUESTIONS
from workflows.routing import policy_resolve

pytestmark = pytest.mark.django_db


def test_the_labelled_set_gets_the_right_topic_nine_times_in_ten(team):
    demo_setup(team)
    cases = ingest(team.account, [(text, lang) for text, lang, _ in QUESTIONS])
    right, wrong = 0, []
    for case, (text, _lang, expected) in zip(cases, QUESTIONS, strict=True):
        slugs = set(case.topics.values_list("slug", flat=True))
        ok = (expected in slugs) if expected else not slugs
        right += ok
        if not ok:
            wrong.append((text, expected, sorted(slugs), case.classification))
    share = right / len(QUESTIONS)
    print(f"\nclassification: {right}/{len(QUESTIONS)} right ({share:.0%})")
    for item in wrong:
        print("  wrong:", item)
    assert len(QUESTIONS) >= 60
    assert share >= 0.9


def test_every_lost_or_stolen_passport_routes_to_the_sensitive_policy(team):
    demo_setup(team)
    assert len(LOST_STOLEN) >= 12
    cases = ingest(team.account, [(text, lang) for text, lang, _ in LOST_STOLEN])
    for case, (text, _lang, _expected) in zip(cases, LOST_STOLEN, strict=True):
        route = policy_resolve(case=case, draft=None)
        assert route.policy.name == "Sensitive answer", (text, case.classification)
        assert case.auto_risk == Risk.SENSITIVE
        assert case.priority == "urgent"
