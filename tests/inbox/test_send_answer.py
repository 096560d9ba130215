"""'Send this answer' (workflows.submission.library_answer_send): claim, draft and
submit in one transaction, or nothing at all."""

from __future__ import annotations

import pytest

from responder.channels.models import OutboxItem
from responder.errors import ConflictError
from responder.inbox import services
from responder.inbox.models import CaseState, LibraryAnswerUse
from workflows.submission import library_answer_send

pytestmark = pytest.mark.django_db


def test_a_free_case_is_claimed_drafted_and_queued_with_the_handle(team):
    case = team.case(text="How long does a renewal take?")
    library_answer_send(
        case_id=case.pk, actor=team.officer, via="web", answer_id=team.answer.pk, language="en"
    )
    case.refresh_from_db()
    assert case.owner == team.officer and case.state == CaseState.APPROVED
    item = OutboxItem.objects.get(case=case)
    assert item.text == f"@{case.author_handle} {team.answer.text_en}"
    # The question now counts toward the answer in suggestions.
    assert LibraryAnswerUse.objects.filter(answer=team.answer, question=case.text).exists()


def test_a_case_held_by_another_officer_is_refused_and_left_as_it_was(team):
    case = team.case()
    services.case_claim(case_id=case.pk, actor=team.officer2, via="web")
    with pytest.raises(ConflictError):
        library_answer_send(
            case_id=case.pk, actor=team.officer, via="web", answer_id=team.answer.pk, language="en"
        )
    case.refresh_from_db()
    assert case.owner == team.officer2 and not case.drafts.exists()
    assert not OutboxItem.objects.filter(case=case).exists()
