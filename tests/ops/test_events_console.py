"""`make run`'s console: one line per event that matters (responder/ops/events.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from responder.ops.events import cursor_now, events_since
from responder.testing.factories import submitted_in_new_words
from workflows.models import EmailNotice

pytestmark = pytest.mark.django_db


def test_the_console_says_what_happened_to_a_case_once(team) -> None:
    old = team.case()
    team.answer_from_library(old)  # before the console started: not shown
    cursor = cursor_now()

    case = team.case()
    submitted_in_new_words(team, case, text="We will check and come back to you.")
    notice = EmailNotice.objects.create(key="k1", kind="review", recipient=team.sme, case=case)
    lines, cursor = events_since(cursor)
    assert lines == [
        f"case claimed: case #{case.pk} by {team.officer}",
        f"draft submitted: case #{case.pk} by {team.officer}",
    ]

    EmailNotice.objects.filter(pk=notice.pk).update(sent_at=timezone.now())
    lines, cursor = events_since(cursor)
    assert lines == [f"e-mail sent (review) to {team.sme} for case #{case.pk}"]
    assert events_since(cursor)[0] == []
