"""Issue #11 item 1: a department admin reads only their department's analytics.

The reproduction: an admin of department B (Taxes) promoted a case of A (Passports)
to a pre-approved library answer of A, read A's records
(`/analytics/cases/N/record.json`) and A's rows in `/analytics/export/cases.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from responder.accounts.models import Department, Role
from responder.audit.models import AuditEvent
from responder.errors import PermissionDenied
from responder.inbox import library_services
from responder.inbox.models import LibraryAnswer
from responder.testing.factories import (
    CaseFactory,
    LibraryAnswerFactory,
    PlatformAccountFactory,
    UserFactory,
    person,
)
from tests.inbox.test_library_governance import _replied_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxes(team) -> Department:
    return Department.objects.get(slug="taxes")


@pytest.fixture
def b_admin(taxes):
    return person(Role.ADMIN, taxes, username="bruno")


@pytest.fixture
def b_case(taxes):
    account = PlatformAccountFactory(department=taxes)
    return CaseFactory(account=account, department=taxes, text="When is my tax refund due?")


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def _promote_form(owner_pk: int) -> dict[str, object]:
    return {
        "title_en": "Grabbed",
        "title_fr": "Pris",
        "text_en": "Bruno's answer.",
        "text_fr": "La réponse de Bruno.",
        "owner": owner_pk,
        "review_date": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }


def test_b_admin_cannot_promote_a_case_of_a(client, team, b_admin):
    a_case = _replied_case(team)
    client.force_login(b_admin)
    assert client.get(f"/analytics/cases/{a_case.pk}/promote/").status_code == 404
    response = client.post(f"/analytics/cases/{a_case.pk}/promote/", _promote_form(b_admin.pk))
    assert response.status_code == 404
    with pytest.raises(PermissionDenied):
        library_services.library_answer_promote(
            case_id=a_case.pk,
            actor=b_admin,
            owner_id=b_admin.pk,
            review_date=timezone.localdate() + dt.timedelta(days=90),
            **{k: v for k, v in _promote_form(0).items() if k.startswith(("title", "text"))},
        )
    assert not LibraryAnswer.objects.filter(title_en="Grabbed").exists()
    assert not AuditEvent.objects.filter(action="library.promote").exists()

    # A's own admin may (the owner must be one of A's people).
    client.force_login(team.admin)
    response = client.post(f"/analytics/cases/{a_case.pk}/promote/", _promote_form(b_admin.pk))
    assert response.status_code == 400
    assert not LibraryAnswer.objects.filter(title_en="Grabbed").exists()
    response = client.post(f"/analytics/cases/{a_case.pk}/promote/", _promote_form(team.sme.pk))
    assert response.status_code == 302
    assert LibraryAnswer.objects.get(title_en="Grabbed").department == team.department


def test_b_admin_cannot_renew_an_answer_of_a_nor_a_shared_one(client, team, b_admin):
    a_answer = LibraryAnswerFactory(department=team.department, title_en="Passport fees")
    shared = team.answer  # no department: a site admin's
    new_date = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    client.force_login(b_admin)
    for answer in (a_answer, shared):
        before = answer.review_date
        response = client.post(f"/analytics/library/{answer.pk}/renew/", {"review_date": new_date})
        assert response.status_code == 404
        answer.refresh_from_db()
        assert answer.review_date == before
        with pytest.raises(PermissionDenied):
            library_services.library_answer_renew(
                answer_id=answer.pk,
                actor=b_admin,
                review_date=timezone.localdate() + dt.timedelta(days=365),
            )
    assert not AuditEvent.objects.filter(action="library.renew").exists()
    # A's admin renews A's answer, not the shared one.
    client.force_login(team.admin)
    assert (
        client.post(f"/analytics/library/{a_answer.pk}/renew/", {"review_date": new_date})
    ).status_code == 302
    assert (
        client.post(f"/analytics/library/{shared.pk}/renew/", {"review_date": new_date})
    ).status_code == 404


def test_b_admin_cannot_read_records_of_a(client, team, b_admin, b_case):
    a_case = team.case(text="My passport number is X123")
    client.force_login(b_admin)
    for url in (
        f"/analytics/cases/{a_case.pk}/record/",
        f"/analytics/cases/{a_case.pk}/record.json",
    ):
        assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(action="case.record_exported").exists()
    # His own department's record opens, and is audited.
    assert client.get(f"/analytics/cases/{b_case.pk}/record.json").status_code == 200
    assert AuditEvent.objects.filter(action="case.record_exported", actor=b_admin).count() == 1


def test_b_admin_exports_and_sees_only_b_rows(client, team, b_admin, b_case):
    team.case(text="My passport number is X123")
    client.force_login(b_admin)
    rows = _rows(client.get("/analytics/export/cases.csv"))
    assert [r[7] for r in rows[1:]] == ["When is my tax refund due?"]
    # Asking for A's department by its id gives nothing either.
    rows = _rows(client.get("/analytics/export/cases.csv", {"department": team.department.pk}))
    assert rows[1:] == []
    by_department = _rows(client.get("/analytics/export/by-department.csv"))
    assert "Passport Office" not in {r[0] for r in by_department[1:]}

    page = client.get("/analytics/").content.decode()
    menu = page.split('name="department"')[1].split("</select>")[0]
    assert "Taxes" in menu and "Passport Office" not in menu
    whatif = client.get("/analytics/what-if/")
    assert whatif.status_code == 200
    assert "Passport Office" not in whatif.content.decode()


def test_cached_figures_are_not_shared_across_scopes(client, team, b_admin, b_case):
    site_admin = UserFactory(username="root", site_admin=True)
    team.case(text="Passport question")
    client.force_login(site_admin)
    assert "Passport Office" in client.get("/analytics/").content.decode()
    client.force_login(b_admin)
    page = client.get("/analytics/").content.decode()
    assert "Passport Office" not in page


def test_site_admin_reads_and_exports_everything(client, team, b_case):
    site_admin = UserFactory(username="root", site_admin=True)
    a_case = team.case(text="Passport question")
    client.force_login(site_admin)
    assert client.get(f"/analytics/cases/{a_case.pk}/record.json").status_code == 200
    assert client.get(f"/analytics/cases/{b_case.pk}/record/").status_code == 200
    rows = _rows(client.get("/analytics/export/cases.csv"))
    assert {r[7] for r in rows[1:]} == {"Passport question", "When is my tax refund due?"}
