"""What a review link refuses, and why: every refusal changes nothing and says why."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import time_machine
from django.test import Client

from responder.accounts.models import Role
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from responder.inbox.models import CaseState, Draft
from tests.factories import PolicyFactory, layer, rule
from tests.workflows.mailsink import fresh_rate_limit  # noqa: F401
from workflows import submission
from workflows.models import ApprovalStep, StepDecision
from workflows.selectors import steps_waiting_for
from workflows.tokens import review_token_make

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_rate_limit"),
]


def _in_review(team, case=None, text="Renewals take 10 business days."):
    case = case or team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text=text)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case, ApprovalStep.objects.filter(case=case).order_by("position").first()


def _url(step, user):
    return f"/review/{review_token_make(step_id=step.pk, user_id=user.pk)}/"


def _snapshot(case):
    case.refresh_from_db()
    return (case.state, case.version, AuditEvent.objects.count(), StepDecision.objects.count())


def _post(client, url, **data):
    page = client.get(url)
    assert page.status_code == 200, page.content[:500]
    return client.post(url, {"csrfmiddlewaretoken": page.context["csrf_token"], **data})


@pytest.fixture
def client():
    return Client(enforce_csrf_checks=True)


def test_the_page_shows_the_case_and_escapes_the_question(team, client):
    _case, step = _in_review(team, case=team.case(text="<img src=x onerror=alert(1)> renewal?"))
    response = client.get(_url(step, team.sme))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&lt;img src=x onerror=alert(1)&gt; renewal?" in body
    assert "<img src=x" not in body
    assert "Renewals take 10 business days." in body
    assert str(team.officer) in body  # the draft's author
    assert "Subject-matter expert" in body  # the layer
    assert team.sme.email not in body and team.sme2.email not in body


def test_a_second_post_changes_nothing_and_says_it_was_used(team, client):
    case, step = _in_review(team)
    url = _url(step, team.sme)
    page = client.get(url)
    csrf = page.context["csrf_token"]
    assert client.post(url, {"csrfmiddlewaretoken": csrf, "action": "approve"}).status_code == 200
    before = _snapshot(case)

    again = client.post(url, {"csrfmiddlewaretoken": csrf, "action": "approve"})

    assert again.status_code == 410
    assert "You already answered this request" in again.content.decode()
    assert "Nothing was changed." in again.content.decode()
    assert _snapshot(case) == before


def test_another_reviewers_link_is_dead_once_someone_decided(team, client):
    case, step = _in_review(team)
    assert _post(client, _url(step, team.sme), action="approve").status_code == 200
    before = _snapshot(case)

    response = client.get(_url(step, team.sme2))

    assert response.status_code == 410
    assert "This request was already decided" in response.content.decode()
    assert _snapshot(case) == before


def test_an_expired_link_changes_nothing(team, client, settings):
    settings.REVIEW_LINK_MAX_AGE_HOURS = 72
    case, step = _in_review(team)
    url = _url(step, team.sme)
    page = client.get(url)
    before = _snapshot(case)

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=73)):
        response = client.post(
            url, {"csrfmiddlewaretoken": page.context["csrf_token"], "action": "approve"}
        )

    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert "send the request again" in response.content.decode()
    assert _snapshot(case) == before


def test_a_link_with_one_character_changed_is_refused(team, client):
    case, step = _in_review(team)
    token = review_token_make(step_id=step.pk, user_id=team.sme.pk)
    page = client.get(f"/review/{token}/")
    before = _snapshot(case)
    for position in (3, len(token) // 2, len(token) - 2):
        changed = (
            token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
        )
        response = client.post(
            f"/review/{changed}/",
            {"csrfmiddlewaretoken": page.context["csrf_token"], "action": "approve"},
        )
        assert response.status_code == 400
        assert "This link is damaged" in response.content.decode()
    assert _snapshot(case) == before


def test_a_link_for_someone_who_is_not_a_reviewer_is_refused(team, client):
    case, step = _in_review(team)
    before = _snapshot(case)

    # The director reviews the second layer only; the outsider nothing at all.
    for user in (team.director, team.outsider):
        response = client.get(_url(step, user))
        assert response.status_code == 403
        assert "This link is not for you" in response.content.decode()
    assert _snapshot(case) == before


def test_a_link_opened_in_another_persons_session_is_refused(team, client):
    case, step = _in_review(team)
    client.force_login(team.sme2)
    before = _snapshot(case)

    response = client.get(_url(step, team.sme))

    assert response.status_code == 403
    assert "This link is not for you" in response.content.decode()
    assert _snapshot(case) == before


def test_the_link_does_not_log_anyone_in(team, client):
    _case, step = _in_review(team)
    _post(client, _url(step, team.sme), action="approve")
    assert client.get("/review/mine/").status_code == 302  # still anonymous: to the login


def test_too_many_attempts_get_429(team, client, settings):
    settings.REVIEW_LINK_RATE_PER_TOKEN = 3
    _case, step = _in_review(team)
    url = _url(step, team.sme)
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "Too many attempts" in client.get(url).content.decode()

    settings.REVIEW_LINK_RATE_PER_TOKEN = 100
    settings.REVIEW_LINK_RATE_PER_IP = 5
    statuses = [client.get(f"/review/not-a-real-token-{i}/").status_code for i in range(3)]
    assert 429 in statuses  # the client is over its per-IP budget


def test_tokens_never_reach_the_logs(team, client, caplog):
    _case, step = _in_review(team)
    token = review_token_make(step_id=step.pk, user_id=team.sme.pk)
    broken = token[:-1] + ("x" if token[-1] != "x" else "y")
    with caplog.at_level(logging.INFO):
        assert client.get(f"/review/{broken}/").status_code == 400
        assert client.post(f"/review/{token}/", {"action": "approve"}).status_code == 403
    assert caplog.records, "Django logs 4xx responses"
    assert broken not in caplog.text and token not in caplog.text
    assert "/review/[redacted]" in caplog.text
    assert all(token not in str(e.details) for e in AuditEvent.objects.all())


def test_a_layer_needing_two_approvals_waits_for_two_people(team, client):
    policy = PolicyFactory(name="Two experts")
    layer(policy, 1, Role.SME, name="Two experts", approvals_required=2)
    rule(policy, 1, name="Everything, two experts")
    case, step = _in_review(team)
    assert step.approvals_required == 2

    first = _post(client, _url(step, team.sme), action="approve")
    assert "another approval from a different person" in first.content.decode()
    page = Client().get(_url(step, team.sme2))
    assert "1 of 2 approvals" in page.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    assert client.get(_url(step, team.sme)).status_code == 410  # the same person cannot count twice

    _post(Client(enforce_csrf_checks=True), _url(step, team.sme2), action="approve")
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


def test_edit_then_approve_makes_a_new_version_and_keeps_the_diff(team, client):
    case, step = _in_review(team, text="Renewals take 10 days.")
    response = _post(
        client,
        _url(step, team.sme),
        action="edit_approve",
        edited_text="Renewals take 10 business days. <b>Apply online</b>.",
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    latest = Draft.objects.filter(case=case).order_by("-version").first()
    assert latest.text == "Renewals take 10 business days. <b>Apply online</b>."
    assert (latest.author, latest.via, latest.edited_from.text) == (
        team.sme,
        "email",
        "Renewals take 10 days.",
    )
    decision = StepDecision.objects.get(step=step)
    assert (decision.decision, decision.edited_draft) == ("edit_approve", latest)

    # The officer sees the change on the case, as an escaped diff.
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get(f"/cases/{case.pk}/")
    request.user = team.officer
    html = Template("{% load review_tags %}{% case_conversation case %}").render(
        Context({"case": case, "request": request})
    )
    assert "Renewals take 10 <ins>business </ins>days.<ins> &lt;b&gt;Apply online" in html
    assert "<b>Apply" not in html


def test_the_diff_marks_removed_and_added_words_and_escapes_them():
    from workflows.review_selectors import diff_html

    html = diff_html("Call <us> at 555.", "Write to us at <b>canada.ca</b>.")
    assert html == (
        "<del>Call</del><ins>Write</ins> <del>&lt;us&gt;</del><ins>to us</ins> at "
        "<del>555.</del><ins>&lt;b&gt;canada.ca&lt;/b&gt;.</ins>"
    )


def test_waiting_for_me_lists_the_step_and_decides_via_web(team):
    case, step = _in_review(team)
    browser = Client()
    browser.force_login(team.sme)
    page = browser.get("/review/mine/")
    assert page.status_code == 200
    assert f"Case #{case.pk}" in page.content.decode()
    assert list(steps_waiting_for(user=team.sme)) == [step]

    detail = browser.get(f"/review/step/{step.pk}/")
    assert detail.status_code == 200
    assert browser.post(f"/review/step/{step.pk}/", {"action": "approve"}).status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert AuditEvent.objects.get(case=case, action="approval.approve").via == "web"
    assert "Nothing is waiting" in browser.get("/review/mine/").content.decode()

    officer = Client()
    officer.force_login(team.outsider)  # an officer, not a reviewer
    assert officer.get("/review/mine/").status_code == 403
