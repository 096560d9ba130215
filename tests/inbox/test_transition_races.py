"""Every case transition, raced: two attempts from the same loaded version of the case
(a double click, two tabs, two people) run at the same moment on their own database
connections. Exactly one takes effect, with exactly one audit event; the other gets
a conflict and changes nothing.

The table below is checked against the state machine (Case's transitions, read from
django-fsm) and the self-loops the services audit (take over, assign, tag), so a new
transition without a race here fails `test_every_transition_has_a_race`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from responder.audit.models import AuditEvent
from responder.channels import services as channel_services
from responder.errors import ConflictError
from responder.inbox import services as inbox
from responder.inbox.models import Case, CaseState, Risk
from responder.testing.outbox import approved_reply, platform_refused
from tests.inbox.test_concurrency import race, submitted_case
from workflows import submission
from workflows.models import ApprovalStep, Decision
from workflows.services import approval_decide
from workflows.undo import reply_undo

pytestmark = pytest.mark.django_db(transaction=True)


def _drafting(team: Any, **_: Any) -> Case:
    case = team.case()
    inbox.case_claim(case_id=case.pk, actor=team.officer, via="web")
    return case


def _closed(team: Any, **_: Any) -> Case:
    case = team.case()
    inbox.case_close(case_id=case.pk, actor=team.officer, via="web", reason="spam")
    return case


def _refused(team: Any, *, simulator: Any, mastodon_account: Any) -> Case:
    item = approved_reply(team, mastodon_account, simulator)
    platform_refused(simulator, item.case_id)
    return Case.objects.get(pk=item.case_id)


def _held(team: Any) -> None:
    team.department.undo_hold_seconds = 600
    team.department.save(update_fields=["undo_hold_seconds"])


def _sent_held(team: Any, *, simulator: Any, mastodon_account: Any) -> Case:
    """An unchanged library answer submitted, in the department's undo hold."""
    _held(team)
    return Case.objects.get(pk=approved_reply(team, mastodon_account, simulator).case_id)


def _approved_held(team: Any, **_: Any) -> Case:
    """A reply its last layer approved, in the department's undo hold."""
    _held(team)
    case = submitted_case(team)
    step = ApprovalStep.objects.get(case=case)
    approval_decide(step_id=step.pk, reviewer=team.sme, decision=Decision.APPROVE, via="web")
    return case


@dataclass(frozen=True)
class Race:
    action: str  # the audit action the winner writes
    start: Callable[..., Case]
    attempt: Callable[[Any, Case, int], Any]  # (team, case, version the form saw)
    end: str  # the case's state after the winner
    needs_simulator: bool = False


RACES: dict[str, Race] = {
    "close": Race(
        "case.close",
        _drafting,
        lambda team, case, v: inbox.case_close(
            case_id=case.pk, actor=team.officer, via="web", reason="spam", expected_version=v
        ),
        CaseState.CLOSED,
    ),
    "reopen": Race(
        "case.reopen",
        _closed,
        lambda team, case, v: inbox.case_reopen(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.NEW,
    ),
    "withdraw": Race(
        "case.withdraw",
        lambda team, **_: submitted_case(team),
        lambda team, case, v: submission.case_withdraw(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.DRAFTING,
    ),
    "release": Race(
        "case.release",
        _drafting,
        lambda team, case, v: inbox.case_release(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.NEW,
    ),
    "retry": Race(
        "case.retry",
        _refused,
        lambda team, case, v: channel_services.case_retry_post(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.POSTING,
        needs_simulator=True,
    ),
    "revise": Race(
        "case.revise",
        _refused,
        lambda team, case, v: inbox.case_revise(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.DRAFTING,
        needs_simulator=True,
    ),
    "undo_submit": Race(
        "case.undo_submit",
        _sent_held,
        lambda team, case, v: reply_undo(
            case_id=case.pk, actor=team.officer, via="web", expected_version=v
        ),
        CaseState.DRAFTING,
        needs_simulator=True,
    ),
    "undo_approve": Race(
        "case.undo_approve",
        _approved_held,
        lambda team, case, v: reply_undo(
            case_id=case.pk, actor=team.sme, via="web", expected_version=v
        ),
        CaseState.IN_REVIEW,
    ),
    "take_over": Race(
        "case.take_over",
        _drafting,
        lambda team, case, v: inbox.case_take_over(
            case_id=case.pk, actor=team.admin, via="web", reason="Away", expected_version=v
        ),
        CaseState.DRAFTING,
    ),
    "assign": Race(
        "case.assign",
        lambda team, **_: team.case(),
        lambda team, case, v: inbox.case_assign(
            case_id=case.pk,
            actor=team.admin,
            assignee=team.officer2,
            via="web",
            expected_version=v,
        ),
        CaseState.DRAFTING,
    ),
    "tag": Race(
        "case.tag",
        _drafting,
        lambda team, case, v: inbox.case_tag(
            case_id=case.pk,
            actor=team.officer,
            via="web",
            risk=Risk.SENSITIVE,
            expected_version=v,
        ),
        CaseState.DRAFTING,
    ),
}

# Raced in test_concurrency.py (claim, submit, approve and request changes by two
# reviewers) or done only by the posting machinery, whose races are
# tests/channels/test_posting_batch.py's (start_posting, mark_replied, fail_post).
RACED_ELSEWHERE = {
    "claim",
    "submit",
    "approve",
    "request_changes",
    "start_posting",
    "mark_replied",
    "fail_post",
}
SELF_LOOPS = {"take_over", "assign", "tag"}


def test_every_transition_has_a_race() -> None:
    state = Case._meta.get_field("state")
    names = {t.name for t in state.get_all_transitions(Case)}  # type: ignore[attr-defined]
    assert names | SELF_LOOPS == set(RACES) | RACED_ELSEWHERE


@pytest.mark.parametrize("name", sorted(RACES))
def test_two_attempts_at_once_take_effect_once(name: str, team: Any, request: Any) -> None:
    spec = RACES[name]
    fixtures: dict[str, Any] = {}
    if spec.needs_simulator:
        fixtures = {
            "simulator": request.getfixturevalue("simulator"),
            "mastodon_account": request.getfixturevalue("mastodon_account"),
        }
    case = spec.start(team, **fixtures)
    case.refresh_from_db()
    seen = case.version
    before = AuditEvent.objects.filter(case=case, action=spec.action).count()

    results = race(
        lambda: spec.attempt(team, case, seen),
        lambda: spec.attempt(team, case, seen),
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], ConflictError), errors[0]
    case.refresh_from_db()
    assert case.state == spec.end
    assert case.version == seen + 1
    assert AuditEvent.objects.filter(case=case, action=spec.action).count() == before + 1
