"""Issue 11 item 3, the library editor: a library answer can be posted unchanged with
no approval layer, so its English and French texts meet the same outgoing checks as
any reply (on every platform) before it is saved, promoted, renewed or approved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from responder.audit.models import AuditEvent
from responder.errors import ValidationError
from responder.inbox import library_services
from responder.inbox.models import LibraryAnswer
from responder.testing.factories import LibraryAnswerFactory
from tests.inbox.test_library_governance import _replied_case

pytestmark = pytest.mark.django_db

GOOD_EN = "Standard processing takes 10 business days. See canada.ca/passports."
GOOD_FR = "Le traitement standard prend 10 jours ouvrables. Voir canada.ca/passeports."
BAD_FR = "Le traitement prend 10 jours ouvrables. Voir http://bit.ly/x pour les détails."


def admin_client(team) -> Client:
    team.admin.is_staff = True
    team.admin.is_superuser = True
    team.admin.save()
    client = Client()
    client.force_login(team.admin)
    return client


def answer_form(**overrides):
    data = {
        "topic": "",
        "department": "",
        "owner": "",
        "is_active": "on",
        "title_en": "Processing times",
        "title_fr": "Délais de traitement",
        "text_en": GOOD_EN,
        "text_fr": GOOD_FR,
        "review_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }
    data.update(overrides)
    return data


def test_the_admin_refuses_a_library_answer_with_a_bad_link_in_french(team):
    client = admin_client(team)
    before = LibraryAnswer.objects.count()
    response = client.post(reverse("admin:inbox_libraryanswer_add"), answer_form(text_fr=BAD_FR))
    assert response.status_code == 200  # the form again, with the error
    body = response.content.decode()
    assert "The French text, as a reply on Mastodon" in body
    assert "Links to domains that are not allowed: http://bit.ly/x" in body
    assert LibraryAnswer.objects.count() == before


def test_the_admin_refuses_an_edit_too_long_for_a_bluesky_reply(team):
    client = admin_client(team)
    answer = team.answer
    # 295 characters: with a handle, over Bluesky's 300.
    long_text = "Standard processing takes 10 business days. " + "a" * 250
    response = client.post(
        reverse("admin:inbox_libraryanswer_change", args=[answer.pk]),
        answer_form(text_en=long_text),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "The English text, as a reply on Bluesky" in body and "over the 300 limit" in body
    answer.refresh_from_db()
    assert answer.text_en != long_text


def test_the_admin_saves_an_answer_that_passes(team):
    client = admin_client(team)
    response = client.post(reverse("admin:inbox_libraryanswer_add"), answer_form())
    assert response.status_code == 302
    assert LibraryAnswer.objects.filter(text_fr=GOOD_FR, title_en="Processing times").exists()


def test_the_admin_approve_action_skips_an_answer_that_fails_the_checks(team):
    client = admin_client(team)
    bad = LibraryAnswerFactory(text_fr=BAD_FR, approved_by=None, approved_at=None)
    good = LibraryAnswerFactory(approved_by=None, approved_at=None)
    response = client.post(
        reverse("admin:inbox_libraryanswer_changelist"),
        {"action": "approve_answers", "_selected_action": [bad.pk, good.pk]},
        follow=True,
    )
    assert "Links to domains that are not allowed" in response.content.decode()
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.approved_by is None and not bad.is_pre_approved
    assert good.approved_by == team.admin


def test_promote_refuses_a_bad_link_and_adds_nothing(team):
    case = _replied_case(team)
    before = LibraryAnswer.objects.count()
    with pytest.raises(ValidationError) as refused:
        library_services.library_answer_promote(
            case_id=case.pk,
            actor=team.admin,
            title_en="New",
            title_fr="Nouveau",
            text_en="A brand new answer. Details at https://evil.example.com/form",
            text_fr=GOOD_FR,
            owner_id=team.sme.pk,
            review_date=timezone.localdate() + dt.timedelta(days=90),
        )
    assert refused.value.code == "checks_failed"
    assert "The English text, as a reply on Mastodon" in refused.value.messages[0]
    assert "evil.example.com/form" in refused.value.messages[0]
    assert LibraryAnswer.objects.count() == before
    assert not AuditEvent.objects.filter(action="library.promote").exists()


def test_renew_refuses_an_answer_that_no_longer_passes(team, settings):
    settings.ALLOWED_LINK_DOMAINS = ["gc.ca"]  # canada.ca was dropped from the list
    team.answer.department = team.department  # the department admin's own answer
    team.answer.save(update_fields=["department"])
    with pytest.raises(ValidationError, match=r"canada\.ca/passports"):
        library_services.library_answer_renew(
            answer_id=team.answer.pk,
            actor=team.admin,
            review_date=timezone.localdate() + dt.timedelta(days=90),
        )
    assert not AuditEvent.objects.filter(action="library.renew").exists()
