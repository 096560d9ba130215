"""A review link cannot be worn out by someone else: attempts count per (link,
address) and per address, not per link everywhere (issue #16)."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.inbox import services as inbox
from workflows import submission
from workflows.models import ApprovalStep
from workflows.tokens import review_token_make

pytestmark = pytest.mark.django_db


def test_a_link_hammered_from_one_address_still_opens_for_the_reviewer(team, settings):
    settings.REVIEW_LINK_RATE_PER_TOKEN = 5
    settings.REVIEW_LINK_RATE_PER_IP = 50
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.filter(case=case).order_by("position").first()
    url = f"/review/{review_token_make(step_id=step.pk, user_id=team.sme.pk)}/"

    scanner = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [scanner.get(url).status_code for _ in range(20)]
    assert statuses[-1] == 429  # that address is paused ...

    reviewer = Client(REMOTE_ADDR="198.51.100.23")
    page = reviewer.get(url)
    assert page.status_code == 200  # ... the reviewer, elsewhere, is not
    assert "Too many attempts" not in page.content.decode()
