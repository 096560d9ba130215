"""Posting approved replies: latency, throughput, and exactly-once under faults, at
full size. Run by hand (never in the test run):

    .venv/bin/python bench/posting_bench.py [--replies 1000] [--concurrency 2]
                                            [--private-pg] [--seed 20261125]

Everything runs on real parts started here: the Mastodon simulator (its own process),
a private Redis broker on a free port, two `celery worker` processes, and PostgreSQL
(a throwaway database on $BENCH_PG, default the local server, or with --private-pg a
private cluster made with initdb on a free port, which the fault phase then restarts).

1. latency: replies approved one by one (paced), each posted by the workers after
   the approval commits; approval (outbox row written) to posted (row sent), p50/p95.
2. throughput: `--replies` approved replies queued at once, two workers posting;
   posts per second between the first and the last post.
3. faults: `--replies` more approved replies while the simulator answers 429, 500,
   502 and drops connections, workers are SIGKILLed at seeded random points and
   restarted, the Redis broker is restarted once (and PostgreSQL once with
   --private-pg); then the sweep runs until every row has settled. Checks exactly one
   post per case on the platform and no case left without a visible reason.

Prints the figures (the lead copies them into docs/PERFORMANCE.md) and writes them to
var/bench/posting.json.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import worker_bench_setup  # noqa: E402
from responder.testing.chaos import (  # noqa: E402
    PrivatePostgres,
    PrivateRedis,
    Worker,
    free_port,
    wait_for,
)

TOKEN = "bench-token"


#: Replies posted before the latency is measured (see the latency phase).
WARM_UP_REPLIES = 20


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        mem = "unknown memory"
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, Python {platform.python_version()}, "
        f"load average {load:.1f} at start"
    )


class SimulatorProcess:
    """`python -m responder.channels.simulator` on a free port, driven over HTTP."""

    def __init__(self) -> None:
        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "responder.channels.simulator",
                "--port",
                str(self.port),
                "--token",
                TOKEN,
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.client = httpx.Client(base_url=self.url, timeout=30)

        def up() -> bool:
            try:
                return self.client.get("/_sim/health").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, timeout=20, what="the simulator")

    def post_mentions(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self.client.post("/_sim/mentions", json={"items": items}).raise_for_status().json()

    def posts(self) -> list[dict[str, Any]]:
        return self.client.get("/_sim/posts").raise_for_status().json()

    def fault(self, **kw: Any) -> None:
        self.client.post("/_sim/faults", json=kw).raise_for_status()

    def clear_faults(self) -> None:
        self.client.delete("/_sim/faults").raise_for_status()

    def stop(self) -> None:
        import signal

        self.client.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)


def fresh_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def make_team() -> Any:
    from responder.accounts.models import Role
    from responder.testing.factories import (
        DepartmentFactory,
        LibraryAnswerFactory,
        PolicyFactory,
        person,
        rule,
    )

    department = DepartmentFactory(name="Passport Office", slug="passports")
    zero = PolicyFactory(name="Pre-approved answer")
    rule(zero, 10, library_unchanged=True, name="Unchanged library answer")
    admin = person(Role.ADMIN, department, username="admin")
    officer = person(Role.OFFICER, department, username="olivia")
    answer = LibraryAnswerFactory(approved_by=admin)
    return type("Team", (), {"department": department, "officer": officer, "answer": answer})


def approve(team: Any, account: Any, sim: SimulatorProcess, *, start: int, count: int) -> list[int]:
    """`count` citizens ask; the officer answers each with the library answer."""
    from responder.testing.outbox import approved_replies_bulk

    return approved_replies_bulk(team, account, sim, count, start=start)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def settled_count(case_ids: list[int]) -> int:
    from responder.channels.models import OutboxItem, OutboxStatus

    return OutboxItem.objects.filter(
        case_id__in=case_ids,
        status__in=[OutboxStatus.SENT, OutboxStatus.FAILED, OutboxStatus.NEEDS_ATTENTION],
    ).count()


def db_retry(fn: Any, *args: Any) -> Any:
    """Run a query, riding out a PostgreSQL restart."""
    from django.db import InterfaceError, OperationalError, connection

    for _ in range(100):
        try:
            return fn(*args)
        except (OperationalError, InterfaceError):
            connection.close()
            time.sleep(0.2)
    raise RuntimeError("the database did not come back")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replies", type=int, default=1000)
    parser.add_argument("--latency-replies", type=int, default=200)
    parser.add_argument("--latency-rate", type=float, default=20.0, help="approvals per second")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="processes per worker (2 cores: 2 is best)"
    )
    parser.add_argument(
        "--pool",
        default="prefork",
        choices=["prefork", "threads"],
        help="Celery pool; posting waits on HTTP, so threads can overlap the waits",
    )
    parser.add_argument("--private-pg", action="store_true")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--settle-timeout", type=float, default=600)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    results: dict[str, Any] = {"machine": machine(), "replies": args.replies}
    print(results["machine"], flush=True)

    pg = PrivatePostgres().init() if args.private_pg else None
    db_url = (
        pg.url
        if pg
        else os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
        + "/responder_bench_posting"
    )
    if pg is None:
        fresh_database(db_url)
    redis = PrivateRedis().start()
    sim = SimulatorProcess()
    log_dir = Path(tempfile.mkdtemp(prefix="posting-bench-"))
    env = worker_bench_setup(
        db_url=db_url,
        broker_url=redis.url,
        prefix="posting-bench",
        settings_module="tests.channels.fault_settings",
    )
    from responder.channels.models import OutboxItem, OutboxStatus, PlatformAccount, PostAttempt
    from responder.inbox.models import Case, CaseState

    team = make_team()
    account = PlatformAccount.objects.create(
        platform="mastodon",
        name="Passport Office",
        handle="passports",
        department=team.department,
        base_url=sim.url,
        credentials={"access_token": TOKEN},
    )
    workers = [
        Worker(
            name=f"bench{i}",
            env=env,
            concurrency=args.concurrency,
            log_dir=log_dir,
            pool=args.pool,
        )
        for i in (1, 2)
    ]
    try:
        for w in workers:
            w.start()
        for w in workers:
            w.wait_ready(timeout=120)

        # --- 1. latency ------------------------------------------------------------
        # The first replies are not counted: each worker process's first task opens
        # its database connection and its platform client (a long-lived worker has
        # both), which is start-up, not the path an approval takes.
        gap = 1.0 / args.latency_rate
        lat_ids: list[int] = []
        t0 = time.monotonic()
        for i in range(-WARM_UP_REPLIES, args.latency_replies):
            due = t0 + (i + WARM_UP_REPLIES) * gap
            if (wait := due - time.monotonic()) > 0:
                time.sleep(wait)
            ids = approve(team, account, sim, start=i + WARM_UP_REPLIES, count=1)
            if i >= 0:
                lat_ids += ids
        wait_for(
            lambda: settled_count(lat_ids) == len(lat_ids),
            timeout=120,
            what="latency replies",
            every=0.2,
        )
        rows = OutboxItem.objects.filter(case_id__in=lat_ids).values_list("created_at", "sent_at")
        lat = [(sent - created).total_seconds() * 1000 for created, sent in rows]
        results["latency_ms"] = {
            "count": len(lat),
            "approvals_per_second": args.latency_rate,
            "p50": round(statistics.median(lat), 1),
            "p95": round(percentile(lat, 95), 1),
            "max": round(max(lat), 1),
        }
        # Where the time goes: approval to the claim (after-commit enqueue, broker,
        # worker pick-up, claim), then the platform call (sent_at is when it answered).
        parts: dict[str, list[float]] = {"queue+claim": [], "platform": []}
        attempts = PostAttempt.objects.filter(
            outbox_item__case_id__in=lat_ids, outcome="sent"
        ).values_list("outbox_item__created_at", "started_at", "finished_at")
        for created, started, finished in attempts:
            parts["queue+claim"].append((started - created).total_seconds() * 1000)
            parts["platform"].append((finished - started).total_seconds() * 1000)
        slowest = sorted(zip(parts["queue+claim"], parts["platform"], strict=True), key=sum)[-5:]
        results["latency_ms"]["parts"] = {
            name: {
                "p50": round(statistics.median(values), 1),
                "p95": round(percentile(values, 95), 1),
            }
            for name, values in parts.items()
            if values
        }
        results["latency_ms"]["slowest"] = [
            f"{q + c:.0f} = {q:.0f} + {c:.0f}" for q, c in reversed(slowest)
        ]
        print("latency (approval -> posted):", results["latency_ms"], flush=True)

        # --- 2. throughput ---------------------------------------------------------
        for w in workers:
            w.stop()
        base = args.latency_replies + WARM_UP_REPLIES
        t = time.monotonic()
        thr_ids = approve(team, account, sim, start=base, count=args.replies)
        results["approve_seconds"] = round(time.monotonic() - t, 1)
        for w in workers:
            w.start()
        wait_for(
            lambda: settled_count(thr_ids) == len(thr_ids),
            timeout=600,
            what="throughput replies",
            every=0.5,
        )
        sent = sorted(
            OutboxItem.objects.filter(case_id__in=thr_ids).values_list("sent_at", flat=True)
        )
        span = (sent[-1] - sent[0]).total_seconds()
        results["throughput"] = {
            "replies": len(sent),
            "workers": 2,
            "processes_per_worker": args.concurrency,
            "pool": args.pool,
            "seconds": round(span, 2),
            "posts_per_second": round((len(sent) - 1) / span, 1) if span else None,
        }
        print("throughput:", results["throughput"], flush=True)

        # --- 3. faults -------------------------------------------------------------
        for w in workers:
            w.stop()
        base += args.replies
        fault_ids = approve(team, account, sim, start=base, count=args.replies)
        from celery import Celery

        from responder.celery import app as project_app

        sender = Celery("bench-driver", set_as_current=False)
        sender.conf.broker_write_url = redis.url
        # The project's queues: the sweep goes to "posting", where the workers listen.
        sender.conf.task_routes = project_app.conf.task_routes
        sender.conf.task_default_queue = project_app.conf.task_default_queue
        kinds = [{"delay_ms": 50}] * 6 + [
            {"status": 429, "retry_after_seconds": 1, "reset_format": "epoch"},
            {"status": 500},
            {"status": 502},
            {"drop": True},
        ]
        common = {"times": 1, "path_prefix": "/api/v1/statuses", "method": "POST"}
        for _ in range(args.replies // 4):
            sim.fault(**rng.choice(kinds), **common)
        n = args.replies
        plan = [(k, "kill") for k in rng.sample(range(n // 20, n - n // 10), 6)]
        plan.append((rng.randrange(n // 10, n // 2), "redis"))
        if pg is not None:
            plan.append((rng.randrange(n // 4, n - n // 4), "postgres"))
        plan.sort()
        fault_set = set(Case.objects.filter(pk__in=fault_ids).values_list("external_id", flat=True))

        def fault_posts() -> int:
            return sum(1 for p in sim.posts() if p["in_reply_to_id"] in fault_set)

        started = time.monotonic()
        for w in workers:
            w.start()
        chaos_log = []
        last_sweep = 0.0
        deadline = started + args.settle_timeout
        while time.monotonic() < deadline:
            posted = fault_posts()
            while plan and posted >= plan[0][0]:
                _at, action = plan.pop(0)
                chaos_log.append(f"{action} at {posted} posts")
                if action == "kill":
                    victim = rng.choice(workers)
                    victim.kill()
                    victim.start()
                elif action == "redis":
                    redis.restart()
                else:
                    assert pg is not None
                    pg.restart()
            if time.monotonic() - last_sweep > 2.0:  # what beat does
                try:
                    sender.send_task("responder.channels.tasks.outbox_sweep")
                except Exception as exc:  # the broker may be restarting
                    print("sweep not sent:", exc, flush=True)
                last_sweep = time.monotonic()
            if not plan and db_retry(settled_count, fault_ids) == len(fault_ids):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        posts = [p for p in sim.posts() if p["in_reply_to_id"] in fault_set]
        per_case = collections.Counter(p["in_reply_to_id"] for p in posts)
        states = collections.Counter(
            db_retry(
                lambda: list(Case.objects.filter(pk__in=fault_ids).values_list("state", flat=True))
            )
        )
        unexplained = db_retry(
            lambda: (
                OutboxItem.objects.filter(case_id__in=fault_ids)
                .exclude(status=OutboxStatus.SENT)
                .filter(last_error="")
                .count()
            )
        )
        outcomes = collections.Counter(
            db_retry(
                lambda: list(
                    PostAttempt.objects.filter(outbox_item__case_id__in=fault_ids).values_list(
                        "outcome", flat=True
                    )
                )
            )
        )
        results["faults"] = {
            "replies": n,
            "posts_on_platform": len(posts),
            "questions_with_exactly_one_post": sum(1 for v in per_case.values() if v == 1),
            "questions_with_more_than_one_post": sum(1 for v in per_case.values() if v > 1),
            "case_states": dict(states),
            "not_sent_without_reason": unexplained,
            "attempt_outcomes": dict(outcomes),
            "chaos": chaos_log,
            "seconds_to_settle": round(elapsed, 1),
            "worker_starts": sum(w.starts for w in workers),
        }
        ok = (
            len(posts) == n
            and set(per_case.values()) == {1}
            and states.get(CaseState.REPLIED, 0) + states.get(CaseState.POST_FAILED, 0) == n
            and unexplained == 0
        )
        results["faults"]["exactly_once"] = ok
        print("faults:", json.dumps(results["faults"], indent=2), flush=True)
    finally:
        for w in workers:
            w.kill()
        sim.stop()
        redis.stop()
        if pg is not None:
            pg.destroy()
    out = ROOT / "var" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / "posting.json").write_text(json.dumps(results, indent=2, default=str))
    print(f"written to {out / 'posting.json'}; worker logs in {log_dir}")
    if not results.get("faults", {}).get("exactly_once"):
        sys.exit(1)


if __name__ == "__main__":
    main()
