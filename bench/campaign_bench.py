"""Campaign posts at scale: 10,000 posts scheduled for the same minute, posted by two
Celery workers through the real path. Run by hand (never in the test run):

    .venv/bin/python bench/campaign_bench.py [--posts 10000] [--spread 0]
                                             [--platforms mastodon,bluesky,x]

The goal (issue #15): the posts leave within p95 1 s of their time, and at least
400 posts/s with two workers.

Real parts, started here: the simulator (its own process, speaking Mastodon, Bluesky
and X over HTTP), a private Redis broker, two `celery worker` processes (prefork, two
processes each), and PostgreSQL (a throwaway database on $BENCH_PG).

What runs is what an approval starts: approved outgoing cases (campaign posts, English
and French: two posts each) are put in the outbox by `outbox_create` and the campaign
planner, which write one row per post with `not_before` = the scheduled time and queue
the send task with a countdown to that time after commit. The cases are made in bulk
(the composer and the approval steps are measured elsewhere); everything from the
outbox row to the platform is the product's code.

`--spread 0` (default): every post is due at the same instant (the composer schedules
to the minute, so "the same minute" is one due time). `--spread 60`: due times spread
evenly over the minute. Lateness = the time the simulator received the post (its
`created_at`, ms) minus the row's `not_before`; throughput = posts between the first
and the last received, per second.

Prints the figures and writes them to var/bench/campaign.json.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from posting_bench import (  # noqa: E402
    TOKEN,
    SimulatorProcess,
    fresh_database,
    machine,
    percentile,
)

from bench.benchdb import worker_bench_setup  # noqa: E402
from responder.testing.chaos import PrivateRedis, Worker, wait_for  # noqa: E402


def make_accounts(sim: SimulatorProcess, department: Any, platforms: list[str]) -> list[Any]:
    from responder.channels.models import PlatformAccount

    credentials = {
        "mastodon": {"access_token": TOKEN},
        "bluesky": {"identifier": "passports.sim.example", "password": TOKEN},
        "x": {"access_token": TOKEN},
    }
    handles = {"mastodon": "passports", "bluesky": "passports.sim.example", "x": "passports"}
    return [
        PlatformAccount.objects.create(
            platform=p,
            name="Passport Office",
            handle=handles[p],
            department=department,
            base_url=sim.url,
            credentials=credentials[p],
            hashtags="passport2026,passeport2026",
        )
        for p in platforms
    ]


def approved_campaign_cases(
    *,
    campaign: Any,
    accounts: list[Any],
    officer: Any,
    count: int,
    due: list[dt.datetime | None],
    label: str = "Tip",
) -> list[tuple[Any, Any]]:
    """`count` approved outgoing cases (one composed post each, English and French),
    round-robin over the accounts, with their campaign post and approved draft, made in
    bulk: the state the last approval leaves them in."""
    from responder.campaigns.models import BilingualMode, CampaignPost
    from responder.inbox.checks import outgoing_text
    from responder.inbox.models import OUTGOING_SOURCE, Case, CaseLanguage, CaseState, Draft

    cases = []
    for n in range(count):
        account = accounts[n % len(accounts)]
        case = Case(
            department_id=campaign.department_id,
            account=account,
            platform=account.platform,
            external_id=f"outgoing-{uuid.uuid4()}",
            author_handle=account.handle,
            author_name=account.name,
            text=f"Campaign post: {campaign.name_en}",
            language=CaseLanguage.OTHER,
            source=OUTGOING_SOURCE,
            owner=officer,
            state=CaseState.APPROVED,  # built in its final state (made in bulk)
        )
        cases.append(case)
    cases = Case.objects.bulk_create(cases, batch_size=2000)
    drafts = Draft.objects.bulk_create(
        [
            Draft(
                case=case,
                version=1,
                author=officer,
                language="en",
                text=outgoing_text(
                    [
                        [f"{label} {n}: renew online. #passport2026"],
                        [f"{label} {n} (fr) : renouvelez en ligne. #passeport2026"],
                    ]
                ),
            )
            for n, case in enumerate(cases)
        ],
        batch_size=2000,
    )
    CampaignPost.objects.bulk_create(
        [
            CampaignPost(
                campaign=campaign,
                account_id=case.account_id,
                case=case,
                group=uuid.uuid4(),
                bilingual_mode=BilingualMode.TWO_POSTS,
                scheduled_for=due[n],
                created_by=officer,
            )
            for n, case in enumerate(cases)
        ],
        batch_size=2000,
    )
    return list(zip(cases, drafts, strict=True))


def approve_all(pairs: list[tuple[Any, Any]]) -> None:
    """What the last approval does for each: outbox rows, and the send task queued
    after commit (at the scheduled time when that is close; else the sweep queues it)."""
    from django.db import transaction

    from responder.channels.services import outbox_create

    for start in range(0, len(pairs), 500):
        with transaction.atomic():
            for case, draft in pairs[start : start + 500]:
                outbox_create(case=case, draft=draft)


def make_campaign(args: argparse.Namespace, sim: SimulatorProcess) -> tuple[Any, Any, list[Any]]:
    from django.utils import timezone

    from responder.accounts.models import Role
    from responder.campaigns.models import Campaign
    from responder.testing.factories import DepartmentFactory, person

    department = DepartmentFactory(name="Passport Office", slug="passports")
    officer = person(Role.OFFICER, department, username="olivia")
    accounts = make_accounts(sim, department, args.platforms.split(","))
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        name_en="Renew online",
        name_fr="Renouveler en ligne",
        hashtags="passport2026, passeport2026",
        starts_on=today,
        ends_on=today + dt.timedelta(days=30),
        owner=officer,
        department=department,
    )
    campaign.accounts.set(accounts)
    return campaign, officer, accounts


def build(
    args: argparse.Namespace, world: tuple[Any, Any, list[Any]], due_at: dt.datetime
) -> dict[str, Any]:
    """`args.posts` posts in the outbox, due from `due_at` (over `args.spread`
    seconds). Returns what the measure needs."""
    campaign, officer, accounts = world
    composed = args.posts // 2  # English and French: two posts each
    step = dt.timedelta(seconds=args.spread / composed) if args.spread else dt.timedelta(0)
    due = [due_at + i * step for i in range(composed)]
    pairs = approved_campaign_cases(
        campaign=campaign, accounts=accounts, officer=officer, count=composed, due=list(due)
    )
    approve_all(pairs)
    return {"case_ids": [case.pk for case, _draft in pairs]}


def sim_received(sim: SimulatorProcess) -> list[dict[str, Any]]:
    """Every post the simulator holds, on the three platforms, with when it arrived."""
    out = []
    for path in ("/_sim/posts", "/_sim/bluesky/posts", "/_sim/x/posts"):
        out += sim.client.get(path).raise_for_status().json()
    return out


def parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--spread", type=float, default=0.0, help="seconds the due times span")
    parser.add_argument("--platforms", default="mastodon,bluesky,x")
    parser.add_argument("--concurrency", type=int, default=2, help="processes per worker")
    parser.add_argument("--lead", type=float, default=120.0, help="seconds to build in")
    parser.add_argument("--warm-up", type=int, default=40, help="posts (x2) before, not counted")
    args = parser.parse_args()
    results: dict[str, Any] = {"machine": machine(), "posts": args.posts, "spread": args.spread}
    print(results["machine"], flush=True)

    db_url = (
        os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        + "/responder_bench_campaign"
    )
    fresh_database(db_url)
    redis = PrivateRedis().start()
    sim = SimulatorProcess()
    log_dir = Path(tempfile.mkdtemp(prefix="campaign-bench-"))
    env = worker_bench_setup(
        db_url=db_url,
        broker_url=redis.url,
        prefix="campaign-bench",
        settings_module="responder.settings",
    )
    from django.utils import timezone

    from responder.channels.models import OutboxItem, OutboxStatus

    workers = [
        Worker(name=f"camp{i}", env=env, concurrency=args.concurrency, log_dir=log_dir)
        for i in (1, 2)
    ]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.wait_ready(timeout=120)
        world = make_campaign(args, sim)
        # Warm-up, not counted: posted at once, so that each worker process has opened
        # its database connection and its platform clients, as a long-lived worker has.
        campaign, officer, accounts = world
        warm = approved_campaign_cases(
            campaign=campaign,
            accounts=accounts,
            officer=officer,
            count=args.warm_up,
            due=[None] * args.warm_up,
            label="Warm-up",
        )
        approve_all(warm)
        warm_rows = OutboxItem.objects.filter(case_id__in=[c.pk for c, _d in warm])
        wait_for(
            lambda: warm_rows.filter(status=OutboxStatus.SENT).count() == 2 * args.warm_up,
            timeout=120,
            what="the warm-up posts",
        )
        due_at = (timezone.now() + dt.timedelta(seconds=args.lead)).replace(microsecond=0)
        t = time.monotonic()
        built = build(args, world, due_at)
        results["build_seconds"] = round(time.monotonic() - t, 1)
        left = (due_at - timezone.now()).total_seconds()
        print(f"built in {results['build_seconds']} s; first due in {left:.1f} s", flush=True)
        if left < 5:
            raise SystemExit("the build ran past the due time: raise --lead")
        rows = OutboxItem.objects.filter(case_id__in=built["case_ids"])
        total = rows.count()

        from celery import Celery

        from responder.celery import app as project_app

        # What beat does: the outbox sweep every 10 s (it queues the scheduled posts
        # due within the next 30 s for their own time).
        sender = Celery("campaign-bench-beat", set_as_current=False)
        sender.conf.broker_write_url = redis.url
        sender.conf.task_routes = project_app.conf.task_routes
        sender.conf.task_default_queue = project_app.conf.task_default_queue
        last_sweep = 0.0

        def settled() -> bool:
            nonlocal last_sweep
            if time.monotonic() - last_sweep >= 10.0:
                sender.send_task("responder.channels.tasks.outbox_sweep")
                last_sweep = time.monotonic()
            return rows.filter(status=OutboxStatus.SENT).count() == total

        wait_for(settled, timeout=args.lead + 600, what="the campaign posts", every=1.0)
        # Each post's text is unique (its number), on whichever platform it went.
        not_before = dict(rows.values_list("text", "not_before"))
        received = {p["text"]: parse_time(p["created_at"]) for p in sim_received(sim)}
        late = []
        for text, nb in not_before.items():
            at = received.get(text)
            if at is not None:
                late.append((at - nb).total_seconds())
        arrivals = sorted(received[text] for text in not_before if text in received)
        span = (arrivals[-1] - arrivals[0]).total_seconds()
        per_platform = collections.Counter(
            rows.values_list("account__platform", flat=True).order_by()
        )
        results["outbox_rows"] = total
        results["posts_received"] = len(late)
        results["per_platform"] = dict(per_platform)
        results["lateness_s"] = {
            "matched": len(late),
            "min": round(min(late), 3),
            "p50": round(statistics.median(late), 3),
            "p95": round(percentile(late, 95), 3),
            "max": round(max(late), 3),
            "early": sum(1 for x in late if x < 0),
        }
        results["throughput"] = {
            "first_to_last_s": round(span, 2),
            "posts_per_second": round((len(arrivals) - 1) / span, 1) if span else None,
            "workers": 2,
            "processes_per_worker": args.concurrency,
        }
        print(json.dumps(results, indent=2), flush=True)
    finally:
        for w in workers:
            w.kill()
        sim.stop()
        redis.stop()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = f"campaign-spread{int(args.spread)}.json"
    (out / name).write_text(json.dumps(results, indent=2, default=str))
    print(f"written to {out / name}; worker logs in {log_dir}")


if __name__ == "__main__":
    main()
