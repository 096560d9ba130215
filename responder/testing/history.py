"""A generated, deterministic history of cases, approval steps, decisions and the
audit events the real services would have written, inserted with bulk_create.

Used by the analytics tests (several thousand cases) and bench/dashboard_bench.py
(100,000 cases). Timestamps are chosen here, so the auto_now fields are switched off
while inserting. States and statuses are not transitions here: each row is built once,
with its final state or status given to the constructor (django-fsm's protected fields
accept a value at construction), never assigned afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from responder.accounts.models import Department, Role, User
from responder.audit.models import AuditEvent
from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount
from responder.inbox.models import Case, CaseState, Draft, Topic
from workflows.models import ApprovalLayer, ApprovalPolicy, ApprovalStep, StepDecision, StepStatus

PLATFORMS = ("mastodon", "bluesky", "x")


@contextlib.contextmanager
def own_timestamps() -> Iterator[None]:
    """Let bulk_create keep the timestamps we set."""
    fields = [
        (AuditEvent, "created_at"),
        (StepDecision, "created_at"),
        (Draft, "created_at"),
        (OutboxItem, "created_at"),
        (Case, "created_at"),
        (Case, "updated_at"),
    ]
    saved = []
    for model, name in fields:
        f = model._meta.get_field(name)
        saved.append((f, f.auto_now, f.auto_now_add))
        f.auto_now = f.auto_now_add = False  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add  # type: ignore[attr-defined]


@dataclass
class World:
    departments: list[Department]
    account: PlatformAccount
    officer: User
    smes: list[User]
    director: User
    topics: list[Topic]
    zero: ApprovalPolicy
    one: ApprovalPolicy
    two: ApprovalPolicy
    sla: dict[tuple[str, int], int] = field(default_factory=dict)


def make_world() -> World:
    """Departments, people, topics and the three standard policies (no factories, so
    the bench can use it too)."""
    from responder.accounts.models import Membership

    passports, _c = Department.objects.get_or_create(
        slug="gen-passports", defaults={"name": "Gen Passports", "retention_days": 365}
    )
    taxes, _c = Department.objects.get_or_create(slug="gen-taxes", defaults={"name": "Gen Taxes"})

    def person(username: str, role: str, first: str) -> User:
        user, _created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": "Gen"}
        )
        for d in (passports, taxes):
            Membership.objects.get_or_create(user=user, department=d, role=role)
        return user

    officer = person("gen-officer", Role.OFFICER, "Olive")
    smes = [person(f"gen-sme{i}", Role.SME, f"Sam{i}") for i in range(3)]
    director = person("gen-director", Role.APPROVER, "Dina")
    account, _c = PlatformAccount.objects.get_or_create(
        platform="mastodon",
        base_url="http://127.0.0.1:9",
        handle="gen-account",
        defaults={"name": "Gen", "department": passports},
    )
    topics = [
        Topic.objects.get_or_create(
            slug=f"gen-{slug}", defaults={"name_en": slug, "name_fr": slug, "department": passports}
        )[0]
        for slug in ("renewal", "fees", "travel", "lost")
    ]
    zero, _c = ApprovalPolicy.objects.get_or_create(name="Gen pre-approved")
    one, _c = ApprovalPolicy.objects.get_or_create(name="Gen new answer")
    two, _c = ApprovalPolicy.objects.get_or_create(name="Gen sensitive")
    ApprovalLayer.objects.get_or_create(
        policy=one,
        position=1,
        defaults={"name": "SME", "reviewer_role": Role.SME, "sla_minutes": 120},
    )
    ApprovalLayer.objects.get_or_create(
        policy=two,
        position=1,
        defaults={"name": "SME", "reviewer_role": Role.SME, "sla_minutes": 120},
    )
    ApprovalLayer.objects.get_or_create(
        policy=two,
        position=2,
        defaults={"name": "Director", "reviewer_role": Role.APPROVER, "sla_minutes": 240},
    )
    sla = {(one.name, 1): 120, (two.name, 1): 120, (two.name, 2): 240}
    return World(
        departments=[passports, taxes],
        account=account,
        officer=officer,
        smes=smes,
        director=director,
        topics=topics,
        zero=zero,
        one=one,
        two=two,
        sla=sla,
    )


def generate(
    world: World, *, n_cases: int, seed: int = 42, end: dt.datetime | None = None, days: int = 28
) -> dict[str, int]:
    """Insert n_cases cases over `days` days ending at `end` (default: now - 1 day)."""
    rng = random.Random(seed)
    end = end or (timezone.now() - dt.timedelta(days=1))
    start = end - dt.timedelta(days=days)
    span = (end - start).total_seconds()
    minute = dt.timedelta(minutes=1)
    counts = {"cases": 0, "steps": 0, "events": 0}
    batch = 5000
    with own_timestamps():
        for offset in range(0, n_cases, batch):
            size = min(batch, n_cases - offset)
            plans = [_plan(rng, world, start, span, minute, offset + i) for i in range(size)]
            cases = Case.objects.bulk_create(
                [Case(state=p["state"], **p["case"]) for p in plans], batch_size=2000
            )
            through = Case.topics.through
            through.objects.bulk_create(
                [
                    through(case_id=c.pk, topic_id=p["topic"].pk)
                    for c, p in zip(cases, plans, strict=True)
                    if p["topic"] is not None
                ],
                batch_size=5000,
            )
            drafts: list[Draft] = []
            for c, p in zip(cases, plans, strict=True):
                for d in p["drafts"]:
                    d.case_id = c.pk
                    drafts.append(d)
            Draft.objects.bulk_create(drafts, batch_size=5000)
            steps: list[ApprovalStep] = []
            for c, p in zip(cases, plans, strict=True):
                steps.extend(s.build(case_id=c.pk) for s in p["steps"])
            ApprovalStep.objects.bulk_create(steps, batch_size=5000)
            decisions: list[StepDecision] = []
            outbox: list[OutboxItem] = []
            events: list[AuditEvent] = []
            for c, p in zip(cases, plans, strict=True):
                for d in p["decisions"]:
                    d.step_id = d._step.row.pk  # type: ignore[attr-defined]
                    decisions.append(d)
                if p["outbox"] is not None:
                    o = p["outbox"]
                    o.case_id = c.pk
                    o.draft_id = o._draft.pk  # type: ignore[attr-defined]
                    outbox.append(o)
                for e in p["events"]:
                    e.case_id = c.pk
                    if getattr(e, "_step", None) is not None:
                        e.subject_id = e._step.row.pk  # type: ignore[attr-defined]
                        e.details["step"] = e._step.row.pk  # type: ignore[attr-defined]
                    events.append(e)
            StepDecision.objects.bulk_create(decisions, batch_size=5000)
            OutboxItem.objects.bulk_create(outbox, batch_size=5000)
            _engagement(rng, outbox)
            AuditEvent.objects.bulk_create(events, batch_size=5000)
            counts["cases"] += len(cases)
            counts["steps"] += len(steps)
            counts["events"] += len(events)
    return counts


def _engagement(rng: random.Random, outbox: list[OutboxItem]) -> None:
    """Favourites, boosts and replies on the posted replies (when the connectors'
    ReplyEngagement model exists)."""
    from django.apps import apps

    try:
        model = apps.get_model("channels", "ReplyEngagement")
    except LookupError:
        return
    model.objects.bulk_create(
        [
            model(
                outbox_item_id=o.pk,
                favourites=rng.randint(0, 20),
                boosts=rng.randint(0, 5),
                replies=rng.randint(0, 3),
                fetched_at=o.sent_at,
            )
            for o in outbox
        ],
        batch_size=5000,
    )


@dataclass
class _StepPlan:
    """An approval step while its history is made up. Its status moves as the plan
    goes (waiting, open, decided or cancelled); the row is built once, at the end, with
    the final status given to the constructor."""

    round: int
    position: int
    name: str
    policy: ApprovalPolicy
    sla_minutes: int
    draft: Draft
    final_status: str = StepStatus.WAITING
    opened_at: dt.datetime | None = None
    due_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    row: ApprovalStep | None = None

    def build(self, *, case_id: int) -> ApprovalStep:
        self.row = ApprovalStep(
            case_id=case_id,
            draft_id=self.draft.pk,
            round=self.round,
            position=self.position,
            name=self.name,
            policy=self.policy,
            policy_name=self.policy.name,
            sla_minutes=self.sla_minutes,
            status=self.final_status,
            opened_at=self.opened_at,
            due_at=self.due_at,
            decided_at=self.decided_at,
        )
        return self.row


def _event(
    action: str, at: dt.datetime, actor: User | None, frm: str, to: str, **details: Any
) -> AuditEvent:
    return AuditEvent(
        action=action,
        created_at=at,
        actor=actor,
        via="system" if actor is None else "web",
        from_state=frm,
        to_state=to,
        details=details,
    )


def _plan(
    rng: random.Random,
    world: World,
    start: dt.datetime,
    span: float,
    minute: dt.timedelta,
    index: int,
) -> dict[str, Any]:
    received = start + dt.timedelta(seconds=rng.random() * span)
    department = world.departments[0] if rng.random() < 0.7 else world.departments[1]
    platform = rng.choice(PLATFORMS)
    language = "fr" if rng.random() < 0.3 else "en"
    topic = rng.choice([*world.topics, None])
    case: dict[str, Any] = dict(
        department=department,
        account=world.account,
        platform=platform,
        external_id=f"gen-{index}",
        author_handle=f"citizen{index}@example.org",
        author_name=f"Citizen {index}",
        text=f"Question number {index}?",
        language=language,
        url=f"https://example.org/@c/{index}",
        received_at=received,
        created_at=received,
        updated_at=received,
    )
    plan: dict[str, Any] = {
        "case": case,
        "state": CaseState.NEW,
        "topic": topic,
        "drafts": [],
        "steps": [],
        "decisions": [],
        "outbox": None,
        "events": [
            _event(
                "case.ingested",
                received,
                None,
                "",
                CaseState.NEW,
                platform=platform,
                language=language,
                department=department.name,
            )
        ],
    }
    events = plan["events"]
    roll = rng.random()
    if roll < 0.12:  # closed without an answer
        closed = received + minute * rng.randint(5, 600)
        plan["state"] = CaseState.CLOSED
        case["close_reason"] = "spam"
        case["updated_at"] = closed
        events.append(
            _event(
                "case.close", closed, world.officer, CaseState.NEW, CaseState.CLOSED, reason="spam"
            )
        )
        return plan
    if roll < 0.17:  # still new
        return plan
    now = received + minute * rng.randint(2, 240)
    events.append(_event("case.claim", now, world.officer, CaseState.NEW, CaseState.DRAFTING))
    kind = rng.random()
    policy = world.zero if kind < 0.2 else (world.one if kind < 0.7 else world.two)
    layers = {world.zero: [], world.one: ["SME"], world.two: ["SME", "Director"]}[policy]
    still_open = rng.random() < 0.06 and layers
    sent_back_round1 = rng.random() < 0.12 and layers
    rounds = 2 if sent_back_round1 else 1
    last_draft = None
    for round_no in range(1, rounds + 1):
        now += minute * rng.randint(3, 90)
        version = round_no
        draft = Draft(
            version=version,
            text=f"Reply {index} v{version}",
            language=language if language in ("en", "fr") else "en",
            author=world.officer,
            library_unchanged=not layers,
            created_at=now,
        )
        plan["drafts"].append(draft)
        last_draft = draft
        events.append(
            _event(
                "draft.save",
                now,
                world.officer,
                CaseState.DRAFTING,
                CaseState.DRAFTING,
                version=version,
            )
        )
        now += minute * rng.randint(1, 20)
        events.append(
            _event(
                "case.submit",
                now,
                world.officer,
                CaseState.DRAFTING,
                CaseState.IN_REVIEW if layers else CaseState.APPROVED,
                policy=policy.name,
                layers=layers,
                library_unchanged=not layers,
                draft_version=version,
            )
        )
        steps = []
        for position, name in enumerate(layers, start=1):
            sla = world.sla[(policy.name, position)]
            step = _StepPlan(
                round=round_no,
                position=position,
                name=name,
                policy=policy,
                sla_minutes=sla,
                draft=draft,
            )
            steps.append(step)
            plan["steps"].append(step)
        opened = now
        for i, step in enumerate(steps):
            step.final_status = StepStatus.OPEN
            step.opened_at = opened
            step.due_at = opened + minute * step.sla_minutes
            is_last = i == len(steps) - 1
            if step.name == "Director":
                duration = minute * rng.randint(60, 900)  # slow, and never changes a thing
            else:
                duration = minute * int(rng.expovariate(1 / 90) + 1)
            if still_open and round_no == rounds and is_last:
                plan["state"] = CaseState.IN_REVIEW
                case["updated_at"] = opened
                return plan
            decided = opened + duration
            reviewer = world.director if step.name == "Director" else rng.choice(world.smes)
            if sent_back_round1 and round_no == 1 and i == 0:
                decision = "request_changes"
            elif step.name == "SME" and rng.random() < 0.2:
                decision = "edit_approve"
            else:
                decision = "approve"
            step.decided_at = decided
            step.final_status = (
                StepStatus.CHANGES_REQUESTED
                if decision == "request_changes"
                else StepStatus.APPROVED
            )
            d = StepDecision(reviewer=reviewer, decision=decision, via="email", created_at=decided)
            d._step = step  # type: ignore[attr-defined]
            plan["decisions"].append(d)
            details: dict[str, Any] = {
                "layer": step.position,
                "layer_name": step.name,
                "decision": decision,
                "round": round_no,
            }
            if decision == "request_changes":
                details["comment"] = "Please fix."
                e = _event(
                    "approval.request_changes",
                    decided,
                    reviewer,
                    CaseState.IN_REVIEW,
                    CaseState.DRAFTING,
                    **details,
                )
                e._step = step  # type: ignore[attr-defined]
                events.append(e)
                # The waiting layers of this round are cancelled.
                for later in steps[i + 1 :]:
                    later.final_status = StepStatus.CANCELLED
                    later.decided_at = decided
                now = decided
                break
            if not is_last:
                details["next_layer"] = step.position + 1
            e = _event(
                "approval.approve",
                decided,
                reviewer,
                CaseState.IN_REVIEW,
                CaseState.IN_REVIEW if not is_last else CaseState.APPROVED,
                **details,
            )
            e._step = step  # type: ignore[attr-defined]
            events.append(e)
            opened = decided
            now = decided
    # Approved: posted a little later.
    posting = now + minute * rng.randint(0, 3)
    replied = posting + dt.timedelta(seconds=rng.randint(2, 90))
    events.append(
        _event("case.start_posting", posting, None, CaseState.APPROVED, CaseState.POSTING)
    )
    events.append(
        _event(
            "case.mark_replied", replied, None, CaseState.POSTING, CaseState.REPLIED, posted=True
        )
    )
    plan["state"] = CaseState.REPLIED
    case["replied_at"] = replied
    case["first_response_at"] = replied
    case["reply_external_id"] = f"r-{index}"
    case["updated_at"] = replied
    outbox = OutboxItem(
        account=world.account,
        text=f"@citizen{index} Reply {index}",
        in_reply_to_external_id=f"gen-{index}",
        status=OutboxStatus.SENT,
        created_at=posting,
        sent_at=replied,
        attempts=1,
    )
    outbox._draft = last_draft  # type: ignore[attr-defined]
    plan["outbox"] = outbox
    return plan
