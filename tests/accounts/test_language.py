"""Each person sees their own language: their preference, unless this browser chose."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from responder.testing.factories import submitted_in_new_words
from workflows import tokens

pytestmark = pytest.mark.django_db


def _lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


def test_a_french_speaker_signs_in_to_french_pages(team):
    team.officer.language = "fr"
    team.officer.save()
    client = Client()
    client.post("/accounts/login/", {"username": "olivia", "password": "correct-horse-battery"})
    page = client.get("/")
    assert _lang(page) == "fr" and "Boîte de réception" in page.content.decode()
    # The header's switch wins in this browser.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert _lang(client.get("/")) == "en"


def test_switching_while_signed_in_becomes_the_preference(team):
    client = Client()
    client.force_login(team.officer)
    assert _lang(client.get("/")) == "en"
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    team.officer.refresh_from_db()
    assert team.officer.language == "fr"  # the next emails are in French too
    assert _lang(client.get("/")) == "fr"
    # Signed out, the switch only sets this browser's cookie.
    anonymous = Client()
    anonymous.post("/i18n/setlang/", {"language": "fr", "next": "/accounts/login/"})
    assert _lang(anonymous.get("/accounts/login/")) == "fr"


def test_an_emailed_link_opens_in_the_reviewers_language(team):
    team.sme.language = "fr"
    team.sme.save()
    step = submitted_in_new_words(team, team.case())
    token = tokens.review_token_make(step_id=step.pk, user_id=team.sme.pk)
    page = Client().get(f"/review/{token}/")
    assert page.status_code == 200 and _lang(page) == "fr"
