"""Saved views a department admin shares with the team (#14): everyone working in the
department's inbox sees them, by their name in the reader's language; only that
department's admins may share or remove them; another department sees nothing."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.inbox.models import SavedView

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _share(client: Client, team, **extra: str):
    data = {
        "name": "Lost passports, new",
        "name_fr": "Passeports perdus, nouveaux",
        "query": "state=new&risk=sensitive",
        "share": "on",
        "share_with": str(team.department.pk),
    }
    data.update(extra)
    return client.post("/inbox/views/", data)


def test_an_admin_shares_a_view_that_the_whole_department_sees_in_its_language(team) -> None:
    response = _share(_client(team.admin), team)
    assert response.status_code == 302
    view = SavedView.objects.get(department=team.department)
    assert view.user == team.admin and view.query == "state=new&risk=sensitive"

    officer = _client(team.officer)
    body = officer.get("/").content.decode()
    assert 'href="/?state=new&amp;risk=sensitive">Lost passports, new</a>' in body
    # Officers use it but may not remove it: no Delete button, and a forged POST fails.
    shared = body.split('id="shared-views"')[1].split("</ul>")[0]
    assert "inbox-view-delete" not in shared and "/delete/" not in shared
    officer.post(f"/inbox/views/{view.pk}/delete/")
    assert SavedView.objects.filter(pk=view.pk).exists()

    team.officer.language = "fr"
    team.officer.save(update_fields=["language"])
    french = officer.get("/").content.decode()
    assert ">Passeports perdus, nouveaux</a>" in french

    assert "Lost passports, new" not in _client(team.outsider).get("/").content.decode()

    _client(team.admin).post(f"/inbox/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()
    assert "Lost passports, new" not in officer.get("/").content.decode()


def test_an_officer_cannot_share_and_nobody_shares_with_another_department(team) -> None:
    _share(_client(team.officer), team)
    _share(_client(team.admin), team, share_with=str(team.outsider.memberships.get().department_id))
    assert not SavedView.objects.filter(department__isnull=False).exists()
    # The officer's attempt saved nothing either: sharing is refused, not downgraded.
    assert not SavedView.objects.exists()
    # Only admins are offered the share box.
    assert 'name="share"' not in _client(team.officer).get("/").content.decode()
    assert 'name="share"' in _client(team.admin).get("/").content.decode()


def test_a_shared_view_and_a_personal_view_may_have_the_same_name(team) -> None:
    admin = _client(team.admin)
    _share(admin, team, name="Mine")
    admin.post("/inbox/views/", {"name": "Mine", "query": "mine=on"})
    assert SavedView.objects.filter(name="Mine").count() == 2
    # Sharing the same name again replaces the shared one, not a second copy.
    _share(admin, team, name="Mine", query="state=drafting")
    assert SavedView.objects.get(name="Mine", department=team.department).query == "state=drafting"
