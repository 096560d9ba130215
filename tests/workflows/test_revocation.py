"""Removing a reviewer's role, or deactivating them, takes effect on their pending
approval steps (issue #11, item 4): their links answer 410 and say why, the step goes
to someone who may still decide it, with an audit event and an email."""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from responder.accounts.models import Membership, Role
from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem
from responder.errors import PermissionDenied
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.factories import UserFactory, person
from tests.inbox.test_concurrency import race
from tests.workflows.mailsink import (  # noqa: F401
    csrf_from,
    eager_tasks,
    fresh_rate_limit,
    link_in,
    smtp,
)
from workflows import selectors, submission
from workflows.escalation import step_escalate
from workflows.models import ApprovalLayer, ApprovalStep, StepDecision, StepStatus
from workflows.services import approval_decide
from workflows.tasks import step_opened_notify
from workflows.tokens import review_token_make

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limit")]

REVOKED = "You are no longer a reviewer of this request: your role changed on"


def _submit(team, case=None):
    case = case or team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Renewals: 10 days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case, ApprovalStep.objects.filter(case=case).order_by("position").first()


def _path(link: str) -> str:
    return urlsplit(link).path


def _mailed_link(smtp, user, count: int = 1) -> str:
    return _path(link_in(smtp.wait_for(user.email, count=count)[-1]))


def _post_action(client: Client, path: str, action: str = "approve"):
    page = client.get(path)
    csrf = csrf_from(page.content.decode()) if page.status_code == 200 else "x"
    return client.post(path, {"csrfmiddlewaretoken": csrf, "action": action})


def _remove_role(user, role=Role.SME) -> None:
    Membership.objects.get(user=user, role=role).delete()


def _removal_event(step):
    return AuditEvent.objects.get(
        action="approval.reviewer_removed", subject_type="approvalstep", subject_id=step.pk
    )


def _waiting(user) -> list[int]:
    """ "Waiting for me" (one selector for the page, the API and the emails)."""
    return list(selectors.steps_waiting_for(user=user).values_list("pk", flat=True))


def test_a_removed_smes_link_answers_410_and_the_step_goes_to_the_other_smes(
    team, smtp, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    case, step = _submit(team)
    step_opened_notify(step.pk)
    sam_link = _mailed_link(smtp, team.sme)
    sophie_link = _mailed_link(smtp, team.sme2)
    assert _waiting(team.sme) == [step.pk]
    # Sid became an SME after the draft was submitted: not a reviewer of the step yet.
    sid = person(Role.SME, team.department, username="sid")

    with django_capture_on_commit_callbacks(execute=True):
        _remove_role(team.sme)  # as from the shell or the admin's inline

    client = Client(enforce_csrf_checks=True)
    page = client.get(sam_link)
    assert page.status_code == 410
    assert REVOKED in page.content.decode()
    assert "Nothing else is needed from you." in page.content.decode()
    assert 'name="action"' not in page.content.decode()  # no decision form
    refused = client.post(sam_link, {"action": "approve"})
    assert refused.status_code in (403, 410)  # CSRF or the link: never an approval
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert not StepDecision.objects.filter(step=step).exists()
    assert _waiting(team.sme) == []
    assert set(step.reviewers.all()) == {team.sme2, sid}

    event = _removal_event(step)
    assert event.case == case
    assert event.details["removed"] == team.sme.pk
    assert event.details["added"] == [sid.pk]
    assert event.details["cause"] == "membership_deleted"
    assert not event.details["unroutable"]

    # The newly added SME got their own link; it works, and so does Sophie's.
    assert client.get(sophie_link).status_code == 200
    sid_link = _mailed_link(smtp, sid)
    assert len(smtp.to(team.sme2.email)) == 1  # nobody is written to twice
    response = _post_action(Client(enforce_csrf_checks=True), sid_link)
    assert response.status_code == 200, response.content[:300]
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED
    assert StepDecision.objects.get(step=step).reviewer == sid


def test_the_removed_sme_cannot_decide_signed_in_nor_through_the_api(team):
    _case, step = _submit(team)
    team.sme.memberships.create(department=team.department, role=Role.OFFICER)
    _remove_role(team.sme)

    web = Client()
    web.force_login(team.sme)
    assert web.get(f"/review/step/{step.pk}/").status_code == 403
    mine = web.get("/review/mine/")
    assert mine.status_code == 403 or step not in mine.context["steps"]
    api = APIClient()
    api.force_authenticate(team.sme)
    response = api.post(f"/api/v1/steps/{step.pk}/decide/", {"decision": "approve"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert not StepDecision.objects.filter(step=step).exists()


def test_a_deactivated_reviewers_link_answers_410_and_says_why_in_french(team, smtp, settings):
    settings.SITE_URL = "http://testserver"
    _case, step = _submit(team)
    step_opened_notify(step.pk)
    sam_link = _mailed_link(smtp, team.sme)
    team.sme.language = "fr"
    team.sme.save()

    team.sme.is_active = False
    team.sme.save()

    page = Client().get(sam_link)
    assert page.status_code == 410
    body = page.content.decode()
    assert "Vous n’êtes plus réviseur de cette demande : votre rôle a changé le" in body
    assert "Vous n’avez rien d’autre à faire." in body
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert list(step.reviewers.all()) == [team.sme2]
    assert _waiting(team.sme) == []
    event = _removal_event(step)
    assert (event.details["removed"], event.details["cause"]) == (team.sme.pk, "deactivated")
    assert Client().get(f"/review/{sam_link.rsplit('/review/', 1)[1]}").status_code == 410


def test_re_routing_falls_back_to_the_delegate_then_the_department_admin(
    team, smtp, settings, eager_tasks, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "http://testserver"
    _remove_role(team.sme2)  # Sam is the only SME left
    ApprovalLayer.objects.filter(policy__name="New answer").update(delegate=team.director)
    site_admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    case, step = _submit(team)
    assert list(step.reviewers.all()) == [team.sme]

    # No other SME: the layer's delegate (a director, still entitled) takes it.
    with django_capture_on_commit_callbacks(execute=True):
        _remove_role(team.sme)
    step.refresh_from_db()
    assert list(step.reviewers.all()) == [team.director]
    event = _removal_event(step)
    assert (event.details["added"], event.details["fallback"]) == ([team.director.pk], "delegate")
    director_link = _mailed_link(smtp, team.director)
    assert Client().get(director_link).status_code == 200

    # The director loses the role too: the department's admin takes it.
    with django_capture_on_commit_callbacks(execute=True):
        _remove_role(team.director, Role.APPROVER)
    step.refresh_from_db()
    assert list(step.reviewers.all()) == [team.admin]
    assert step.delegate is None
    assert Client().get(director_link).status_code == 410
    events = AuditEvent.objects.filter(action="approval.reviewer_removed").order_by("id")
    assert [e.details["fallback"] for e in events] == ["delegate", "admins"]
    admin_link = _mailed_link(smtp, team.admin)

    # And without an admin, nobody can take it: the step waits, the site admins are told.
    with django_capture_on_commit_callbacks(execute=True):
        _remove_role(team.admin, Role.ADMIN)
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert list(step.reviewers.all()) == []
    last = AuditEvent.objects.filter(action="approval.reviewer_removed").latest("id")
    assert (last.details["added"], last.details["unroutable"]) == ([], True)
    (alert,) = smtp.wait_for(site_admin.email)
    assert f"case #{case.pk}" in alert["Subject"]
    assert Client().get(admin_link).status_code == 410


def test_a_reviewer_who_keeps_a_reviewing_role_keeps_the_step(team):
    _case, step = _submit(team)
    team.sme.memberships.create(department=team.department, role=Role.ADMIN)
    _remove_role(team.sme)
    assert team.sme in step.reviewers.all()
    assert not AuditEvent.objects.filter(action="approval.reviewer_removed").exists()


def test_a_role_changed_in_place_counts_as_removed(team):
    _case, step = _submit(team)
    membership = Membership.objects.get(user=team.sme, role=Role.SME)
    membership.role = Role.OFFICER
    membership.save()
    assert team.sme not in step.reviewers.all()
    assert _removal_event(step).details["cause"] == "role_changed"


def test_a_deleted_reviewer_is_taken_off_and_their_link_says_so(team):
    _case, step = _submit(team)
    sam_path = f"/review/{review_token_make(step_id=step.pk, user_id=team.sme.pk)}/"

    team.sme.delete()

    assert list(step.reviewers.all()) == [team.sme2]
    assert _removal_event(step).details["cause"] == "deleted"
    page = Client().get(sam_path)
    assert page.status_code == 410
    assert REVOKED in page.content.decode()


def test_a_waiting_layer_is_re_routed_and_its_new_reviewer_asked_once_it_opens(
    team, smtp, settings, eager_tasks, django_capture_on_commit_callbacks
):
    """A sensitive case: the director's layer waits for the SME's. The director loses
    the role; the department's admin takes the waiting layer and is asked when it opens."""
    settings.SITE_URL = "http://testserver"
    case, first = _submit(team, team.sensitive_case())
    second = ApprovalStep.objects.get(case=case, position=2)
    assert second.status == StepStatus.WAITING

    with django_capture_on_commit_callbacks(execute=True):
        _remove_role(team.director, Role.APPROVER)

    second.refresh_from_db()
    assert list(second.reviewers.all()) == [team.admin]
    assert _removal_event(second).details["fallback"] == "admins"
    assert smtp.to(team.admin.email) == []  # not before the layer opens
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(step_id=first.pk, reviewer=team.sme, decision="approve", via="web")
    response = _post_action(Client(enforce_csrf_checks=True), _mailed_link(smtp, team.admin))
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED


# --- races, with real concurrent connections (see tests/inbox/test_concurrency.py) ----


def _removal_events(case):
    return AuditEvent.objects.filter(case=case, action="approval.reviewer_removed")


def _remove_role_at_once(user):
    def remove() -> None:
        with transaction.atomic():  # as the admin's form does
            _remove_role(user)

    return remove


@pytest.mark.django_db(transaction=True)
def test_a_role_removal_racing_the_reviewers_own_decision_has_exactly_one_outcome(team):
    for _round in range(3):
        case, step = _submit(team)
        results = race(
            _remove_role_at_once(team.sme),
            lambda step=step: approval_decide(
                step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
            ),
        )
        step.refresh_from_db()
        case.refresh_from_db()
        approvals = AuditEvent.objects.filter(case=case, action="approval.approve")
        if isinstance(results[1], Exception):
            # The removal came first: the decision was refused, the step goes on without Sam.
            assert isinstance(results[1], PermissionDenied)
            assert (step.status, case.state) == (StepStatus.OPEN, CaseState.IN_REVIEW)
            assert team.sme not in step.reviewers.all()
            assert not StepDecision.objects.filter(step=step).exists()
            assert (_removal_events(case).count(), approvals.count()) == (1, 0)
        else:
            # The decision came first and stands; there was nothing left to take away.
            assert (step.status, case.state) == (StepStatus.APPROVED, CaseState.APPROVED)
            assert OutboxItem.objects.filter(case=case).count() == 1
            assert (_removal_events(case).count(), approvals.count()) == (0, 1)
        assert results[0] is None
        assert _waiting(team.sme) == []
        team.sme.memberships.create(department=team.department, role=Role.SME)


@pytest.mark.django_db(transaction=True)
def test_a_role_removal_racing_another_reviewers_decision_keeps_both(team):
    """Two approvals needed, three SMEs: Sophie approves while Sam loses the role. Both
    land, each once, and neither overwrites the other."""
    ApprovalLayer.objects.filter(policy__name="New answer").update(approvals_required=2)
    sid = person(Role.SME, team.department, username="sid")
    case, step = _submit(team)
    case.refresh_from_db()
    version = case.version

    results = race(
        _remove_role_at_once(team.sme),
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme2, decision="approve", via="email"
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    case.refresh_from_db()
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert set(step.reviewers.all()) == {team.sme2, sid}
    assert list(StepDecision.objects.filter(step=step).values_list("reviewer", flat=True)) == [
        team.sme2.pk
    ]
    assert AuditEvent.objects.filter(case=case, action="approval.approve").count() == 1
    assert _removal_events(case).count() == 1
    assert case.version == version + 2  # no lost update
    assert _waiting(team.sme) == []
    assert _waiting(sid) == [step.pk]


@pytest.mark.django_db(transaction=True)
def test_a_decision_racing_the_escalation_has_one_effect_each(team):
    ApprovalLayer.objects.filter(policy__name="New answer").update(delegate=team.director)
    case, step = _submit(team)
    ApprovalStep.objects.filter(pk=step.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))

    decided, escalated = race(
        lambda: approval_decide(
            step_id=step.pk, reviewer=team.sme, decision="approve", via="email"
        ),
        lambda: step_escalate(step_id=step.pk),
    )

    assert not isinstance(decided, Exception), decided
    assert isinstance(escalated, bool), repr(escalated)
    case.refresh_from_db()
    step.refresh_from_db()
    assert (step.status, case.state) == (StepStatus.APPROVED, CaseState.APPROVED)
    assert StepDecision.objects.filter(step=step).count() == 1
    assert OutboxItem.objects.filter(case=case).count() == 1
    approve = AuditEvent.objects.get(case=case, action="approval.approve")
    escalations = AuditEvent.objects.filter(case=case, action="approval.escalate")
    assert escalations.count() == (1 if escalated else 0)
    if escalated:
        # Escalated while the step was still open, and decided afterwards.
        assert escalations.get().pk < approve.pk
        assert step.escalated_at is not None
    else:
        assert step.escalated_at is None
    # Once decided, a second sweep escalates nothing.
    assert step_escalate(step_id=step.pk) is False


# --- the admin pages: the signed-in admin is the actor --------------------------------


class _FormFields(HTMLParser):
    """The fields a browser would send from one <form> of a page (by its id)."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.select: str | None = None
        self.textarea: str | None = None
        self.data: dict[str, list[str]] = {}

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or (tag != "option" and not a.get("name")):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            self._add(a["name"], a.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self._add(self.select, a.get("value", ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self._add(a["name"], "")

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.data[self.textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.inside = False


def _site_admin() -> tuple[Client, object]:
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    return client, root


def test_a_role_removed_in_the_admins_people_page_is_revoked_in_the_admins_name(team):
    _case, step = _submit(team)
    client, root = _site_admin()
    url = f"/admin/accounts/user/{team.sme.pk}/change/"
    page = client.get(url)
    parser = _FormFields("user_form")
    parser.feed(page.content.decode())
    data = parser.data
    membership = Membership.objects.get(user=team.sme, role=Role.SME)
    (row,) = [k for k, v in data.items() if k.endswith("-id") and v == [str(membership.pk)]]
    data[row.removesuffix("-id") + "-DELETE"] = ["on"]

    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert team.sme not in step.reviewers.all()
    event = _removal_event(step)
    assert (event.actor, event.via) == (root, "admin")


def test_the_admins_deactivate_action_revokes_the_persons_pending_steps(team):
    _case, step = _submit(team)
    client, root = _site_admin()

    response = client.post(
        "/admin/accounts/user/",
        {"action": "deactivate", "_selected_action": [team.sme.pk]},
    )

    assert response.status_code == 302
    team.sme.refresh_from_db()
    assert not team.sme.is_active
    assert list(step.reviewers.all()) == [team.sme2]
    event = _removal_event(step)
    assert (event.actor, event.via, event.details["cause"]) == (root, "admin", "deactivated")
