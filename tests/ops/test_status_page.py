"""The system status page and the banner on officers' pages, in English and French,
with a real poll failure and a real rate-limit wait from the platform simulator."""

from __future__ import annotations

import pytest
from django.conf import settings

from responder.accounts.models import Role
from responder.channels.ingest import account_poll
from responder.channels.models import PlatformAccount
from responder.testing.factories import DepartmentFactory, person
from tests.sim import make_mastodon_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def troubled(team, simulator):
    """One account whose last three polls failed (503), one the platform rate-limited
    for an hour."""
    PlatformAccount.objects.update(is_active=False)
    failing = make_mastodon_account(simulator, team.department, handle="passports")
    limited = make_mastodon_account(simulator, team.department, handle="passeports")
    simulator.fault(status=503, times=3, path_prefix="/api/v1/notifications")
    for _ in range(3):
        assert account_poll(account_id=failing.pk).status == "failed"
    simulator.fault(status=429, retry_after_seconds=3600, reset_format="epoch")
    account_poll(account_id=limited.pk)
    failing.refresh_from_db()
    limited.refresh_from_db()
    assert failing.poll_failures == 3 and "503" in failing.last_error
    assert limited.rate_limit_reset_at is not None
    return failing, limited


def in_language(client, user, language: str):
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def text_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_the_status_page_shows_the_poll_failure_and_the_rate_limit_in_english(
    client, team, troubled
) -> None:
    page = text_of(in_language(client, team.admin, "en").get("/ops/status/"))
    assert "System status" in page
    assert "The last 3 polls failed." in page
    assert "503" in page  # what the platform said
    assert "Rate limit: no calls to the platform until" in page
    assert "Queues and workers" in page and "posting: replies to platforms" in page
    assert 'lang="en"' in page


def test_the_status_page_in_french(client, team, troubled) -> None:
    page = text_of(in_language(client, team.admin, "fr").get("/ops/status/"))
    assert "État du système" in page
    assert "Les 3 dernières interrogations ont échoué." in page
    assert "Limite de débit : aucun appel à la plateforme avant" in page
    assert "Files d’attente et travailleurs" in page
    assert "publication : réponses aux plateformes" in page
    assert 'lang="fr"' in page


def test_officers_see_a_banner_on_their_pages_in_their_language(client, team, troubled) -> None:
    page = text_of(in_language(client, team.officer, "en").get("/"))
    assert "Replies to Mastodon @passeports are paused until" in page
    assert "New mentions of Mastodon @passports are not arriving" in page
    page = text_of(in_language(client, team.officer, "fr").get("/"))
    assert "Les réponses de Mastodon @passeports sont suspendues jusqu’à" in page


def test_people_of_other_departments_see_no_banner_about_these_accounts(
    client, team, troubled
) -> None:
    page = text_of(in_language(client, team.outsider, "en").get("/"))
    assert "are paused until" not in page


def test_only_admins_may_see_the_status_page(client, team, troubled) -> None:
    client.force_login(team.officer)
    assert client.get("/ops/status/").status_code == 403
    client.logout()
    assert client.get("/ops/status/").status_code == 302


def test_a_department_admin_sees_only_their_departments_accounts(client, team, troubled) -> None:
    other_admin = person(Role.ADMIN, DepartmentFactory(slug="tax"), username="tess")
    page = text_of(in_language(client, other_admin, "en").get("/ops/status/"))
    assert "@passports" not in page and "No platform accounts." in page


def test_a_stopped_posting_worker_shows_on_every_officer_page(client, team) -> None:
    import datetime as dt

    from django.utils import timezone

    from responder.ops.models import Heartbeat, HeartbeatKind

    Heartbeat.objects.create(
        name="posting",
        kind=HeartbeatKind.QUEUE,
        holder="posting@host",
        at=timezone.now() - dt.timedelta(minutes=12),
    )
    page = text_of(in_language(client, team.officer, "en").get("/"))
    assert "no worker has taken posting work for 12 minutes" in page
    page = text_of(in_language(client, team.outsider, "fr").get("/"))
    assert "aucun travailleur n’a pris de travail de publication depuis 12 minutes" in page
