"""The dashboard read from the fact tables (issue #14) shows exactly what the portable
selectors compute from the source tables, whatever wrote the rows: the real services,
bulk inserts, QuerySet.update, deletions; under every filter and reader's scope."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from responder.analytics import selectors
from responder.analytics.selectors import page
from responder.channels.models import ReplyEngagement
from responder.inbox import services as inbox
from responder.inbox.models import Case, CaseState
from responder.testing.factories import TopicFactory
from responder.testing.history import generate, make_world
from tests.inbox.classification_helpers import ingest
from workflows import services as approvals
from workflows import submission
from workflows.models import ApprovalStep, StepStatus

pytestmark = pytest.mark.django_db


def portable(monkeypatch: pytest.MonkeyPatch, filters: selectors.Filters) -> dict[str, Any]:
    """The figures computed from the source tables, as on SQLite."""
    with monkeypatch.context() as m:
        m.setattr(connection, "vendor", "portable-for-this-test")
        return page.dashboard(filters)


def facts(filters: selectors.Filters) -> dict[str, Any]:
    assert connection.vendor == "postgresql"
    return page.dashboard(filters)


def fact_count(table: str, case_id: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM analytics_{table} WHERE case_id = %s", [case_id])
        return int(cursor.fetchone()[0])


@pytest.fixture
def history(team: Any) -> dict[str, Any]:
    world = make_world()
    end = timezone.now() - dt.timedelta(hours=2)
    generate(world, n_cases=600, seed=3, end=end, days=20)
    return {"world": world, "end": timezone.localdate(end)}


def test_facts_equal_the_source_tables_after_every_kind_of_write(history, team, monkeypatch):
    world = history["world"]
    # The real services: ingest, tag two topics, claim, draft, submit, approve; close.
    fees = TopicFactory(slug="fees", department=team.department)
    travel = TopicFactory(slug="travel", department=team.department)
    answered, closed = ingest(team.account, [("How much is it?", "en"), ("Spam!", "fr")])
    inbox.case_tag(
        case_id=answered.pk, actor=team.officer, via="web", topic_ids=[fees.pk, travel.pk]
    )
    inbox.case_claim(case_id=answered.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=answered.pk, actor=team.officer, via="web", text="It costs $120.")
    submission.draft_submit(case_id=answered.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=answered, status=StepStatus.OPEN)
    approvals.approval_decide(step_id=step.pk, reviewer=team.sme, decision="approve", via="web")
    inbox.case_close(case_id=closed.pk, actor=team.officer, via="web", reason="spam")
    assert Case.objects.get(pk=answered.pk).state == CaseState.APPROVED
    assert fact_count("stepfact", answered.pk) == 1
    assert fact_count("decisionfact", answered.pk) == 1

    # Writes around the services: QuerySet.update, engagement, rows deleted.
    generated = list(Case.objects.filter(external_id__startswith="gen-").order_by("pk")[:3])
    Case.objects.filter(pk=generated[0].pk).update(language="fr", platform="x")
    ReplyEngagement.objects.filter(outbox_item__case=generated[1]).update(favourites=999)
    generated[2].topics.clear()
    ReplyEngagement.objects.filter(outbox_item__case=generated[2]).delete()

    end = history["end"]
    everything = selectors.Filters(start=end - dt.timedelta(days=25), end=timezone.localdate())
    fr = selectors.Filters(start=everything.start, end=everything.end, language="fr")
    topic = selectors.Filters(start=everything.start, end=everything.end, topic_id=fees.pk)
    long = selectors.Filters(start=end - dt.timedelta(days=90), end=everything.end)
    mastodon = selectors.Filters(start=everything.start, end=everything.end, platform="mastodon")
    one_department = everything.scoped({world.departments[1].pk})
    nobody = everything.scoped(set())
    for filters in (everything, fr, topic, long, mastodon, one_department, nobody):
        assert facts(filters) == portable(monkeypatch, filters), filters
    # Days and weeks are the reader's: in another time zone the buckets move alike.
    with timezone.override("Pacific/Auckland"):
        for filters in (everything, long):
            assert facts(filters) == portable(monkeypatch, filters), filters

    figures = facts(everything)
    by_topic = {r["key"]: r for r in figures["volumes"]["topic"]}
    # The case with two topics counts once in each.
    assert by_topic["fees"]["received"] == by_topic["travel"]["received"] == 1
    assert figures["sla_reviewers"], "the history has reviewers' decisions"


def test_a_transition_moves_the_figures(team):
    (case,) = ingest(team.account, [("Where is my passport?", "en")])
    filters = selectors.Filters(start=timezone.localdate(), end=timezone.localdate())

    def volumes() -> dict[str, Any]:
        return {r["key"]: r for r in facts(filters)["volumes"]["platform"]}[case.platform]

    assert (volumes()["received"], volumes()["closed"]) == (1, 0)
    assert facts(filters)["headline"]["backlog"] == 1
    inbox.case_close(case_id=case.pk, actor=team.officer, via="web", reason="spam")
    assert (volumes()["received"], volumes()["closed"]) == (1, 1)
    assert facts(filters)["headline"]["backlog"] == 0


def test_the_rebuild_command_restores_lost_facts(team):
    cases = ingest(team.account, [("Lost passport?", "en"), ("Fees?", "fr")])
    filters = selectors.Filters(start=timezone.localdate(), end=timezone.localdate())
    before = facts(filters)
    assert sum(r["received"] for r in before["volumes"]["platform"]) == 2
    with connection.cursor() as cursor:
        # As after a restore from a dump taken without the fact tables' rows.
        cursor.execute("DELETE FROM analytics_casefact")
    assert facts(filters)["volumes"]["platform"] == []
    out = io.StringIO()
    call_command("analytics_facts_rebuild", stdout=out)
    assert out.getvalue().startswith(f"{len(cases)} cases")
    assert facts(filters) == before
