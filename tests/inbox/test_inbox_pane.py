"""The inbox's reading pane (#14) through Django's test client: `/?open=<id>` shows the
case beside the list, the list's script gets the pane alone, and the pane shows only
what the case page would show to the same person (escaped, masked, department-scoped)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from tests.inbox.test_pii_case import QUESTION, SIN

pytestmark = pytest.mark.django_db

PANE_ONLY = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "reading-pane"}


@pytest.fixture(autouse=True)
def _private_cache(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "inbox-pane-tests",
        }
    }
    cache.clear()


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_open_shows_the_case_beside_the_list_escaped(team) -> None:
    earlier = team.case(text="My passport expired.")
    case = team.case(text="Can I travel? <script>alert(1)</script>", parent=earlier)
    other = team.case(text="Another question")
    body = _as(team.officer).get(f"/?open={case.pk}").content.decode()
    pane = body[body.index('id="reading-pane"') :]
    assert f"Case {case.pk}: question from @{case.author_handle}" in pane
    assert "Can I travel? &lt;script&gt;alert(1)&lt;/script&gt;" in pane
    assert "<script>alert(1)" not in body
    assert "My passport expired." in pane  # the thread
    assert f'href="/cases/{case.pk}/" id="pane-open"' in pane
    # The list is still there, every case in it.
    assert f'data-case-id="{other.pk}"' in body and f'data-case-id="{case.pk}"' in body


def test_the_lists_script_gets_the_pane_alone(team) -> None:
    case = team.case(text="Is the office open on Saturday?")
    response = _as(team.officer).get(f"/?open={case.pk}", **PANE_ONLY)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Is the office open on Saturday?" in body
    assert "<table" not in body and "<html" not in body


def test_the_pane_masks_personal_information_as_the_list_does(team) -> None:
    case = team.case(text=QUESTION, pii_kinds=["sin"])
    body = _as(team.officer).get(f"/?open={case.pk}", **PANE_ONLY).content.decode()
    assert SIN not in body
    assert "•••" in body


@pytest.mark.parametrize("how", ["page", "pane"])
def test_another_departments_case_is_not_found_in_the_pane(team, how) -> None:
    case = team.case(text="A question for the Passport Office only")
    headers = PANE_ONLY if how == "pane" else {}
    for pk in (case.pk, case.pk + 1000):  # theirs, and no case at all: the same answer
        body = _as(team.outsider).get(f"/?open={pk}", **headers).content.decode()
        assert f"Case #{pk} was not found." in body
        assert "A question for the Passport Office only" not in body
    # The department's own officer and admin read it.
    for person in (team.officer, team.admin):
        body = _as(person).get(f"/?open={case.pk}", **headers).content.decode()
        assert "A question for the Passport Office only" in body


def test_the_bulk_bar_and_more_filters_keep_every_filter(team) -> None:
    """The compact bar holds search, state and sort; every other filter is behind
    "More filters", which says how many are on."""
    body = _as(team.officer).get("/?language=fr&mine=on&state=new").content.decode()
    bar, more = body.split('id="more-filters"', 1)
    for name in ("q", "state", "sort"):
        assert f'name="{name}"' in bar
    for name in (
        "platform",
        "account",
        "language",
        "topic",
        "owner",
        "mine",
        "unassigned",
        "overdue",
        "personal",
        "changes_requested",
        "due_soon",
    ):
        assert f'name="{name}"' in more.split("</details>")[0]
    assert "More filters (2 on)" in more
    for action in ('value="close"', 'value="assign"'):
        assert action in body


def test_the_page_and_the_pane_are_never_mistaken_for_each_other(team) -> None:
    """One address, two answers (the page, the pane alone): caches must tell them apart,
    or Back after reading a case could show the pane without the page around it."""
    case = team.case(text="Is the office open on Saturday?")
    client = _as(team.officer)
    pane = client.get(f"/?open={case.pk}", **PANE_ONLY)
    page = client.get(f"/?open={case.pk}")
    for response in (pane, page):
        assert "HX-Request" in response["Vary"]
    assert "no-store" in pane["Cache-Control"]
