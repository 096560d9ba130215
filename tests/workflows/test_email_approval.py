"""An SME approves from the email: real SMTP server, real HTTP against the live server."""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import httpx
import pytest

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.workflows.mailsink import (  # noqa: F401
    celery_worker,
    csrf_from,
    fresh_rate_limit,
    link_in,
    parts,
    smtp,
)
from workflows import submission
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus
from workflows.tasks import step_opened_notify

pytestmark = pytest.mark.usefixtures("fresh_rate_limit")

QUESTION = "<script>alert(1)</script> How long does a renewal take & what does it cost?"


def _submit(team, case, text="Renewals take 10 business days."):
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text=text)
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return ApprovalStep.objects.filter(case=case).order_by("position")


def _approve(link: str) -> httpx.Response:
    with httpx.Client(timeout=10) as client:  # keeps the CSRF cookie between requests
        page = client.get(link)
        assert page.status_code == 200
        return client.post(
            link,
            data={"csrfmiddlewaretoken": csrf_from(page.text), "action": "approve"},
            headers={"Referer": link},
        )


def test_sme_approves_from_the_email_and_the_reply_reaches_the_outbox(
    team, smtp, live_server, settings
):
    settings.SITE_URL = live_server.url
    team.sme.language = "fr"
    team.sme.save()
    case = team.case(text=QUESTION)
    (step,) = _submit(team, case)

    step_opened_notify(step.pk)  # what the worker runs after commit

    (mail,) = smtp.wait_for(team.sme.email)
    smtp.wait_for(team.sme2.email)  # every reviewer of the layer gets their own link
    text, html = parts(mail)
    # Each reviewer is written to in their own language.
    assert mail["Subject"] == f"Réponse à approuver : cas no {case.pk}"
    assert smtp.to(team.sme2.email)[0]["Subject"] == f"Reply to approve: case #{case.pk}"
    assert QUESTION in text  # the text part is plain text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Renewals take 10 business days." in text
    assert str(team.officer) in text  # who wrote the draft
    link = link_in(mail)
    assert link != link_in(smtp.to(team.sme2.email)[0])

    response = _approve(link)

    assert response.status_code == 200
    assert "Thank you" in response.text or "Merci" in response.text
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert OutboxItem.objects.filter(case=case).count() == 1
    decision = StepDecision.objects.get(step=step)
    assert (decision.reviewer, decision.decision, decision.via) == (team.sme, "approve", "email")
    event = AuditEvent.objects.get(case=case, action="approval.approve")
    assert (event.via, event.actor) == ("email", team.sme)
    assert link.rsplit("/review/", 1)[1].strip("/") not in str(event.details)


def test_two_layers_the_director_gets_the_next_email(
    team, smtp, live_server, settings, celery_worker
):
    """With a real worker sending what the services queue: the director's email comes
    only once the SME has approved, and once."""
    settings.SITE_URL = live_server.url
    case = team.sensitive_case()
    _first, second = _submit(team, case)  # the worker e-mails the SMEs after commit

    (sme_mail,) = smtp.wait_for(team.sme.email)
    smtp.wait_for(team.sme2.email)
    # Both SME e-mails are out, so the worker has taken every task of the submission:
    # nothing was written to the director of the second layer.
    assert smtp.to(team.director.email) == []

    assert _approve(link_in(sme_mail)).status_code == 200
    second.refresh_from_db()
    case.refresh_from_db()
    assert (case.state, second.status) == (CaseState.IN_REVIEW, StepStatus.OPEN)

    (mail,) = smtp.wait_for(team.director.email)  # queued by the approval, sent by the worker
    step_opened_notify(second.pk)  # the task is safe to run twice: still one email
    assert smtp.to(team.director.email) == [mail]
    assert _approve(link_in(mail)).status_code == 200

    # Approved, and handed to the outbox once (the worker may already be posting it).
    assert AuditEvent.objects.filter(case=case, to_state=CaseState.APPROVED).count() == 1
    assert OutboxItem.objects.filter(case=case).count() == 1
    assert list(
        StepDecision.objects.filter(step__case=case).values_list("reviewer__username", "via")
    ) == [("sam", "email"), ("diane", "email")]


def test_get_and_head_on_the_link_change_nothing(team, smtp, live_server, settings):
    settings.SITE_URL = live_server.url
    case = team.case()
    (step,) = _submit(team, case)
    step_opened_notify(step.pk)
    link = link_in(smtp.wait_for(team.sme.email)[0])
    case.refresh_from_db()
    version, events = case.version, AuditEvent.objects.count()

    with httpx.Client(timeout=10) as client:
        for _ in range(2):
            assert client.head(link).status_code == 200
            page = client.get(link)
            assert page.status_code == 200
            assert "Renewals take 10 business days." in page.text
            assert (
                "no-store" in page.headers["Cache-Control"]
                or "no-cache" in page.headers["Cache-Control"]
            )
        # POST without a CSRF token (what a script in a scanner might do) is refused.
        refused = client.post(link, data={"action": "approve"})
        assert refused.status_code == 403

    case.refresh_from_db()
    assert case.version == version and case.state == CaseState.IN_REVIEW
    assert AuditEvent.objects.count() == events
    assert not StepDecision.objects.exists()


def test_request_changes_from_the_link_sends_it_back_to_the_officer(
    team, smtp, live_server, settings
):
    settings.SITE_URL = live_server.url
    case = team.case()
    (step,) = _submit(team, case)
    step_opened_notify(step.pk)
    link = link_in(smtp.wait_for(team.sme.email)[0])

    with httpx.Client(timeout=10) as client:
        csrf = csrf_from(client.get(link).text)
        empty = client.post(
            link, data={"csrfmiddlewaretoken": csrf, "action": Decision.REQUEST_CHANGES}
        )
        assert empty.status_code == 400
        assert "a comment is required" in empty.text
        done = client.post(
            link,
            data={
                "csrfmiddlewaretoken": csrf,
                "action": Decision.REQUEST_CHANGES,
                "comment": "Mention the <fee> of $120.",
            },
        )
    assert done.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.DRAFTING

    from workflows.tasks import changes_requested_notify

    changes_requested_notify(step.pk)
    (mail,) = smtp.wait_for(team.officer.email)
    text, html = parts(mail)
    assert "Mention the <fee> of $120." in text
    assert "Mention the &lt;fee&gt; of $120." in html


def test_with_a_real_worker_each_layer_is_emailed_after_commit(
    team, smtp, live_server, settings, celery_worker
):
    """No task is called by hand: submit and approve queue the emails through Redis."""
    settings.SITE_URL = live_server.url
    case = team.sensitive_case()
    _submit(team, case)

    (to_sme,) = smtp.wait_for(team.sme.email, timeout=30)
    assert _approve(link_in(to_sme)).status_code == 200
    (to_director,) = smtp.wait_for(team.director.email, timeout=30)
    assert _approve(link_in(to_director)).status_code == 200

    case.refresh_from_db()
    assert OutboxItem.objects.filter(case=case).count() == 1
    assert list(
        AuditEvent.objects.filter(case=case, action="approval.approve").values_list(
            "via", flat=True
        )
    ) == ["email", "email"]
