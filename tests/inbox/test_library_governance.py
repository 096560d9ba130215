"""Promoting an approved reply to the library; renewing answers past review."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.errors import ConflictError, PermissionDenied, ValidationError
from responder.inbox import library_services
from responder.inbox import services as inbox
from responder.inbox.models import CaseState, LibraryAnswer
from responder.testing.outbox import reply_posted
from workflows import submission

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_cache(settings):
    # The dashboard caches its figures: a private cache per test.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"library-test-{uuid.uuid4()}",
        }
    }


def _replied_case(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="A brand new answer.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    from workflows.models import ApprovalStep
    from workflows.services import approval_decide

    step = ApprovalStep.objects.get(case=case)
    approval_decide(step_id=step.pk, reviewer=team.sme, decision="approve", via="web")
    return reply_posted(case_id=case.pk)


def test_promote_needs_both_languages_and_records_owner(team):
    case = _replied_case(team)
    review = timezone.localdate() + dt.timedelta(days=90)
    with pytest.raises(ValidationError, match="English and in French"):
        library_services.library_answer_promote(
            case_id=case.pk,
            actor=team.admin,
            title_en="New",
            title_fr="",
            text_en="A brand new answer.",
            text_fr="",
            owner_id=team.sme.pk,
            review_date=review,
        )
    with pytest.raises(PermissionDenied):
        library_services.library_answer_promote(
            case_id=case.pk,
            actor=team.officer,
            title_en="New",
            title_fr="Nouveau",
            text_en="A",
            text_fr="B",
            owner_id=team.sme.pk,
            review_date=review,
        )
    answer = library_services.library_answer_promote(
        case_id=case.pk,
        actor=team.admin,
        title_en="New",
        title_fr="Nouveau",
        text_en="A brand new answer.",
        text_fr="Une toute nouvelle réponse.",
        owner_id=team.sme.pk,
        review_date=review,
    )
    assert answer.is_pre_approved
    assert (answer.owner, answer.approved_by, answer.review_date) == (team.sme, team.admin, review)
    event = AuditEvent.objects.get(action="library.promote")
    assert event.case == case and event.details["owner"] == team.sme.username


def test_only_replied_cases_can_be_promoted(team):
    case = team.case()
    with pytest.raises(ConflictError, match="approved and posted"):
        library_services.library_answer_promote(
            case_id=case.pk,
            actor=team.admin,
            title_en="a",
            title_fr="b",
            text_en="c",
            text_fr="d",
            owner_id=team.sme.pk,
            review_date=timezone.localdate() + dt.timedelta(days=5),
        )


def test_promote_page_prefills_the_posted_reply(client, team):
    case = _replied_case(team)
    client.force_login(team.admin)
    response = client.get(f"/analytics/cases/{case.pk}/promote/")
    assert "A brand new answer." in response.content.decode()
    response = client.post(
        f"/analytics/cases/{case.pk}/promote/",
        {
            "title_en": "T",
            "title_fr": "",
            "text_en": "A brand new answer.",
            "text_fr": "",
            "owner": team.sme.pk,
            "review_date": "2999-01-01",
        },
    )
    assert response.status_code == 400
    assert "English and in French" in response.content.decode()
    response = client.post(
        f"/analytics/cases/{case.pk}/promote/",
        {
            "title_en": "T",
            "title_fr": "T fr",
            "text_en": "A brand new answer.",
            "text_fr": "Fr",
            "owner": team.sme.pk,
            "review_date": "2999-01-01",
        },
    )
    assert response.status_code == 302
    assert LibraryAnswer.objects.filter(title_en="T", owner=team.sme).exists()


def test_answer_past_review_is_not_pre_approved_until_renewed(client, team):
    answer = team.answer
    answer.review_date = timezone.localdate() - dt.timedelta(days=1)
    answer.department = team.department  # its admin renews it (shared ones: a site admin)
    answer.save()
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=case.pk,
        actor=team.officer,
        via="web",
        text=answer.text_en,
        library_answer_id=answer.pk,
    )
    case = submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    assert case.state == CaseState.IN_REVIEW  # not pre-approved: goes through review

    client.force_login(team.admin)
    dashboard = client.get("/analytics/").content.decode()
    assert "past review: not pre-approved" in dashboard
    new_date = timezone.localdate() + dt.timedelta(days=365)
    response = client.post(
        f"/analytics/library/{answer.pk}/renew/",
        {"review_date": new_date.isoformat(), "owner": team.sme.pk},
    )
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.is_pre_approved and answer.owner == team.sme and answer.review_date == new_date
    assert AuditEvent.objects.filter(action="library.renew", actor=team.admin).exists()

    other = team.case()
    inbox.case_claim(case_id=other.pk, actor=team.officer, via="web")
    inbox.draft_save(
        case_id=other.pk,
        actor=team.officer,
        via="web",
        text=answer.text_en,
        library_answer_id=answer.pk,
    )
    other = submission.draft_submit(case_id=other.pk, actor=team.officer, via="web")
    assert other.state == CaseState.APPROVED
