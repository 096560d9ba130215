"""Undo (#14): a reply sent on its way waits out the department's hold in the outbox
(a due time on its row, not a sleep) and can be taken back until then; after it, the
undo is refused and the reply is posted exactly once. Against the simulator over HTTP."""
# ruff: noqa: F811 (the worker fixture is imported, then requested by name)

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest
import time_machine
from celery.signals import task_postrun
from django.db import connection

from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, OutboxStatus
from responder.channels.posting import claims, enqueue_send, outbox_item_send, outbox_sweep, send
from responder.errors import ConflictError, PermissionDenied
from responder.inbox import services as inbox
from responder.inbox.models import Case, CaseState
from responder.testing.outbox import approved_reply
from responder.testing.waiting import wait_for
from tests.workflows.mailsink import celery_worker  # noqa: F401
from workflows import submission
from workflows.models import ApprovalStep, Decision, StepDecision, StepStatus
from workflows.services import approval_decide
from workflows.undo import reply_undo

pytestmark = pytest.mark.django_db

HOLD = 10


@pytest.fixture
def held(team):
    team.department.undo_hold_seconds = HOLD
    team.department.save(update_fields=["undo_hold_seconds"])
    return team


def after_hold(item: OutboxItem) -> time_machine.travel:
    assert item.not_before is not None
    return time_machine.travel(item.not_before + dt.timedelta(seconds=1), tick=False)


def test_a_reply_waits_out_the_hold_and_is_undone_back_to_the_draft_never_posted(
    held, mastodon_account, simulator
):
    item = approved_reply(held, mastodon_account, simulator)
    assert item.status == OutboxStatus.PENDING
    assert item.not_before is not None
    assert (item.not_before - item.created_at).total_seconds() == pytest.approx(HOLD, abs=1)
    # Asked early (a task, a sweep), nothing goes out before the hold ends.
    assert outbox_item_send(outbox_item_id=item.pk) == "skipped"
    assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0

    case = reply_undo(case_id=item.case_id, actor=held.officer, via="web")

    assert case.state == CaseState.DRAFTING
    assert case.owner_id == held.officer.pk
    assert case.drafts.order_by("-version").first().text == held.answer.text_en  # kept
    item.refresh_from_db()
    assert item.status == OutboxStatus.UNDONE
    actions = list(
        AuditEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True)
    )
    assert actions[-2:] == ["outbox.undo", "case.undo_submit"]
    with after_hold(item):
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
        assert outbox_item_send(outbox_item_id=item.pk) == "skipped"
    assert simulator.posts() == []
    # A second click: nothing more happens.
    with pytest.raises(ConflictError) as again:
        reply_undo(case_id=item.case_id, actor=held.officer, via="web")
    assert again.value.code == "already_undone"
    # Submitted again, it is held again and, unless undone, posted once.
    submission.draft_submit(case_id=case.pk, actor=held.officer, via="web")
    second = OutboxItem.objects.filter(case=case).exclude(pk=item.pk).get()
    with after_hold(second):
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 1
    assert len(simulator.posts()) == 1
    assert Case.objects.get(pk=case.pk).state == CaseState.REPLIED


def test_after_the_hold_undo_is_refused_changes_nothing_and_the_reply_posts_once(
    held, mastodon_account, simulator
):
    item = approved_reply(held, mastodon_account, simulator)
    with after_hold(item):
        with pytest.raises(ConflictError) as refused:
            reply_undo(case_id=item.case_id, actor=held.officer, via="web")
        assert refused.value.code == "too_late"
        assert "Too late to undo" in refused.value.message
        item.refresh_from_db()
        assert item.status == OutboxStatus.PENDING
        assert Case.objects.get(pk=item.case_id).state == CaseState.APPROVED
        # The sweeper picks up the row whose hold ended.
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 1
        assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
    assert len(simulator.posts()) == 1
    assert Case.objects.get(pk=item.case_id).state == CaseState.REPLIED
    with pytest.raises(ConflictError):
        reply_undo(case_id=item.case_id, actor=held.officer, via="web")


def test_a_department_with_no_hold_posts_at_once_and_offers_no_undo(
    team, mastodon_account, simulator
):
    assert team.department.undo_hold_seconds == 0  # the tests' factory; production: 10
    item = approved_reply(team, mastodon_account, simulator)
    assert item.not_before is None
    with pytest.raises(ConflictError):
        reply_undo(case_id=item.case_id, actor=team.officer, via="web")
    assert outbox_item_send(outbox_item_id=item.pk) == OutboxStatus.SENT


def _one_layer_approved(team) -> tuple[Case, ApprovalStep]:
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    inbox.draft_save(case_id=case.pk, actor=team.officer, via="web", text="Ten business days.")
    submission.draft_submit(case_id=case.pk, actor=team.officer, via="web")
    step = ApprovalStep.objects.get(case=case)
    approval_decide(step_id=step.pk, reviewer=team.sme, decision=Decision.APPROVE, via="web")
    return Case.objects.get(pk=case.pk), step


def test_undoing_the_last_approval_opens_its_step_again_and_the_reviewer_decides_again(held):
    case, step = _one_layer_approved(held)
    assert case.state == CaseState.APPROVED

    case = reply_undo(case_id=case.pk, actor=held.sme, via="email")

    assert case.state == CaseState.IN_REVIEW
    step.refresh_from_db()
    assert step.status == StepStatus.OPEN
    assert not StepDecision.objects.filter(step=step).exists()
    assert OutboxItem.objects.get(case=case).status == OutboxStatus.UNDONE
    assert case.drafts.order_by("-version").first().text == "Ten business days."
    actions = list(
        AuditEvent.objects.filter(case=case).order_by("id").values_list("action", flat=True)
    )
    assert actions[-3:] == ["outbox.undo", "step.undo_approve", "case.undo_approve"]
    # The same reviewer may decide again; the new reply is held again.
    approval_decide(step_id=step.pk, reviewer=held.sme, decision=Decision.APPROVE, via="web")
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
    assert OutboxItem.objects.filter(case=case, status=OutboxStatus.PENDING).count() == 1


def test_only_who_sent_it_or_an_officer_of_the_department_may_undo(held):
    case, _step = _one_layer_approved(held)
    for person in (held.sme2, held.director, held.outsider):
        with pytest.raises(PermissionDenied):
            reply_undo(case_id=case.pk, actor=person, via="web")
    assert Case.objects.get(pk=case.pk).state == CaseState.APPROVED
    # Another officer of the department may.
    assert reply_undo(case_id=case.pk, actor=held.officer2, via="web").state == "in_review"


@pytest.mark.django_db(transaction=True)
def test_undo_racing_the_posting_claim_has_exactly_one_effect(held, mastodon_account, simulator):
    outcomes = []
    for n in range(6):
        item = approved_reply(held, mastodon_account, simulator, n=n)
        assert item.not_before is not None
        worker_now = item.not_before + dt.timedelta(seconds=1)  # its clock: hold over
        barrier = threading.Barrier(2)
        result: dict[str, object] = {}

        def undo(
            item: OutboxItem = item,
            result: dict[str, object] = result,
            barrier: threading.Barrier = barrier,
        ) -> None:
            try:
                barrier.wait(timeout=10)
                reply_undo(case_id=item.case_id, actor=held.officer, via="web")
                result["undo"] = "undone"
            except ConflictError as exc:
                result["undo"] = exc.code
            finally:
                connection.close()

        def post(
            item: OutboxItem = item,
            worker_now: dt.datetime = worker_now,
            barrier: threading.Barrier = barrier,
        ) -> None:
            try:
                barrier.wait(timeout=10)
                claimed = claims.outbox_claim(outbox_item_id=item.pk, now=worker_now)
                send._send(claims=claimed)
            finally:
                connection.close()

        threads = [threading.Thread(target=undo), threading.Thread(target=post)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        item.refresh_from_db()
        posts = [p for p in simulator.posts() if p["idempotency_key"] == str(item.idempotency_key)]
        if result["undo"] == "undone":
            assert (item.status, len(posts)) == (OutboxStatus.UNDONE, 0)
            assert Case.objects.get(pk=item.case_id).state == CaseState.DRAFTING
        else:
            assert result["undo"] == "too_late"
            assert (item.status, len(posts)) == (OutboxStatus.SENT, 1)
            assert Case.objects.get(pk=item.case_id).state == CaseState.REPLIED
        outcomes.append(result["undo"])
    assert set(outcomes) <= {"undone", "too_late"}


@pytest.fixture
def sends_run() -> Iterator[list[int]]:
    """The outbox rows whose send task a worker has finished, in order."""
    done: list[int] = []

    def record(sender: object = None, args: object = (), **_: object) -> None:
        if getattr(sender, "name", "") == "responder.channels.tasks.outbox_send":
            done.append(int(args[0]))  # type: ignore[index]

    task_postrun.connect(record, weak=False)
    try:
        yield done
    finally:
        task_postrun.disconnect(record)


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_a_held_reply_is_not_sent_early_and_once_undone_never(
    held, mastodon_account, simulator, celery_worker, sends_run
):
    item = approved_reply(held, mastodon_account, simulator)  # its task waits out the hold
    enqueue_send(item.pk)  # asked early (a sweep, a lost task found again): not yet
    wait_for(lambda: item.pk in sends_run, what="the early send task")
    assert OutboxItem.objects.get(pk=item.pk).status == OutboxStatus.PENDING

    reply_undo(case_id=item.case_id, actor=held.officer, via="web")
    sends_run.clear()
    enqueue_send(item.pk)
    wait_for(lambda: item.pk in sends_run, what="the send task after the undo")

    assert simulator.posts() == []
    assert OutboxItem.objects.get(pk=item.pk).status == OutboxStatus.UNDONE
    assert Case.objects.get(pk=item.case_id).state == CaseState.DRAFTING


@pytest.mark.django_db(transaction=True)
def test_with_a_worker_a_reply_not_undone_is_posted_once_when_its_hold_ends(
    team, mastodon_account, simulator, celery_worker
):
    team.department.undo_hold_seconds = 1  # the worker's own countdown, not a test's sleep
    team.department.save(update_fields=["undo_hold_seconds"])
    item = approved_reply(team, mastodon_account, simulator)

    wait_for(
        lambda: Case.objects.get(pk=item.case_id).state == CaseState.REPLIED,
        what="the reply posted by the worker after its hold",
    )
    posted = OutboxItem.objects.get(pk=item.pk)
    assert posted.sent_at is not None and posted.not_before is not None
    assert posted.sent_at >= posted.not_before  # never early
    assert outbox_sweep(inline=True, grace=dt.timedelta(0)) == 0
    assert [p["idempotency_key"] for p in simulator.posts()] == [str(item.idempotency_key)]
