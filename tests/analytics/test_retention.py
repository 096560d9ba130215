"""Retention removes citizens' personal data from expired closed/replied cases only."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from responder.analytics import retention
from responder.analytics.tasks import retention_apply as retention_task
from responder.audit.models import AuditEvent
from responder.inbox import services as inbox
from responder.inbox.models import Case, Draft
from responder.testing.outbox import reply_posted
from workflows import submission

pytestmark = pytest.mark.django_db


def _age(case: Case, days: int) -> None:
    Case.objects.filter(pk=case.pk).update(updated_at=timezone.now() - dt.timedelta(days=days))


def _closed(team, days: int, **kwargs) -> Case:
    case = team.case(**kwargs)
    inbox.case_close(case_id=case.pk, actor=team.officer, via="web", reason="spam")
    _age(case, days)
    return case


def _replied(team, days: int) -> Case:
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Unposted first try")
    inbox.draft_save(
        case_id=case.pk,
        actor=team.officer,
        via="web",
        text=team.answer.text_en,
        library_answer_id=team.answer.pk,
    )
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    case = reply_posted(case_id=case.pk)
    _age(case, days)
    return case


def test_retention_removes_expired_closed_cases_only(team):
    team.department.retention_days = 30
    team.department.save()
    expired = _closed(team, 40)
    recent = _closed(team, 10)
    held = _closed(team, 400, legal_hold=True)
    open_case = team.case()
    _age(open_case, 400)
    in_drafting = team.case()
    inbox.case_claim(case_id=in_drafting.pk, actor=team.officer, via="web")
    _age(in_drafting, 400)
    replied = _replied(team, 60)

    assert retention_task.apply().get() == 2

    expired.refresh_from_db()
    assert expired.author_name == "" and expired.author_handle == "[removed]"
    assert expired.text == "[removed]" and expired.url == ""
    assert expired.personal_data_removed_at is not None
    for untouched in (recent, held, open_case, in_drafting):
        before = untouched.text, untouched.author_handle
        untouched.refresh_from_db()
        assert (untouched.text, untouched.author_handle) == before
        assert untouched.personal_data_removed_at is None

    # The posted reply is kept (public); the unposted draft is cleared.
    replied.refresh_from_db()
    assert replied.text == "[removed]"
    posted = replied.outbox_items.get().draft
    assert Draft.objects.get(pk=posted.pk).text == team.answer.text_en
    assert Draft.objects.get(case=replied, version=1).text == "[removed]"

    events = AuditEvent.objects.filter(action="case.personal_data_removed")
    assert sorted(e.case_id for e in events) == sorted([expired.pk, replied.pk])
    assert all(e.via == "system" and e.actor is None for e in events)
    assert events.get(case=expired).details["retention_days"] == 30

    # Running again removes nothing and writes no new event.
    assert retention.retention_apply() == 0
    assert events.count() == 2


def test_retention_zero_keeps_everything(team):
    case = _closed(team, 4000)
    assert retention.retention_apply() == 0
    case.refresh_from_db()
    assert case.personal_data_removed_at is None


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_remove_and_audit_each_case_once(team):
    team.department.retention_days = 1
    team.department.save()
    cases = [_closed(team, 5) for _ in range(12)]
    barrier = threading.Barrier(2)
    results: list[int] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(retention.retention_apply())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == len(cases)
    events = AuditEvent.objects.filter(action="case.personal_data_removed")
    assert events.count() == len(cases)
    assert len({e.case_id for e in events}) == len(cases)
