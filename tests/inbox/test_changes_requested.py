"""A reply a reviewer sent back: the inbox's "Changes requested" badge and filter, the
reviewer's words above the editor, and Submit refused until the text changes (or
"Submit unchanged" with a reason)."""

from __future__ import annotations

import pytest
from django.test import Client

from responder.audit.models import AuditEvent
from responder.errors import ConflictError
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from workflows import submission
from workflows.models import Decision
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db

WORDS = "Say <b>which</b> office, and add the fee."


def sent_back(team):
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Go to the office.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = case.approval_steps.get()
    approval_decide(
        step_id=step.pk,
        reviewer=team.sme,
        decision=Decision.REQUEST_CHANGES,
        via="web",
        comment=WORDS,
    )
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING
    return case


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_shows_changes_requested_and_filters_on_it(team):
    case = sent_back(team)
    other = team.case()
    inbox.case_claim(case_id=other.pk, actor=team.officer, via="web")  # drafting, not sent back
    officer = client_for(team.officer)
    html = officer.get("/").content.decode()
    row = html[html.index(f'data-case-id="{case.pk}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="badge badge--changes_requested">Changes requested</span>' in row
    filtered = officer.get("/?changes_requested=on").content.decode()
    assert f'data-case-id="{case.pk}"' in filtered
    assert f'data-case-id="{other.pk}"' not in filtered


def test_the_banner_shows_the_reviewers_words_and_submit_waits_for_a_change(team):
    case = sent_back(team)
    officer = client_for(team.officer)
    page = officer.get(f"/cases/{case.pk}/").content.decode()
    banner = page[page.index('id="changes-requested"') :]
    assert page.index('id="changes-requested"') < page.index('id="draft-text"')
    assert "Say &lt;b&gt;which&lt;/b&gt; office, and add the fee." in banner  # escaped
    assert str(team.sme) in banner
    assert 'id="draft-submit" disabled aria-describedby="submit-unchanged-help"' in page

    with pytest.raises(ConflictError):
        submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    # Submitting unchanged through the page without a reason changes nothing.
    officer.post(f"/cases/{case.pk}/submit/", {"version": case.version})
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING

    inbox.draft_save(
        case_id=case.pk, actor=team.officer, via="web", text="Go to the Ottawa office; $120."
    )
    page = officer.get(f"/cases/{case.pk}/").content.decode()
    assert 'id="draft-submit" >' in page or 'id="draft-submit">' in page
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW


def test_submit_unchanged_with_a_reason_is_recorded(team):
    case = sent_back(team)
    officer = client_for(team.officer)
    officer.post(
        f"/cases/{case.pk}/submit/",
        {"version": case.version, "unchanged_reason": "The fee is on the linked page"},
    )
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    event = AuditEvent.objects.filter(case=case, action="case.submit").latest("pk")
    assert event.details["submitted_unchanged"] == "The fee is on the linked page"
