"""Small wording fixes of issue #14: French elision before a vowel ("Ébauche
d’Olivia", but "Ébauche de Marc") and a readable locked-reply note."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.inbox import services as inbox
from responder.web.templatetags.responder_ui import elides
from workflows import submission

pytestmark = pytest.mark.django_db


def test_names_starting_with_a_vowel_elide():
    assert elides("Olivia") and elides("Émilie") and elides("yves")
    assert not elides("Marc") and not elides("") and not elides(None)


@pytest.mark.parametrize(
    ("first", "expected"), [("Olivia", "Ébauche d’Olivia"), ("Marc", "Ébauche de Marc")]
)
def test_the_french_review_list_elides(team, first, expected):
    team.officer.first_name, team.officer.last_name = first, "Roy"
    team.officer.save()
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Hello")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    team.sme.language = "fr"
    team.sme.save()
    client = Client()
    client.force_login(team.sme)
    html = client.get("/review/mine/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"{expected} Roy" in html


def test_a_locked_reply_names_its_state_plainly(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Hello")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    client = Client()
    client.force_login(team.officer)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert "The reply cannot change now (state: In review)." in html
    assert "The case is" not in html


def test_earlier_cases_have_unambiguous_dates(team):
    import datetime as dt
    import re

    earlier = team.case(author_handle="ana@example.social")
    earlier.received_at = earlier.received_at.replace(month=12, day=6) - dt.timedelta(days=400)
    earlier.save()
    case = team.case(author_handle="ana@example.social")
    client = Client()
    client.force_login(team.officer)
    html = client.get(f"/cases/{case.pk}/").content.decode()
    assert f"/cases/{earlier.pk}/" in html
    assert not re.search(r"\b\d{1,2}/\d{1,2}/\d{4}\b", html)
