"""Ingest throughput: parsed Mention objects -> committed case rows, against a bare
Django bulk_create of the same rows, in one run, on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/responder \
        .venv/bin/python bench/ingest_bench.py [--count 5000] [--batch 400] [--rounds 3]

It creates its own scratch database (bench_<name>), migrates it, and drops it after.
"Ingest" is the real path of one poll commit per batch: lock the account, find
existing rows, detect the language, thread replies, insert cases, one audit event
per case, advance the cursor. "Bare" is Case.objects.bulk_create of rows built
from the same mentions (no language detection, threading, audit or lock), one
transaction per batch. A batch of 400 is what one poll reads at most (5 pages of 80).

"Classification on" is the real path into a department with the demo's 10 incoming
rules and 50 library answers (topics, automatic risk, priority and reasons set in the
same transaction); "classification off" is the same path with classification
replaced by a no-op, which is what ingest cost before it existed.

Beside the rates it prints the CPU time per mention of this process and its PostgreSQL
backend (when the server runs on this machine): on a shared machine the wall clock
follows the load, the CPU time much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_databases, teardown_databases  # noqa: E402

TEXTS_EN = [
    "How long does a passport renewal take right now?",
    "My passport expires in two months, can I still travel to France?",
    "I lost my passport at the airport. What do I do?",
    "Can I renew my child's passport online?",
    "I applied 6 weeks ago and have heard nothing. Can you check my file?",
]
TEXTS_FR = [
    "Combien de temps faut-il pour renouveler un passeport en ce moment ?",
    "Mon passeport expire dans deux mois, puis-je voyager en France ?",
    "J'ai perdu mon passeport à l'aéroport. Que dois-je faire ?",
    "Ai-je besoin d'un répondant pour un renouvellement simplifié ?",
]


def make_mentions(count: int, *, start: int, seed: int = 7) -> list:
    from responder.channels.connectors.base import Mention

    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC)
    mentions = []
    for i in range(count):
        external_id = str(start + i)
        french = rng.random() < 0.4
        text = rng.choice(TEXTS_FR if french else TEXTS_EN) + f" ({i})"
        # A fifth are replies to an earlier mention of the run (threading work).
        reply_to = str(start + rng.randrange(i)) if i and rng.random() < 0.2 else ""
        mentions.append(
            Mention(
                external_id=external_id,
                author_handle=f"citizen{i % 300}@mastodon.example",
                author_name=f"Citizen {i % 300}",
                author_external_id=str(10_000 + i % 300),
                text=f"@passports {text}",
                url=f"https://mastodon.example/@c/{external_id}",
                created_at=now + dt.timedelta(milliseconds=i),
                visibility="public",
                in_reply_to_external_id=reply_to,
                # Like real traffic: many clients send no language.
                language_hint=rng.choice(["", "", "en" if not french else "fr"]),
            )
        )
    return mentions


def backend_cpu() -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend, when the server
    runs on this machine (/proc), else None. With the client's own CPU time it gives a
    cost per mention that a busy machine disturbs far less than the wall clock."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(runner, account, mentions: list, batch: int) -> tuple[float, float | None]:
    """(wall seconds, CPU seconds of client and backend or None) of one runner."""
    cpu, backend = time.process_time(), backend_cpu()
    seconds = runner(account, mentions, batch)
    after = backend_cpu()
    used = None if backend is None or after is None else after - backend
    return seconds, None if used is None else time.process_time() - cpu + used


def run_ingest(account, mentions: list, batch: int) -> float:
    from responder.channels.ingest import mentions_store
    from responder.channels.models import PlatformAccount

    started = time.perf_counter()
    for offset in range(0, len(mentions), batch):
        chunk = mentions[offset : offset + batch]
        with transaction.atomic():
            locked = PlatformAccount.objects.select_for_update().get(pk=account.pk)
            mentions_store(account=locked, mentions=chunk, errors=[])
            locked.cursor = chunk[-1].external_id
            locked.save(update_fields=["cursor"])
    return time.perf_counter() - started


def run_ingest_unclassified(account, mentions: list, batch: int) -> float:
    from unittest import mock

    def nothing(*, department_id: int, cases: list) -> list:
        return [[] for _ in cases]

    with mock.patch("responder.channels.ingest.cases_classify", nothing):
        return run_ingest(account, mentions, batch)


def classified_department():
    """A department with the demo's topics and 10 incoming rules, and 50 library
    answers (the demo's, repeated with small changes)."""
    from responder.accounts.models import Department, User
    from responder.inbox.demo_rules import demo_rules_load
    from responder.inbox.models import LibraryAnswer, Topic
    from responder.web.management.commands.seed_demo import LIBRARY, TOPICS

    department = Department.objects.create(name="Bench classified", slug="bench-classified")
    admin = User.objects.create(username="bench-admin", is_superuser=True)
    topics = {
        slug: Topic.objects.create(
            slug=slug, name_en=en, name_fr=fr, department=department, sensitive=sensitive
        )
        for slug, en, fr, sensitive in TOPICS
    }
    for i in range(50):
        slug, title_en, title_fr, text_en, text_fr = LIBRARY[i % len(LIBRARY)]
        suffix = f" ({i // len(LIBRARY) + 1})" if i >= len(LIBRARY) else ""
        LibraryAnswer.objects.create(
            topic=topics[slug],
            department=department,
            title_en=title_en + suffix,
            title_fr=title_fr + suffix,
            text_en=text_en,
            text_fr=text_fr,
            review_date=dt.date.today() + dt.timedelta(days=365),
            approved_by=admin,
        )
    rules = demo_rules_load(department=department, actor=admin)
    assert len(rules) == 10, len(rules)
    return department


def run_bare(account, mentions: list, batch: int) -> float:
    from responder.inbox.models import Case

    started = time.perf_counter()
    for offset in range(0, len(mentions), batch):
        chunk = mentions[offset : offset + batch]
        with transaction.atomic():
            Case.objects.bulk_create(
                [
                    Case(
                        department_id=account.department_id,
                        account=account,
                        platform=account.platform,
                        external_id=m.external_id,
                        author_handle=m.author_handle,
                        author_name=m.author_name,
                        author_external_id=m.author_external_id,
                        text=m.text,
                        language=m.language_hint or "en",
                        url=m.url,
                        visibility=m.visibility,
                        in_reply_to_external_id=m.in_reply_to_external_id,
                        received_at=m.created_at,
                    )
                    for m in chunk
                ],
                batch_size=500,
            )
    return time.perf_counter() - started


def pii_detection_ms(mentions: list, department) -> tuple[float, float]:
    """Milliseconds per mention that ingest spends finding personal information: on
    the bench's mentions, and on the labelled set's posts that carry some."""
    from responder.inbox.pii import pii_find_for

    def per_text(texts: list[str]) -> float:
        rounds = max(1, 20000 // max(1, len(texts)))
        started = time.perf_counter()
        for _ in range(rounds):
            for text in texts:
                pii_find_for(text, department=department)
        return (time.perf_counter() - started) * 1000 / (rounds * len(texts))

    from tests.inbox.pii_set import POSTS

    with_pii = [text for text, kinds in POSTS if kinds]
    return per_text([m.text for m in mentions]), per_text(with_pii)


def stream_latency(department, count: int) -> list[float]:
    """Seconds from a citizen's post on the simulator to the committed case, when
    the account listens to the stream."""
    from responder.channels.models import PlatformAccount
    from responder.channels.simulator import Simulator
    from responder.channels.streaming import StreamListener
    from responder.inbox.models import Case

    sim = Simulator(port=0, token="bench").start()
    account = PlatformAccount.objects.create(
        platform="mastodon",
        name="Bench stream",
        handle="passports",
        department=department,
        base_url=sim.url,
        credentials={"access_token": "bench"},
        stream=True,
    )
    listener = StreamListener(account_id=account.pk)
    listener.start()
    latencies = []
    try:
        listener.connected.wait(10)
        time.sleep(0.2)
        for i in range(count):
            started = time.perf_counter()
            posted = sim.state.mention_create({"text": f"Streamed question {i}?", "acct": "s"})
            while not Case.objects.filter(
                account=account, external_id=posted["status_id"]
            ).exists():
                if time.perf_counter() - started > 10:
                    break
                time.sleep(0.002)
            latencies.append(time.perf_counter() - started)
    finally:
        listener.stop()
        listener.join(timeout=5)
        sim.stop()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream-count", type=int, default=50)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL server: this bench measures PostgreSQL.")
    db = settings.DATABASES["default"]
    db.setdefault("TEST", {})["NAME"] = f"bench_{db['NAME']}_ingest"
    old = setup_databases(verbosity=0, interactive=False)
    try:
        from responder.accounts.models import Department
        from responder.channels.models import PlatformAccount
        from responder.inbox.language import language_detect

        language_detect("warm up")  # model load is a one-off per worker, not per mention
        department = Department.objects.create(name="Bench", slug="bench")
        classified = classified_department()
        ingest_rates, bare_rates, off_rates = [], [], []
        cpu: dict[str, list[float]] = {"ingest": [], "off": [], "bare": []}
        for round_no in range(args.rounds):
            start = 1_000_000 * (round_no + 1)
            mentions = make_mentions(args.count, start=start)
            runs = [
                ("ingest", run_ingest, ingest_rates),
                ("off", run_ingest_unclassified, off_rates),
                ("bare", run_bare, bare_rates),
            ]
            if round_no % 2:  # on a shared machine, order matters: alternate it
                runs.reverse()
            for kind, runner, rates in runs:
                account = PlatformAccount.objects.create(
                    platform="mastodon",
                    name="Bench",
                    handle=f"{kind}{round_no}",
                    department=classified,
                    base_url="http://bench.invalid",
                )
                seconds, used = cpu_used(runner, account, mentions, args.batch)
                rates.append(args.count / seconds)
                if used is not None:
                    cpu[kind].append(used * 1e6 / args.count)
        ingest, bare = statistics.median(ingest_rates), statistics.median(bare_rates)
        off = statistics.median(off_rates)
        print(
            f"machine: {platform.node()} {platform.machine()} {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, PostgreSQL {connection.pg_version}"
        )
        print(
            f"{args.count} mentions x {args.rounds} rounds, batches of {args.batch} "
            "(median of rounds):"
        )
        print(f"  ingest, classification on (10 rules, 50 answers): {ingest:8.0f} mentions/s")
        print(f"  ingest, classification off:                       {off:8.0f} mentions/s")
        print(f"  bare bulk_create of the same rows:                {bare:8.0f} rows/s")
        print(f"  ratio ingest (on) / bare:                         {ingest / bare:8.2f}")
        print(f"  ratio ingest (off) / bare:                        {off / bare:8.2f}")
        print(f"  time added by classification:                     {off / ingest - 1:8.1%}")
        best_on, best_off, best_bare = max(ingest_rates), max(off_rates), max(bare_rates)
        print(
            f"  best of rounds, on / off / bare: {best_on:.0f} / {best_off:.0f} / "
            f"{best_bare:.0f} per s; on/bare {best_on / best_bare:.2f}, "
            f"added {best_off / best_on - 1:.1%}"
        )
        if all(cpu.values()):
            on_us, off_us, bare_us = (statistics.median(cpu[k]) for k in ("ingest", "off", "bare"))
            print(
                f"  CPU per mention, this process + its PostgreSQL backend (median): "
                f"on {on_us:.0f} µs, off {off_us:.0f} µs, bare {bare_us:.0f} µs; "
                f"bare / on {bare_us / on_us:.2f}, added by classification "
                f"{on_us / off_us - 1:.1%}"
            )
        detect_ms, detect_pii_ms = pii_detection_ms(mentions, classified)
        print(
            f"  personal-information detection (part of ingest): {detect_ms:8.3f} ms/mention; "
            f"on posts that carry some: {detect_pii_ms:.3f} ms"
        )
        latencies = sorted(stream_latency(department, args.stream_count))
        p50 = latencies[len(latencies) // 2]
        p95 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))]
        print(
            f"stream, post -> committed case ({len(latencies)} mentions): "
            f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms"
        )
    finally:
        teardown_databases(old, verbosity=0)


if __name__ == "__main__":
    main()
