"""`next` sends people back only to pages of this site (issue #16: an open redirect
after renewing a library answer)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _department_answer(team):
    """The team's answer, owned by the team's department (a shared answer is the site
    admin's to renew, so the department admin would be refused before any redirect)."""
    team.answer.department = team.department
    team.answer.save(update_fields=["department"])
    return team.answer


def _renew(client, answer, next_value: str):
    future = timezone.localdate() + dt.timedelta(days=90)
    return client.post(
        f"/analytics/library/{answer.pk}/renew/",
        {"review_date": future.isoformat(), "next": next_value},
    )


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
    ],
)
def test_renewing_an_answer_never_leaves_the_site(team, client, hostile):
    client.force_login(team.admin)
    response = _renew(client, _department_answer(team), hostile)
    assert response.status_code == 302
    assert response["Location"] == "/analytics/#library"


def test_renewing_an_answer_returns_to_the_page_it_was_on(team, client):
    client.force_login(team.admin)
    response = _renew(client, _department_answer(team), "/analytics/?period=90")
    assert response["Location"] == "/analytics/?period=90#library"
