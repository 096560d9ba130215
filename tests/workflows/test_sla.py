"""SLA clock: business hours and holidays, reminders, escalation exactly once."""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import datetime as dt
import threading
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client

from responder.accounts.models import Holiday, Role
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from responder.inbox.models import CaseState
from tests.factories import DepartmentFactory, person
from tests.workflows.mailsink import (  # noqa: F401
    eager_tasks,
    fresh_rate_limit,
    link_in,
    smtp,
)
from workflows import submission
from workflows.escalation import sla_sweep_run
from workflows.models import ApprovalLayer, ApprovalStep
from workflows.sla import WorkCalendar, add_business_minutes, step_due_at

pytestmark = pytest.mark.usefixtures("fresh_rate_limit")

TORONTO = zoneinfo.ZoneInfo("America/Toronto")
FRIDAY_4PM = dt.datetime(2026, 11, 27, 16, 0, tzinfo=TORONTO)
CALENDAR = WorkCalendar(
    tz=TORONTO, start=dt.time(9), end=dt.time(17), weekdays=frozenset({1, 2, 3, 4, 5})
)


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TORONTO)


# --- business-hours arithmetic -----------------------------------------------------------


def test_friday_4pm_plus_two_hours_is_monday_10am():
    assert add_business_minutes(CALENDAR, start=FRIDAY_4PM, minutes=120) == at(30, 10)


def test_time_outside_the_workday_starts_counting_at_the_next_opening():
    assert add_business_minutes(CALENDAR, start=at(25, 7), minutes=30) == at(25, 9, 30)
    assert add_business_minutes(CALENDAR, start=at(25, 20), minutes=30) == at(26, 9, 30)
    assert add_business_minutes(CALENDAR, start=at(28, 12), minutes=60) == at(30, 10)  # Saturday


def test_a_long_sla_spans_several_workdays():
    # 20 working hours from Wednesday 13:00: 4 h Wed, 8 h Thu, 8 h Fri.
    assert add_business_minutes(CALENDAR, start=at(25, 13), minutes=20 * 60) == at(27, 17)
    assert add_business_minutes(CALENDAR, start=at(25, 13), minutes=20 * 60 + 1) == at(30, 9, 1)


@pytest.mark.django_db
def test_holidays_are_skipped_for_their_department_only():
    passports = DepartmentFactory(slug="passports-sla", timezone="America/Toronto")
    taxes = DepartmentFactory(slug="taxes-sla", timezone="America/Toronto")
    Holiday.objects.create(department=passports, date=dt.date(2026, 11, 30), name="Office day")
    Holiday.objects.create(department=None, date=dt.date(2026, 12, 1), name="Everyone's day")

    # Monday is a holiday for passports, Tuesday for everyone: Wednesday 10:00.
    assert step_due_at(department=passports, opened_at=FRIDAY_4PM, sla_minutes=120) == at(
        2, 10, month=12
    )
    # Taxes works Monday: Monday 10:00.
    assert step_due_at(department=taxes, opened_at=FRIDAY_4PM, sla_minutes=120) == at(30, 10)


@pytest.mark.django_db
def test_department_time_zone_workday_and_around_the_clock():
    vancouver = DepartmentFactory(
        slug="west", timezone="America/Vancouver", workday_start=dt.time(8), working_days="123456"
    )
    # Friday 16:00 in Toronto is 13:00 in Vancouver: 2 h later, still Friday.
    assert step_due_at(department=vancouver, opened_at=FRIDAY_4PM, sla_minutes=120) == at(27, 18)
    # Saturday is a working day there.
    assert step_due_at(department=vancouver, opened_at=FRIDAY_4PM, sla_minutes=300) == at(28, 12)

    always = DepartmentFactory(slug="always", sla_business_hours=False)
    assert step_due_at(department=always, opened_at=FRIDAY_4PM, sla_minutes=120) == at(27, 18)


# --- the steps -----------------------------------------------------------------------------


def _submit(team, case=None):
    case = case or team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    return case, ApprovalStep.objects.get(case=case, position=1)


def _new_answer_layer(**changes) -> ApprovalLayer:
    layer = ApprovalLayer.objects.get(policy__name="New answer")
    for name, value in changes.items():
        setattr(layer, name, value)
    layer.save()
    return layer


@pytest.mark.django_db
def test_a_step_opened_friday_afternoon_is_due_monday(team):
    team.department.timezone = "America/Toronto"
    team.department.save()
    _new_answer_layer(sla_minutes=120)
    with time_machine.travel(FRIDAY_4PM, tick=False):
        _case, step = _submit(team)
    assert step.due_at == at(30, 10)


@pytest.mark.django_db
def test_reviewers_are_reminded_once_at_three_quarters(
    team, eager_tasks, django_capture_on_commit_callbacks
):
    _new_answer_layer(sla_minutes=240)
    team.department.sla_business_hours = False
    team.department.save()
    with django_capture_on_commit_callbacks(execute=True):
        _case, step = _submit(team)  # the reviewers are asked for a decision
    mail.outbox.clear()

    assert sla_sweep_run(now=step.opened_at + dt.timedelta(minutes=170)).reminded == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_sweep_run(now=step.opened_at + dt.timedelta(minutes=181))
    assert (result.reminded, result.escalated) == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep_run(now=step.opened_at + dt.timedelta(minutes=200)).reminded == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted([team.sme.email, team.sme2.email])
    assert all(m.subject.startswith("Reminder") for m in mail.outbox)
    event = AuditEvent.objects.get(action="approval.remind")
    assert (event.via, event.actor) == ("system", None)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_exactly_once(team, smtp, eager_tasks):
    delegate = person(Role.APPROVER, team.department, username="dana")
    _new_answer_layer(sla_minutes=60, delegate=delegate)
    _case, step = _submit(team)
    late = step.due_at + dt.timedelta(minutes=1)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(sla_sweep_run(now=late))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()  # each thread had its own connection

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert sorted(r.escalated for r in results) == [0, 1]
    step.refresh_from_db()
    assert step.escalated_at == late
    events = AuditEvent.objects.filter(action="approval.escalate")
    assert [(e.via, e.details["delegate"]) for e in events] == [("system", delegate.pk)]
    (escalation,) = smtp.to(delegate.email)
    assert escalation["Subject"].startswith("Overdue")
    assert "/review/" in link_in(escalation)
    assert sla_sweep_run(now=late + dt.timedelta(hours=1)).escalated == 0


@pytest.mark.django_db
def test_the_delegate_decides_with_their_own_link_and_the_first_decision_wins(
    team, eager_tasks, django_capture_on_commit_callbacks
):
    delegate = person(Role.APPROVER, team.department, username="dana")
    _new_answer_layer(sla_minutes=60, delegate=delegate)
    case, step = _submit(team)
    from workflows.tokens import review_token_make

    sme_link = f"/review/{review_token_make(step_id=step.pk, user_id=team.sme.pk)}/"
    early = f"/review/{review_token_make(step_id=step.pk, user_id=delegate.pk)}/"
    assert Client().get(early).status_code == 403  # not escalated yet: not the delegate's turn

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert sla_sweep_run(now=step.due_at + dt.timedelta(seconds=1)).escalated == 1
    (escalation,) = [m for m in mail.outbox if m.to == [delegate.email]]
    link = link_in(escalation.message())
    path = link.split("://", 1)[1].split("/", 1)[1]

    client = Client(enforce_csrf_checks=True)
    page = client.get(f"/{path}")
    assert page.status_code == 200 and "overdue" in page.content.decode()
    done = client.post(
        f"/{path}", {"csrfmiddlewaretoken": page.context["csrf_token"], "action": "approve"}
    )
    assert done.status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.APPROVED

    late = Client().get(sme_link)
    assert late.status_code == 410
    assert "already decided" in late.content.decode()
