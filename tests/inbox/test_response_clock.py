"""The first-response clock: a deadline per priority (and platform) set at ingest in
the department's business hours, the inbox's "due soon" and "overdue" badges and
filters, and one reminder to the owner or the queue."""
# ruff: noqa: F811 (the mail-sink fixtures are imported, then requested by name)

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import Client

from responder.accounts.models import Holiday
from responder.inbox import services as inbox
from responder.inbox.incoming_models import ResponseTarget
from responder.inbox.incoming_rules import RuleInput, incoming_rule_save
from responder.inbox.models import CloseReason, Priority
from tests.inbox.classification_helpers import ingest
from tests.workflows.mailsink import eager_tasks, smtp  # noqa: F401
from workflows.response_reminders import response_reminders_run

pytestmark = pytest.mark.django_db

TORONTO = zoneinfo.ZoneInfo("America/Toronto")


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TORONTO)


def due(case) -> dt.datetime:
    """The case's deadline (the ingest helper spaces a batch's posts by a millisecond)."""
    return case.respond_by.replace(microsecond=0)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clock(team):
    """Toronto business hours (9-17, Monday to Friday); urgent cases within one
    business hour, normal ones within four, Mastodon's normal ones within two; an
    incoming rule makes "stolen" urgent."""
    department = team.department
    department.timezone = "America/Toronto"
    department.save()
    for priority, platform, minutes in (
        (Priority.URGENT, "", 60),
        (Priority.NORMAL, "", 240),
        (Priority.NORMAL, "bluesky", 120),
    ):
        ResponseTarget.objects.create(
            department=department, priority=priority, platform=platform, minutes=minutes
        )
    incoming_rule_save(
        actor=team.admin,
        department_id=department.pk,
        data=RuleInput(name="stolen", keywords_en="passport + stolen", priority="urgent"),
    )
    return team


def test_deadlines_are_counted_in_business_hours_by_priority(clock):
    # Friday 16:30: the urgent case has 30 minutes today and 30 on Monday; the normal
    # one 30 today and 3 h 30 on Monday. A low-priority case has no target.
    with time_machine.travel(at(27, 16, 30), tick=False):
        urgent, normal = ingest(
            clock.account,
            [("My passport was stolen, I fly home Friday", "en"), ("Office hours?", "en")],
        )
    assert urgent.priority == Priority.URGENT
    assert due(urgent) == at(30, 9, 30)
    assert normal.priority == Priority.NORMAL
    # Mastodon has no target of its own: the department's for every platform.
    assert due(normal) == at(30, 12, 30)


def test_a_platforms_own_target_wins(clock):
    clock.account.platform = "bluesky"
    clock.account.save()
    with time_machine.travel(at(25, 10), tick=False):
        (case,) = ingest(clock.account, [("Office hours?", "en")])
    assert due(case) == at(25, 12)


def test_holidays_and_nights_are_skipped(clock):
    Holiday.objects.create(department=clock.department, date=dt.date(2026, 11, 30), name="Day off")
    Holiday.objects.create(department=None, date=dt.date(2026, 12, 1), name="Everyone's day")
    # Saturday night: Monday and Tuesday are holidays, so Wednesday 10:00.
    with time_machine.travel(at(28, 23), tick=False):
        (case,) = ingest(clock.account, [("passport stolen!", "en")])
    assert due(case) == at(2, 10, month=12)


def test_without_business_hours_the_clock_runs_around_the_clock(clock):
    clock.department.sla_business_hours = False
    clock.department.save()
    with time_machine.travel(at(28, 23), tick=False):
        (case,) = ingest(clock.account, [("passport stolen!", "en")])
    assert due(case) == at(29, 0)


def _rows(client: Client, query: str) -> str:
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    return response.content.decode()


def test_inbox_badges_and_filters_due_soon_and_overdue(clock):
    with time_machine.travel(at(25, 9), tick=False):
        urgent, normal = ingest(clock.account, [("passport stolen", "en"), ("Hours?", "en")])
    officer = client_for(clock.officer)
    # 09:45: the urgent case (due 10:00) is due soon; the normal one (13:00) is not.
    with time_machine.travel(at(25, 9, 45), tick=False):
        page = _rows(officer, "")
        assert "badge--due-soon" in page
        soon = _rows(officer, "due_soon=on")
        assert f'data-case-id="{urgent.pk}"' in soon
        assert f'data-case-id="{normal.pk}"' not in soon
        assert f'data-case-id="{urgent.pk}"' not in _rows(officer, "overdue=on")
        counts = officer.get("/inbox/counts/").content.decode()
        assert 'id="count-due_soon" hx-swap-oob="true">1<' in counts
        assert 'id="count-overdue" hx-swap-oob="true">0<' in counts
    # 10:05: overdue, in the filter and the "Overdue" count; closing it stops the clock.
    with time_machine.travel(at(25, 10, 5), tick=False):
        overdue = _rows(officer, "overdue=on")
        assert f'data-case-id="{urgent.pk}"' in overdue
        assert f'data-case-id="{normal.pk}"' not in overdue
        counts = officer.get("/inbox/counts/").content.decode()
        assert 'id="count-overdue" hx-swap-oob="true">1<' in counts
        case_page = officer.get(f"/cases/{urgent.pk}/").content.decode()
        assert 'id="case-response-clock"><span class="badge badge--overdue">' in case_page
        inbox.case_close(case_id=urgent.pk, actor=clock.officer, via="web", reason=CloseReason.SPAM)
        assert f'data-case-id="{urgent.pk}"' not in _rows(officer, "overdue=on")
        counts = officer.get("/inbox/counts/").content.decode()
        assert 'id="count-overdue" hx-swap-oob="true">0<' in counts


def test_the_french_inbox_says_bientot_du(clock):
    clock.officer.language = "fr"
    clock.officer.save()
    with time_machine.travel(at(25, 9), tick=False):
        ingest(clock.account, [("passport stolen", "en")])
    with time_machine.travel(at(25, 9, 45), tick=False):
        page = client_for(clock.officer).get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Échéance proche" in page


def test_one_reminder_to_the_owner_and_one_to_each_officer_of_the_queue(
    clock, smtp, eager_tasks, django_capture_on_commit_callbacks
):
    with time_machine.travel(at(25, 9), tick=False):
        owned, queued = ingest(
            clock.account, [("passport stolen", "en"), ("my passport stolen too", "en")]
        )
        inbox.case_claim(case_id=owned.pk, actor=clock.officer, via="web")
    # 09:00: nothing is due within half an hour.
    with time_machine.travel(at(25, 9, 20), tick=False):
        assert response_reminders_run() == 0
    with (
        time_machine.travel(at(25, 9, 31), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert response_reminders_run() == 2
        assert response_reminders_run() == 0  # the second sweep sends nothing
    with (
        time_machine.travel(at(25, 11), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert response_reminders_run() == 0  # overdue now, but already reminded
    olivia = smtp.wait_for(clock.officer.email, count=2)
    omar = smtp.wait_for(clock.officer2.email, count=1)
    # Olivia: her own case, and the unclaimed one (she is in the queue too); Omar:
    # the unclaimed one only.
    assert sorted(str(m["Subject"]) for m in olivia) == sorted(
        [
            f"First response due on case #{owned.pk}",
            f"First response due on case #{queued.pk}",
        ]
    )
    assert [str(m["Subject"]) for m in omar] == [f"First response due on case #{queued.pk}"]
    # Officers are not told they are reviewers.
    body = omar[0].get_body(preferencelist=("html",)).get_content()
    assert "you are a reviewer" not in body
    assert "because you answer citizens for your department" in body
    assert len(smtp.to(clock.officer.email)) == 2


def test_an_officer_raises_the_priority_with_a_reason_and_the_deadline_follows(clock):
    from responder.audit.models import AuditEvent

    with time_machine.travel(at(25, 9), tick=False):
        (case,) = ingest(clock.account, [("When does the office open?", "en")])
    assert due(case) == at(25, 13)
    officer = client_for(clock.officer)
    with time_machine.travel(at(25, 9, 10), tick=False):
        refused = officer.post(f"/cases/{case.pk}/priority/", {"priority": "urgent"})
        assert refused.status_code == 400
        case.refresh_from_db()
        assert case.priority == Priority.NORMAL
        page = officer.get(f"/cases/{case.pk}/").content.decode()
        assert 'id="case-priority-form"' in page
        officer.post(
            f"/cases/{case.pk}/priority/",
            {"priority": "urgent", "reason": "Flies home Friday", "version": case.version},
        )
    case.refresh_from_db()
    assert case.priority == Priority.URGENT
    assert due(case) == at(25, 10)
    event = AuditEvent.objects.get(case=case, action="case.priority")
    assert event.actor == clock.officer
    assert event.details["reason"] == "Flies home Friday"
    assert event.details["priority"] == {"from": "normal", "to": "urgent"}
    # Another department's officer may not.
    outsider = client_for(clock.outsider)
    response = outsider.post(
        f"/cases/{case.pk}/priority/", {"priority": "low", "reason": "not mine"}
    )
    assert response.status_code in (403, 404)
    case.refresh_from_db()
    assert case.priority == Priority.URGENT


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_remind_exactly_once(team, smtp, eager_tasks):
    import threading

    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    case = team.case(respond_by=now + dt.timedelta(minutes=5))
    barrier = threading.Barrier(2)
    results, errors = [], []

    def sweep() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(response_reminders_run(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == [0, 1]
    # Nobody holds the case: each officer of the queue gets one e-mail.
    for officer in (team.officer, team.officer2):
        (message,) = smtp.wait_for(officer.email, count=1)
        assert str(message["Subject"]) == f"First response due on case #{case.pk}"
    assert len(smtp.to(team.officer.email)) == 1
