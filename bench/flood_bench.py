"""An ingest flood does not delay posting: approval -> posted p95 while 20,000 mentions
are being ingested, against the same figure on a quiet system. Run by hand (never in
the test run):

    .venv/bin/python bench/flood_bench.py [--flood 20000] [--one-queue]

Real parts started here: the Mastodon simulator (its own process), a private Redis
broker, PostgreSQL (a throwaway database on $BENCH_PG, default the local server) and
Celery workers as in production: one on the `ingest` queue and one on `posting`
(`--one-queue`: two workers each taking every queue, as before issue #17, to compare).

1. quiet: `--replies` replies approved one by one at `--rate` per second; approval
   (outbox row written) to posted (row sent), p50/p95.
2. flood: `--flood` mentions land on the simulator at once; `--accounts` accounts
   (polled every second, polls dispatched every half second as a fast beat would;
   each reads every mention, so N accounts make N times the ingest work) ingest them
   400 per poll; meanwhile the same number of replies is approved at the same pace
   and measured the same way.

Goal (issue #17): flood p95 within 2x the quiet p95. Prints the figures (the lead copies
them into docs/PERFORMANCE.md) and writes them to var/bench/flood.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import worker_bench_setup  # noqa: E402
from bench.posting_bench import (  # noqa: E402
    TOKEN,
    WARM_UP_REPLIES,
    SimulatorProcess,
    approve,
    fresh_database,
    machine,
    make_team,
    percentile,
    settled_count,
)
from responder.testing.chaos import PrivateRedis, Worker, wait_for  # noqa: E402


def paced_approvals(
    team: Any, account: Any, sim: SimulatorProcess, *, start: int, count: int, rate: float
) -> list[int]:
    """Approve `count` replies one by one at `rate` per second (after a warm-up that
    is not returned); the case ids."""
    gap = 1.0 / rate
    ids: list[int] = []
    t0 = time.monotonic()
    for i in range(-WARM_UP_REPLIES, count):
        due = t0 + (i + WARM_UP_REPLIES) * gap
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        got = approve(team, account, sim, start=start + i + WARM_UP_REPLIES, count=1)
        if i >= 0:
            ids += got
    return ids


def latency(case_ids: list[int]) -> dict[str, float]:
    from responder.channels.models import OutboxItem

    wait_for(
        lambda: settled_count(case_ids) == len(case_ids), timeout=300, what="replies", every=0.2
    )
    rows = OutboxItem.objects.filter(case_id__in=case_ids).values_list("created_at", "sent_at")
    values = [(sent - created).total_seconds() * 1000 for created, sent in rows]
    return {
        "count": len(values),
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 95), 1),
        "max": round(max(values), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flood", type=int, default=20000, help="mentions in the flood")
    parser.add_argument(
        "--accounts", type=int, default=1, help="accounts polling (each reads every mention)"
    )
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="approvals per second")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--ingest-concurrency", type=int, default=None, help="processes of the ingest worker"
    )
    parser.add_argument("--one-queue", action="store_true", help="every worker takes every queue")
    args = parser.parse_args()
    # A SIGTERM (a timeout, Ctrl-C from a parent) still stops what we started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    results: dict[str, Any] = {
        "machine": machine(),
        "flood": args.flood,
        "accounts": args.accounts,
        "layout": "one queue" if args.one_queue else "queues by kind",
        "ingest_processes": args.ingest_concurrency or args.concurrency,
    }
    print(results["machine"], "|", results["layout"], flush=True)

    db_url = (
        os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432") + "/responder_bench_flood"
    )
    fresh_database(db_url)
    redis = PrivateRedis().start()
    sim = SimulatorProcess()
    log_dir = Path(tempfile.mkdtemp(prefix="flood-bench-"))
    env = worker_bench_setup(
        db_url=db_url,
        broker_url=redis.url,
        prefix="flood-bench",
        settings_module="tests.channels.fault_settings",
        REDIS_URL="",
    )
    from responder.channels.models import PlatformAccount
    from responder.channels.tasks import poll_dispatch
    from responder.inbox.models import Case

    team = make_team()
    account = PlatformAccount.objects.create(
        platform="mastodon",
        name="Passport Office",
        handle="passports",
        department=team.department,
        base_url=sim.url,
        credentials={"access_token": TOKEN},
        is_active=False,  # approvals are made here; only the flood accounts poll
    )
    flood_accounts = [
        PlatformAccount.objects.create(
            platform="mastodon",
            name=f"Flood {k}",
            handle=f"flood{k}",
            department=team.department,
            base_url=sim.url,
            credentials={"access_token": TOKEN},
            poll_interval_seconds=1,
            is_active=False,
        )
        for k in range(args.accounts)
    ]
    if args.one_queue:
        workers = [
            Worker(name=f"all{i}", env=env, concurrency=args.concurrency, log_dir=log_dir)
            for i in (1, 2)
        ]
    else:
        workers = [
            Worker(
                name=queue,
                env=env,
                concurrency=(args.ingest_concurrency or args.concurrency)
                if queue == "ingest"
                else args.concurrency,
                log_dir=log_dir,
                queues=queue,
            )
            for queue in ("ingest", "posting")
        ]
    stop = threading.Event()
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.wait_ready(timeout=120)

        quiet = paced_approvals(team, account, sim, start=0, count=args.replies, rate=args.rate)
        results["quiet_ms"] = latency(quiet)
        print("quiet: approval -> posted", results["quiet_ms"], flush=True)

        # The flood accounts start polling first (and read the quiet phase's mentions),
        # so that what is measured is the flood arriving at accounts already in use.
        PlatformAccount.objects.filter(pk__in=[a.pk for a in flood_accounts]).update(is_active=True)

        def dispatch() -> None:  # a fast beat
            while not stop.wait(0.5):
                poll_dispatch.delay()

        threading.Thread(target=dispatch, daemon=True).start()
        wait_for(
            lambda: (
                not PlatformAccount.objects.filter(
                    pk__in=[a.pk for a in flood_accounts], last_polled_at__isnull=True
                ).exists()
            ),
            timeout=120,
            what="the flood accounts' first polls",
        )
        batch = 2000
        for first in range(0, args.flood, batch):
            sim.post_mentions(
                [
                    {"text": f"Flood question {i}: is the office open?", "acct": f"f{i}@m.example"}
                    for i in range(first, min(first + batch, args.flood))
                ]
            )
        flood_started = time.monotonic()
        start = args.replies + WARM_UP_REPLIES
        during = paced_approvals(
            team, account, sim, start=start, count=args.replies, rate=args.rate
        )
        flood_cases = Case.objects.filter(text__contains="Flood question")
        ingested_during = flood_cases.count()
        results["flood_ms"] = latency(during)
        results["ingested_while_measuring"] = ingested_during
        print("flood: approval -> posted", results["flood_ms"], flush=True)
        wait_for(
            lambda: flood_cases.count() >= args.flood * args.accounts,
            timeout=900,
            what="the flood to be ingested",
            every=1.0,
        )
        results["flood_ingest_seconds"] = round(time.monotonic() - flood_started, 1)
        ratio = results["flood_ms"]["p95"] / results["quiet_ms"]["p95"]
        results["p95_ratio"] = round(ratio, 2)
        results["goal_met"] = ratio <= 2.0
        print(
            f"flood p95 / quiet p95 = {ratio:.2f} (goal <= 2); the flood took "
            f"{results['flood_ingest_seconds']} s to ingest",
            flush=True,
        )
    finally:
        stop.set()
        for w in workers:
            w.stop()
        sim.stop()
        redis.stop()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    name = "flood-one-queue.json" if args.one_queue else "flood.json"
    (out / name).write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
