from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from responder.errors import ConflictError, ValidationError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep, RoutingRule
from workflows.routing import route_for

pytestmark = pytest.mark.django_db


def draft_and_submit(team, case, text, **kwargs):
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    draft = inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text=text, **kwargs)
    return draft, submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")


def test_library_answer_with_handle_and_spacing_still_counts_as_unchanged(team):
    case = team.case()
    text = f"@{case.author_handle}   " + team.answer.text_en.replace(". ", ".\n")
    draft, case = draft_and_submit(team, case, text, library_answer_id=team.answer.pk)
    assert draft.library_unchanged
    assert case.state == CaseState.APPROVED


def test_an_edited_library_answer_goes_to_the_sme(team):
    case = team.case()
    draft, case = draft_and_submit(
        team, case, team.answer.text_en + " Thanks!", library_answer_id=team.answer.pk
    )
    assert not draft.library_unchanged
    assert case.state == CaseState.IN_REVIEW
    assert list(ApprovalStep.objects.filter(case=case).values_list("name", flat=True)) == [
        "Subject-matter expert"
    ]


def test_a_library_answer_past_its_review_date_is_not_pre_approved(team):
    team.answer.review_date = timezone.localdate() - dt.timedelta(days=1)
    team.answer.save()
    draft, case = draft_and_submit(
        team, team.case(), team.answer.text_en, library_answer_id=team.answer.pk
    )
    assert not draft.library_unchanged
    assert case.state == CaseState.IN_REVIEW


def test_a_sensitive_topic_makes_the_case_sensitive(team):
    from tests.factories import TopicFactory

    case = team.case()
    case.topics.add(TopicFactory(sensitive=True))
    route = route_for(case=case, draft_text="")
    assert route.policy.name == "Sensitive answer"
    assert any("Sensitive" in r for r in route.reasons)


def test_policy_edits_do_not_change_a_case_already_in_review(team):
    _, case = draft_and_submit(team, team.sensitive_case(), "Our words.")
    ApprovalLayer.objects.filter(policy__name="Sensitive answer", position=2).delete()
    ApprovalLayer.objects.filter(policy__name="Sensitive answer").update(approvals_required=2)
    steps = ApprovalStep.objects.filter(case=case).order_by("position")
    assert [(s.name, s.approvals_required) for s in steps] == [
        ("Subject-matter expert", 1),
        ("Director", 1),
    ]


def test_no_matching_policy_is_a_clear_conflict(team):
    RoutingRule.objects.all().delete()
    with pytest.raises(ConflictError, match="No approval policy matches"):
        draft_and_submit(team, team.case(), "Hello")
    assert team.department.cases.get().state == CaseState.DRAFTING


def test_new_text_never_skips_approval_even_if_routed_to_zero_layers(team):
    RoutingRule.objects.update(
        policy=ApprovalPolicy.objects.get(name="Pre-approved answer"), library_unchanged=None
    )
    with pytest.raises(ConflictError, match="no approval layers"):
        draft_and_submit(team, team.case(), "Brand new words")


def test_the_author_never_approves_their_own_draft(team):
    """An SME who drafts a reply is not a reviewer of it; with nobody else, submit refuses."""
    from responder.accounts.models import Membership, Role

    Membership.objects.create(user=team.sme, department=team.department, role=Role.OFFICER)
    team.sme2.memberships.all().delete()
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.sme, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.sme, via="web", text="My own answer")
    with pytest.raises(ConflictError, match="other than the author"):
        submission.draft_submit(case_id=case.pk, actor=team.sme, via="web")


def test_another_departments_library_answer_cannot_skip_approval(team):
    from responder.errors import ValidationError
    from tests.factories import DepartmentFactory, LibraryAnswerFactory

    foreign = LibraryAnswerFactory(
        department=DepartmentFactory(slug="taxes-lib"), approved_by=team.admin
    )
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    with pytest.raises(ValidationError):
        inbox.draft_save(
            case_id=case.pk,
            actor=team.officer,
            via="web",
            text=foreign.text_en,
            library_answer_id=foreign.pk,
        )


def test_a_reply_with_hard_check_errors_cannot_be_submitted_from_any_door(team):
    """The outgoing checks gate the service, so the API cannot skip what the page enforces."""
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="api")
    inbox.draft_save(
        case_id=case.pk,
        actor=team.officer,
        via="api",
        text="See https://example.com/passports for details.",
    )
    with pytest.raises(ValidationError) as refused:
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="api")
    assert refused.value.code == "checks_failed"
    assert "example.com/passports" in refused.value.messages[0]
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    assert not ApprovalStep.objects.filter(case=case).exists()
