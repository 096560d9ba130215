"""The dashboard's figures equal a recount of a known history that the real services
wrote (#12): citizens ask on the platform simulator, polling ingests their questions,
officers claim, draft, submit or close, reviewers decide by approval_decide, and the
posting service posts the replies to the simulator, each step at a chosen moment
(time travel). The expected figures are counted from the story below, never from the
database; the big generated history of test_dashboard_figures.py stays for volume."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from responder.analytics import selectors
from responder.channels.ingest import account_poll
from responder.channels.models import OutboxItem
from responder.channels.posting import outbox_item_send
from responder.inbox import services as inbox
from responder.inbox.case_risk import case_risk_set
from responder.inbox.models import Case, CaseState, Risk
from workflows import submission
from workflows.models import ApprovalLayer, ApprovalStep, StepStatus
from workflows.services import approval_decide

pytestmark = pytest.mark.django_db

SME, DIRECTOR = "Subject-matter expert", "Director"
SLA_MINUTES = {SME: 120, DIRECTOR: 240}
LAYERS = {"library": (), "new": (SME,), "sensitive": (SME, DIRECTOR)}
POLICY = {"library": "Pre-approved answer", "new": "New answer", "sensitive": "Sensitive answer"}


def utc(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment of November 2026 (Toronto is UTC-5 then: 14:00 UTC is 09:00 there)."""
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Story:
    """One citizen's question and what the team did with it, in minutes after it was
    asked. Verbs: claim, library (the unchanged library answer), draft, submit,
    approve / edit / send_back (the open layer's reviewer), post, close."""

    asked: dt.datetime
    language: str
    kind: str  # library, new or sensitive
    steps: tuple[tuple[int, str], ...]


STORIES = (
    Story(
        utc(2, 14), "en", "library", ((10, "claim"), (15, "library"), (15, "submit"), (16, "post"))
    ),
    Story(
        utc(2, 15),
        "en",
        "new",
        ((5, "claim"), (20, "draft"), (20, "submit"), (80, "approve"), (82, "post")),
    ),
    Story(
        utc(2, 16),
        "fr",
        "sensitive",
        (
            (3, "claim"),
            (10, "draft"),
            (10, "submit"),
            (40, "edit"),  # 30 minutes with the SME, who rewrote a sentence
            (340, "approve"),  # 300 minutes with the director (SLA 240): breached
            (345, "post"),
        ),
    ),
    Story(
        utc(3, 14, 30),
        "en",
        "new",
        (
            (5, "claim"),
            (15, "draft"),
            (15, "submit"),
            (60, "send_back"),  # 45 minutes, then back to the officer
            (70, "draft"),
            (75, "submit"),
            (100, "approve"),  # 25 minutes in the second round
            (101, "post"),
        ),
    ),
    Story(utc(3, 15), "en", "new", ((12, "close"),)),
    Story(
        utc(3, 16), "fr", "new", ((2, "claim"), (10, "draft"), (10, "submit"))
    ),  # the SME never decides: open, long past due
    Story(
        utc(3, 17),
        "en",
        "new",
        ((5, "claim"), (10, "draft"), (10, "submit"), (160, "approve"), (165, "post")),
    ),  # 150 minutes with the SME (SLA 120): breached
)


def recount(stories: tuple[Story, ...]) -> dict[str, Any]:
    """What the dashboard should say, counted from the stories alone."""
    cases: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    for story in stories:
        case: dict[str, Any] = {"story": story, "received": story.asked}
        layers = LAYERS[story.kind]
        open_step: dict[str, Any] | None = None
        for minute, verb in story.steps:
            at = story.asked + dt.timedelta(minutes=minute)
            if verb == "submit" and layers:
                open_step = {"kind": story.kind, "position": 1, "opened": at}
            elif verb in ("approve", "edit", "send_back"):
                assert open_step is not None
                open_step.update(decided=at, verb=verb)
                steps.append(open_step)
                position = open_step["position"]
                open_step = None
                if verb != "send_back" and position < len(layers):
                    open_step = {"kind": story.kind, "position": position + 1, "opened": at}
            elif verb == "post":
                case["replied"] = at
            elif verb == "close":
                case["closed"] = True
        if open_step is not None:
            steps.append(open_step)
        cases.append(case)
    for step in steps:
        name = LAYERS[step["kind"]][step["position"] - 1]
        step["name"] = name
        step["due"] = step["opened"] + dt.timedelta(minutes=SLA_MINUTES[name])
    return {"cases": cases, "steps": steps}


class Team:
    """Plays the stories through the real services, each step at its moment."""

    def __init__(self, team: Any, account: Any, simulator: Any) -> None:
        self.team, self.account, self.simulator = team, account, simulator

    def play(self, story: Story, n: int) -> None:
        with time_machine.travel(story.asked, tick=False):
            self.simulator.post_mention(
                text=f"Question {n}: how long does a passport renewal take?",
                lang=story.language,
                acct=f"citizen{n}@mastodon.example",
            )
            (case_id,) = account_poll(account_id=self.account.pk).new_case_ids
        for minute, verb in story.steps:
            with time_machine.travel(story.asked + dt.timedelta(minutes=minute), tick=False):
                self.act(case_id, story, verb, minute)

    def act(self, case_id: int, story: Story, verb: str, minute: int) -> None:
        team = self.team
        if verb == "claim":
            inbox.case_claim(case_id=case_id, actor=team.officer, via="web")
            if story.kind == "sensitive":
                case_risk_set(case_id=case_id, actor=team.officer, risk=Risk.SENSITIVE, via="web")
        elif verb == "library":
            inbox.draft_save(
                case_id=case_id,
                actor=team.officer,
                via="web",
                text=team.answer.text_en,
                library_answer_id=team.answer.pk,
            )
        elif verb == "draft":
            text = f"Case {case_id}, minute {minute}: ten business days, at a service centre."
            inbox.draft_save(case_id=case_id, actor=team.officer, via="web", text=text)
        elif verb == "submit":
            submission.draft_submit(case_id=case_id, actor=team.officer, via="web")
        elif verb in ("approve", "edit", "send_back"):
            self.decide(case_id, verb)
        elif verb == "post":
            item = OutboxItem.objects.get(case_id=case_id)
            assert outbox_item_send(outbox_item_id=item.pk) == "sent"
        elif verb == "close":
            inbox.case_close(case_id=case_id, actor=team.officer, via="web", reason="spam")

    def decide(self, case_id: int, verb: str) -> None:
        step = ApprovalStep.objects.get(case_id=case_id, status=StepStatus.OPEN)
        reviewer = self.team.director if step.name == DIRECTOR else self.team.sme
        kwargs: dict[str, Any] = {
            "approve": {"decision": "approve"},
            "edit": {
                "decision": "edit_approve",
                "edited_text": "Dix jours ouvrables, dans un centre de service.",
            },
            "send_back": {"decision": "request_changes", "comment": "Say where, please."},
        }[verb]
        approval_decide(step_id=step.pk, reviewer=reviewer, via="email", **kwargs)


def _pct(values: list[float]) -> tuple[float, float]:
    """Median and p90 with linear interpolation (PostgreSQL's percentile_cont)."""
    if len(values) == 1:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[8]


def _hours(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 3600


@pytest.fixture
def played(team, mastodon_account, simulator) -> dict[str, Any]:
    # Deadlines around the clock, so a story's SLA is simply opened + minutes.
    team.department.sla_business_hours = False
    team.department.save()
    for name, minutes in SLA_MINUTES.items():
        ApprovalLayer.objects.filter(name=name).update(sla_minutes=minutes)
    players = Team(team, mastodon_account, simulator)
    for n, story in enumerate(STORIES):
        players.play(story, n)
    return recount(STORIES)


FILTERS = selectors.Filters(start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 4))


def test_the_services_wrote_the_story(played: dict[str, Any], simulator) -> None:
    """The history is the one told: five replies on the platform, one case closed,
    one waiting for its SME."""
    states = sorted(Case.objects.values_list("state", flat=True))
    assert states == sorted([CaseState.REPLIED] * 5 + [CaseState.CLOSED, CaseState.IN_REVIEW])
    assert len(simulator.posts()) == 5
    received = sorted(Case.objects.values_list("received_at", flat=True))
    assert received == sorted(s.asked for s in STORIES)


def test_response_times_equal_the_recount(played: dict[str, Any]) -> None:
    by_language: dict[str, list[float]] = defaultdict(list)
    per_day: dict[str, list[float]] = defaultdict(list)
    for c in played["cases"]:
        if "replied" in c:
            hours = _hours(c["replied"] - c["received"])
            by_language[c["story"].language].append(hours)
            per_day[timezone.localtime(c["received"]).date().isoformat()].append(hours)
    rows = {r["key"]: r for r in selectors.response_times_by(FILTERS, "language")}
    assert set(rows) == {"en", "fr"}
    for language, values in by_language.items():
        median, p90 = _pct(values)
        assert rows[language]["reply_n"] == len(values)
        assert rows[language]["reply_median"] == pytest.approx(median, abs=0.006)
        assert rows[language]["reply_p90"] == pytest.approx(p90, abs=0.006)
        # The first response is the posted reply here.
        assert rows[language]["first_median"] == pytest.approx(median, abs=0.006)
    over = {r["period"]: r for r in selectors.response_times_over_time(FILTERS)["rows"]}
    assert {day: over[day]["reply_n"] for day in per_day} == {
        day: len(values) for day, values in per_day.items()
    }
    for day, values in per_day.items():
        assert over[day]["reply_median"] == pytest.approx(_pct(values)[0], abs=0.006)


def test_layer_costs_and_slas_equal_the_recount(played: dict[str, Any], team) -> None:
    per_layer: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for s in played["steps"]:
        per_layer[(POLICY[s["kind"]], s["position"])].append(s)
    decided = {key: [s for s in steps if "decided" in s] for key, steps in per_layer.items()}
    layers = {(r["policy"], r["position"]): r for r in selectors.layer_costs(FILTERS)}
    assert set(layers) == {key for key, steps in decided.items() if steps}
    for key, row in layers.items():
        steps = decided[key]
        hours = [_hours(s["decided"] - s["opened"]) for s in steps]
        median, p90 = _pct(hours)
        assert row["n"] == len(steps)
        assert row["median"] == pytest.approx(median, abs=0.006)
        assert row["p90"] == pytest.approx(p90, abs=0.006)
        assert row["total_hours"] == pytest.approx(sum(hours), abs=0.01)
        assert row["changed"] == sum(s["verb"] == "edit" for s in steps)
        assert row["sent_back"] == sum(s["verb"] == "send_back" for s in steps)

    # Met: decided by its due time; breached: decided later, or still open past it.
    sla = {
        (r["policy"], r["position"]): (r["met"], r["breached"])
        for r in selectors.sla_by_layer(FILTERS)
    }
    expected = {}
    for key, steps in per_layer.items():
        met = sum("decided" in s and s["decided"] <= s["due"] for s in steps)
        expected[key] = (met, len(steps) - met)
    assert sla == expected
    assert expected[("New answer", 1)] == (3, 2)  # the story has two late SME steps

    reviewer = {SME: team.sme, DIRECTOR: team.director}
    per_reviewer: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in played["steps"]:
        if "decided" in s:
            user = reviewer[s["name"]]
            label = f"{user.first_name} {user.last_name} ({user.username})"
            per_reviewer[label][0 if s["decided"] <= s["due"] else 1] += 1
    by_reviewer = {
        r["reviewer"]: [r["met"], r["breached"]] for r in selectors.sla_by_reviewer(FILTERS)
    }
    assert by_reviewer == dict(per_reviewer)


def test_volumes_and_library_use_equal_the_recount(played: dict[str, Any]) -> None:
    cases = played["cases"]
    volumes = {r["key"]: r for r in selectors.volumes_by(FILTERS, "language")}
    for language in ("en", "fr"):
        mine = [c for c in cases if c["story"].language == language]
        assert volumes[language]["received"] == len(mine)
        assert volumes[language]["answered"] == sum("replied" in c for c in mine)
        assert volumes[language]["closed"] == sum(bool(c.get("closed")) for c in mine)
    replied = [c for c in cases if "replied" in c]
    library = selectors.library_use(FILTERS)
    assert library["replied"] == len(replied)
    assert library["from_library"] == sum(c["story"].kind == "library" for c in replied)
