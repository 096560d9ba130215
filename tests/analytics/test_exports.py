"""CSV exports (escaped against formula injection), the case record, permissions."""

from __future__ import annotations

import csv
import io
import json

import pytest

from responder.analytics.exports import csv_safe
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from workflows import submission
from workflows.models import ApprovalStep
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db


def _rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_csv_cells_cannot_start_a_formula():
    assert csv_safe('=HYPERLINK("http://evil")') == '\'=HYPERLINK("http://evil")'
    assert csv_safe("+1") == "'+1"
    assert csv_safe("-2+3") == "'-2+3"
    assert csv_safe("@SUM(A1)") == "'@SUM(A1)"
    assert csv_safe("plain") == "plain"
    assert csv_safe(-3) == -3


def test_case_list_csv_is_escaped_and_audited(client, team):
    team.case(text="=cmd|' /C calc'!A0", author_handle="@evil")
    team.case(text="Normal question")
    client.force_login(team.admin)
    response = client.get("/analytics/export/cases.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert rows[0][:3] == ["id", "received_at", "department"]
    texts = {r[7] for r in rows[1:]}
    assert "'=cmd|' /C calc'!A0" in texts and "Normal question" in texts
    assert "'@evil" in {r[6] for r in rows[1:]}
    assert AuditEvent.objects.filter(action="analytics.case_list_exported").exists()


def test_every_chart_has_a_csv(client, team):
    client.force_login(team.admin)
    from responder.analytics.exports import CHARTS

    for name in CHARTS:
        response = client.get(f"/analytics/export/{name}.csv")
        assert response.status_code == 200, name
        assert _rows(response)[0], name
    assert client.get("/analytics/export/nothing.csv").status_code == 404


def test_case_record_is_complete_and_audited(client, team):
    case = team.sensitive_case(text="Where is my passport?")
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="It is on its way.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    first = ApprovalStep.objects.get(case=case, position=1)
    approval_decide(
        step_id=first.pk,
        reviewer=team.sme,
        decision="edit_approve",
        via="email",
        edited_text="It was mailed on Monday.",
    )
    second = ApprovalStep.objects.get(case=case, position=2)
    approval_decide(
        step_id=second.pk,
        reviewer=team.director,
        decision="request_changes",
        via="web",
        comment="Add the tracking link.",
    )

    client.force_login(team.admin)
    response = client.get(f"/analytics/cases/{case.pk}/record.json")
    assert response.status_code == 200
    record = json.loads(response.content)
    assert record["question"] == "Where is my passport?"
    assert [d["text"] for d in record["drafts"]] == [
        "It is on its way.",
        "It was mailed on Monday.",
    ]
    assert record["drafts"][1]["author"]["username"] == team.sme.username
    decisions = [d for s in record["approval_steps"] for d in s["decisions"]]
    assert [(d["reviewer"]["username"], d["decision"]) for d in decisions] == [
        (team.sme.username, "edit_approve"),
        (team.director.username, "request_changes"),
    ]
    assert all(d["at"] for d in decisions)
    assert decisions[1]["comment"] == "Add the tracking link."
    assert [e["action"] for e in record["history"]][:3] == [
        "case.claim",
        "draft.save",
        "case.submit",
    ]
    assert "reply" in record and "comments" in record

    page = client.get(f"/analytics/cases/{case.pk}/record/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Where is my passport?" in html and "Add the tracking link." in html
    # The printable record reads as words, not codes, in the reader's language.
    assert "Claimed" in html and "Submitted" in html and "Sent back" in html
    assert "case.claim" not in html and "in_review" not in html
    exports = AuditEvent.objects.filter(action="case.record_exported", case=case)
    assert sorted(e.details["format"] for e in exports) == ["html", "json"]
    client.cookies["django_language"] = "fr"  # the header's switch
    french = client.get(f"/analytics/cases/{case.pk}/record/")
    assert "Pris en charge" in french.content.decode()
    assert all(e.actor == team.admin for e in exports)


def test_citizen_text_is_escaped_in_the_record(client, team):
    case = team.case(text="<script>alert(1)</script>")
    client.force_login(team.admin)
    html = client.get(f"/analytics/cases/{case.pk}/record/").content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_non_admins_get_403(client, team):
    case = team.case()
    urls = [
        "/analytics/",
        "/analytics/what-if/",
        "/analytics/export/cases.csv",
        "/analytics/export/layers.csv",
        f"/analytics/cases/{case.pk}/record/",
        f"/analytics/cases/{case.pk}/record.json",
        f"/analytics/cases/{case.pk}/promote/",
    ]
    for user in (team.officer, team.sme, team.director, team.outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
    client.logout()
    assert client.get("/analytics/").status_code == 302
    assert not AuditEvent.objects.filter(action="case.record_exported").exists()


def test_dashboard_renders_with_charts_tables_and_csv_links(client, team):
    from tests.analytics.history import generate, make_world

    generate(make_world(), n_cases=300, seed=3)
    # The generated cases are in departments of their own: a site admin reads them all.
    team.admin.site_admin = True
    team.admin.save(update_fields=["site_admin"])
    client.force_login(team.admin)
    response = client.get("/analytics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") >= 10
    assert "Time spent in each approval layer" in html
    assert "⚠" in html  # the director layer adds hours and changes nothing
    assert "/analytics/export/layers.csv" in html
    assert "<table" in html
    response = client.get("/analytics/", {"platform": "x", "language": "fr", "start": "bad"})
    assert response.status_code == 200
    response = client.get("/analytics/what-if/", {"layer": "Gen sensitive|2", "mode": "remove"})
    assert response.status_code == 200
    assert "hours of waiting saved" in response.content.decode()


def test_dashboard_figures_are_cached_until_recomputed(client, team):
    from tests.analytics.history import generate, make_world

    team.admin.site_admin = True  # the generated departments are not the team's
    team.admin.save(update_fields=["site_admin"])
    client.force_login(team.admin)
    assert "Nothing in this period." in client.get("/analytics/").content.decode()
    generate(make_world(), n_cases=50, seed=5)
    # Served from the cache: still the figures of the first visit.
    assert "Nothing in this period." in client.get("/analytics/").content.decode()
    fresh = client.get("/analytics/", {"fresh": "1"}).content.decode()
    assert "Gen sensitive" in fresh
