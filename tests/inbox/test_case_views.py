"""The case page through the test client: each action, who may do it, what they see."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, OutboxStatus
from responder.inbox import services
from responder.inbox.models import CaseState, Draft
from responder.testing.factories import TopicFactory
from responder.testing.outbox import platform_refused

pytestmark = pytest.mark.django_db


HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def url(name: str, case) -> str:
    return reverse(f"cases:{name}", args=[case.pk])


def claimed(team, case, user=None):
    return services.case_claim(case_id=case.pk, actor=user or team.officer, via="web")


def textarea(html: str) -> str:
    match = re.search(r"<textarea[^>]*id=\"draft-text\"[^>]*>", html, re.S)
    assert match, "no draft editor on the page"
    return match.group(0)


def test_page_shows_the_post_escaped_with_thread_and_earlier_cases(team):
    hostile = "<script>alert(1)</script> <b>bold</b> **markdown** [link](http://evil.example)"
    earlier = team.case(text="An earlier question", author_handle="pat@mastodon.example")
    parent = team.case(text="The start of the thread", author_handle="pat@mastodon.example")
    case = team.case(text=hostile, author_handle="pat@mastodon.example", parent=parent)
    followup = team.case(text="A follow-up", parent=case)
    html = client_for(team.officer).get(url("detail", case)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "**markdown** [link](http://evil.example)" in html
    assert "The start of the thread" in html
    assert "A follow-up" in html and f"/cases/{followup.pk}/" in html
    assert "An earlier question" in html and f"/cases/{earlier.pk}/" in html


def test_officer_of_another_department_is_refused(team):
    case = team.case()
    # Not found, like a case that does not exist: ids of other departments are not probed.
    assert client_for(team.outsider).get(url("detail", case)).status_code == 404
    assert client_for(team.sme).post(url("claim", case)).status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.NEW


def test_anonymous_is_sent_to_login(team):
    response = Client().get(url("detail", team.case()))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_claim_with_one_click_then_release(team):
    case = team.case()
    client = client_for(team.officer)
    response = client.post(url("claim", case), {"version": case.version}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="case-body"' in body and "<html" not in body  # a partial
    assert "disabled" not in textarea(body)
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING and case.owner == team.officer

    response = client.post(url("release", case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.NEW and case.owner is None


def test_draft_box_is_locked_for_others_and_names_the_holder(team):
    case = team.case()
    claimed(team, case)
    html = client_for(team.officer2).get(url("detail", case)).content.decode()
    assert "disabled" in textarea(html)
    assert f"Held by {team.officer}" in html
    assert 'id="case-take-over"' not in html  # not a supervisor


def test_second_claim_is_a_clear_conflict(team):
    case = team.case()
    claimed(team, case)
    response = client_for(team.officer2).post(url("claim", case), **HTMX)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#case-alert"
    assert "already holds this case" in response.content.decode()


def test_stale_claim_without_htmx_shows_the_page_with_the_message(team):
    case = team.case()
    version = case.version
    claimed(team, case)
    services.case_release(case_id=case.pk, actor=team.officer, via="web")
    response = client_for(team.officer2).post(url("claim", case), {"version": version})
    assert response.status_code == 409
    assert "changed since you loaded it" in response.content.decode()


def test_saving_a_draft_from_someone_else_is_refused(team):
    case = team.case()
    claimed(team, case)
    response = client_for(team.officer2).post(
        url("draft_save", case), {"text": "Hello", "language": "en"}, **HTMX
    )
    assert response.status_code == 409
    assert not Draft.objects.filter(case=case).exists()


def test_admin_takes_over_with_a_reason_and_it_is_audited(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.admin)
    html = client.get(url("detail", case)).content.decode()
    assert 'id="case-take-over"' in html

    assert client.post(url("take_over", case), {"reason": ""}).status_code == 400
    response = client.post(url("take_over", case), {"reason": "Olivia is away"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == team.admin
    event = AuditEvent.objects.get(case=case, action="case.take_over")
    assert event.details["reason"] == "Olivia is away" and event.actor == team.admin
    assert "Olivia is away" in client.get(url("detail", case)).content.decode()


def test_officer_cannot_take_over(team):
    case = team.case()
    claimed(team, case)
    response = client_for(team.officer2).post(url("take_over", case), {"reason": "mine"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.owner == team.officer


def test_using_a_library_answer_fills_the_editor_and_needs_no_layer(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    response = client.get(url("use_answer", case), {"answer": team.answer.pk, "lang": "en"}, **HTMX)
    assert response.status_code == 200
    assert team.answer.text_en in response.content.decode()
    assert f'value="{team.answer.pk}"' in response.content.decode()

    client.post(
        url("draft_save", case),
        {"text": team.answer.text_en, "language": "en", "library_answer_id": team.answer.pk},
    )
    draft = Draft.objects.get(case=case)
    assert draft.library_unchanged
    html = client.get(url("detail", case)).content.decode()
    assert "No approval needed" in html

    response = client.post(
        url("submit", case), {"version": case.__class__.objects.get(pk=case.pk).version}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert OutboxItem.objects.get(case=case).text.startswith(f"@{case.author_handle} ")


def test_new_words_preview_one_sme_layer_with_names(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    client.post(
        url("draft_save", case),
        {"text": "Renewals take about ten business days. See canada.ca.", "language": "en"},
    )
    html = client.get(url("detail", case)).content.decode()
    preview = html[html.index('id="route-preview"') :][:1500]
    assert "1 approval layer" in preview
    assert "Subject-matter expert" in preview
    assert str(team.sme) in preview and str(team.sme2) in preview
    assert "Director" not in preview


def test_edited_library_answer_needs_the_sme(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    client.post(
        url("draft_save", case),
        {
            "text": team.answer.text_en + " Thanks!",
            "language": "en",
            "library_answer_id": team.answer.pk,
        },
    )
    html = client.get(url("detail", case)).content.decode()
    assert "1 approval layer" in html and "No approval needed" not in html


def test_sensitive_case_previews_sme_then_director(team):
    topic = TopicFactory(sensitive=True, name_en="Lost passports")
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    response = client.post(url("tag", case), {"topics": [topic.pk], "risk": "normal"}, **HTMX)
    assert response.status_code == 200
    client.post(url("draft_save", case), {"text": "We are looking into it.", "language": "en"})
    html = client.get(url("detail", case)).content.decode()
    preview = html[html.index('id="route-preview"') :][:2000]
    assert "2 approval layers" in preview
    assert preview.index("Subject-matter expert") < preview.index("Director")
    assert str(team.director) in preview

    response = client.post(url("submit", case))
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    html = client.get(url("detail", case)).content.decode()
    assert "Waiting for: Subject-matter expert" in html


def test_submit_is_blocked_by_a_link_to_another_domain(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    client.post(
        url("draft_save", case),
        {"text": "See https://evil.example.com/renew for the form.", "language": "en"},
    )
    html = client.get(url("detail", case)).content.decode()
    assert "Links to domains that are not allowed" in html
    assert re.search(r'id="draft-submit"[^>]*disabled', html)
    response = client.post(url("submit", case), **HTMX)
    assert response.status_code == 400
    body = response.content.decode()
    assert "The reply cannot be sent" in body and "evil.example.com/renew" in body
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING


def test_live_checks_warn_about_language_and_length(team):
    case = team.case(language="en")
    claimed(team, case)
    response = client_for(team.officer).post(
        url("draft_checks", case),
        {"text": "Le traitement prend dix jours ouvrables. " * 15, "language": "en"},
        **HTMX,
    )
    body = response.content.decode()
    assert 'id="editor-checks"' in body
    assert "looks French" in body
    assert "over the 500 limit" in body


def test_withdraw_close_reopen(team):
    case = team.case()
    claimed(team, case)
    client = client_for(team.officer)
    client.post(url("draft_save", case), {"text": "New words here for you.", "language": "en"})
    client.post(url("submit", case))
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW
    client.post(url("withdraw", case))
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING

    response = client.post(url("close", case), {"reason": "duplicate", "note": "see #12"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.close_reason == "duplicate"
    html = client.get(url("detail", case)).content.decode()
    assert "Closed: Duplicate." in html
    client.post(url("reopen", case))
    case.refresh_from_db()
    assert case.state == CaseState.NEW


def test_close_needs_a_known_reason(team):
    case = team.case()
    response = client_for(team.officer).post(url("close", case), {"reason": "bored"}, **HTMX)
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.state == CaseState.NEW


def refused(simulator, team, case, *, http: int = 422, error: str = "<b>Text too long</b>"):
    """The case's library answer approved, then refused by the platform (the simulator
    answers `http` with `error` to the real posting service)."""
    team.answer_from_library(case)
    return platform_refused(simulator, case.pk, status=http, message=error)


def test_failed_post_shows_the_error_and_can_be_retried(
    simulator, team, django_capture_on_commit_callbacks
):
    case = team.case()
    item = refused(simulator, team, case)
    assert (item.status, item.attempts, item.post_attempts.get().http_status) == (
        OutboxStatus.FAILED,
        1,
        422,
    )
    client = client_for(team.officer)
    html = client.get(url("detail", case)).content.decode()
    # Why, in the officer's language, then the platform's own words, escaped.
    assert "The platform refused the reply as written." in html
    assert "The platform said:" in html and "&lt;b&gt;Text too long&lt;/b&gt;" in html
    assert "<b>Text too long" not in html
    client.cookies["django_language"] = "fr"  # the header's switch
    french = client.get(url("detail", case))
    assert "La plateforme a refusé la réponse telle qu’elle est rédigée." in french.content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url("retry", case))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.POSTING
    assert OutboxItem.objects.get(case=case).status == OutboxStatus.PENDING


def test_a_refused_reply_is_changed_and_goes_through_approval_again(simulator, team):
    case = team.case()
    first = refused(simulator, team, case)
    client = client_for(team.officer2)  # any officer of the department may take it
    html = client.get(url("detail", case)).content.decode()
    assert 'id="case-revise"' in html and 'id="case-retry"' in html
    response = client.post(url("revise", case), follow=True)
    assert "Change the reply, then submit it again." in response.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING and case.owner == team.officer2
    # The editor starts from the refused text.
    assert team.answer.text_en[:30] in response.content.decode()
    client.post(url("draft_save", case), {"text": "Renewals take ten days.", "language": "en"})
    client.post(url("submit", case))
    case.refresh_from_db()
    assert case.state == CaseState.IN_REVIEW  # new words: the SME decides
    first.refresh_from_db()
    assert first.status == OutboxStatus.FAILED  # the refused row is never sent
    assert AuditEvent.objects.filter(case=case, action="case.revise").count() == 1


def test_a_refused_reply_can_be_closed_instead(simulator, team):
    case = team.case()
    refused(simulator, team, case, http=404, error="Record not found")
    client = client_for(team.officer)
    html = client.get(url("detail", case)).content.decode()
    assert "no longer on the platform" in html and 'id="case-close"' in html
    client.post(url("close", case), {"reason": "handled_elsewhere", "note": "Phoned them."})
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.close_reason == "handled_elsewhere"


def test_history_shows_versions_with_escaped_diffs_and_events(team):
    case = team.case()
    AuditEvent.objects.create(case=case, action="case.ingested", via="system", to_state="new")
    claimed(team, case)
    client = client_for(team.officer)
    client.post(url("draft_save", case), {"text": "Renewals take ten days.", "language": "en"})
    client.post(
        url("draft_save", case),
        {"text": "Renewals take <em>twelve</em> days.", "language": "en"},
    )
    html = client.get(url("detail", case)).content.decode()
    assert "<del>ten</del>" in html
    assert "<ins>&lt;em&gt;twelve&lt;/em&gt;</ins>" in html
    assert "Claimed" in html and "Draft saved" in html
    assert "Received from the platform" in html and "case.ingested" not in html
    assert "New → Drafting" in html


def test_library_search_in_place_and_other_language(team):
    case = team.case(text="How long is the passport processing time?")
    claimed(team, case)
    client = client_for(team.officer)
    html = client.get(url("detail", case)).content.decode()
    suggestions = html[html.index("Suggested for this question") :]
    assert team.answer.title_en in suggestions
    response = client.get(url("library", case), {"q": "traitement", "lang": "fr"}, **HTMX)
    body = response.content.decode()
    assert team.answer.title_fr in body and "Use this answer" in body
    response = client.get(url("library", case), {"q": "nothing-like-this"}, **HTMX)
    assert "No matching answer" in response.content.decode()


def test_case_page_in_french(team):
    case = team.case()
    client = client_for(team.officer)
    client.cookies["django_language"] = "fr"
    response = client.get(url("detail", case), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()


def test_library_page_lists_both_languages(team):
    client = client_for(team.officer)
    html = client.get(reverse("library:index")).content.decode()
    assert team.answer.title_en in html and team.answer.title_fr in html
    assert "pre-approved" in html
    html = client.get(reverse("library:index"), {"q": "zzz-none"}, **HTMX).content.decode()
    assert "No answer matches" in html and "<html" not in html


def test_library_page_is_for_officers(team):
    assert client_for(team.sme).get(reverse("library:index")).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_double_claim_from_two_officers_at_once_gives_one_owner(team):
    import threading

    from django.db import connection

    case = team.case()
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def claim_as(user) -> None:
        client = client_for(user)
        barrier.wait()
        statuses.append(client.post(url("claim", case), **HTMX).status_code)
        connection.close()

    threads = [threading.Thread(target=claim_as, args=(u,)) for u in (team.officer, team.officer2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200, 409]
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING and case.owner in (team.officer, team.officer2)
    assert AuditEvent.objects.filter(case=case, action="case.claim").count() == 1
