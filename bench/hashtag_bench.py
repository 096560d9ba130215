# ruff: noqa: E501  (long SQL literals read better unbroken)
"""The campaign's hashtag view at a million community posts. Run by hand:

    .venv/bin/python bench/hashtag_bench.py [--posts 1000000] [--requests 200] [--reload]

Loads, into its own database (bench/benchdb.py: responder_bench_hashtag, kept between
runs), a department with three accounts (Mastodon, Bluesky, X), a campaign on them with
two hashtags, `--posts` community posts under those hashtags (INSERT ... SELECT
generate_series, with their hashtag rows as ingest writes them) and a fifth as many
other cases (mentions without the hashtags) in the same department.

Measures `GET /campaigns/<id>/community/` through Django's whole stack (middleware,
session, authentication, template; test client, DEBUG off) on the first page and on
a deep keyset page (`?before=`, the cursor 500,000 posts down), each request paired
one for one with a bare Django view that renders the department's newest 50 cases
(plain query, minimal template), so both saw the same machine load. Goal (issue #15):
the hashtag view within 1.5x the bare page at p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

os.environ["DEBUG"] = "false"
os.environ.setdefault("CELERY_BROKER_URL", "memory://")
os.environ.pop("REDIS_URL", None)

from benchdb import bench_database  # noqa: E402
from inbox_bench import machine, percentile, time_paired  # noqa: E402

OTHER_SHARE = 0.2  # other cases in the department, per community post


def load(posts: int, reload: bool) -> Any:
    from django.db import connection
    from django.utils import timezone

    from responder.accounts.models import Department, Membership, Role, User
    from responder.campaigns.models import Campaign
    from responder.channels.models import PlatformAccount
    from responder.inbox.models import Case

    department, _ = Department.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    officer, created = User.objects.get_or_create(username="bench-officer")
    if created:
        officer.set_password("bench")
        officer.save()
    Membership.objects.get_or_create(user=officer, department=department, role=Role.OFFICER)
    accounts = [
        PlatformAccount.objects.get_or_create(
            platform=p,
            handle=f"bench-{p}",
            base_url="http://127.0.0.1:9",
            defaults={"name": f"Bench {p}", "department": department},
        )[0]
        for p in ("mastodon", "bluesky", "x")
    ]
    today = timezone.localdate()
    campaign, _ = Campaign.objects.get_or_create(
        name_en="Renew online",
        defaults={
            "name_fr": "Renouveler en ligne",
            "hashtags": "passport2026, passeport2026",
            "starts_on": today,
            "ends_on": today,
            "owner": officer,
            "department": department,
        },
    )
    campaign.accounts.set(accounts)
    total = posts + int(posts * OTHER_SHARE)
    if not reload and Case.objects.count() >= total:
        print(f"data present: {Case.objects.count():,} cases")
        return campaign, officer
    t0 = time.perf_counter()
    acc = "ARRAY[" + ",".join(str(a.pk) for a in accounts) + "]"
    plat = "ARRAY['mastodon','bluesky','x']"
    # Every sixth case is not under the hashtags; the others carry one or both tags.
    every = round(1 / OTHER_SHARE) + 1
    # Short numbers only: a run of seven digits makes a post a phone-number candidate
    # for the personal-information mask (pii.py), which real posts rarely are.
    n = "(i % 9973)"
    text = (
        f"CASE WHEN i % {every} = 0 THEN 'How long does a renewal take? (' || {n} || ')' "
        f"WHEN i % 3 = 0 THEN 'Loved the new form, voice ' || {n} || ' #Passport2026 #passeport2026' "
        f"WHEN i % 3 = 1 THEN 'Done in ten minutes, voice ' || {n} || ' #passport2026' "
        f"ELSE 'Formulaire rapide, voix ' || {n} || ' #passeport2026' END"
    )
    received = f"now() - (({total} - i) * interval '20 seconds')"
    generated = {
        "department_id": str(department.pk),
        "account_id": f"({acc})[1 + i % 3]",
        "platform": f"({plat})[1 + i % 3]",
        "external_id": "'h' || i",
        "author_handle": "'voice' || (i % 80000) || '@mastodon.example'",
        "author_name": "'Voice ' || (i % 80000)",
        "text": text,
        "language": "CASE WHEN i % 3 = 2 THEN 'fr' ELSE 'en' END",
        "conversation_id": "'h' || i",
        "source": f"CASE WHEN i % {every} = 0 THEN 'mention' ELSE 'hashtag' END",
        "received_at": received,
        "created_at": received,
        "updated_at": received,
    }
    columns, exprs, params = [], [], []
    for field in Case._meta.concrete_fields:
        if field.column == "id" or field.generated:
            continue
        columns.append(f'"{field.column}"')
        if field.column in generated:
            exprs.append(generated[field.column].replace("%", "%%"))
        else:
            exprs.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
    with connection.cursor() as cur:
        cur.execute("TRUNCATE inbox_case RESTART IDENTITY CASCADE")
        cur.execute(
            f"INSERT INTO inbox_case ({', '.join(columns)}) SELECT {', '.join(exprs)}"
            f" FROM generate_series(1, {total}) AS i",
            params,
        )
        print(f"  cases inserted in {time.perf_counter() - t0:.0f} s", flush=True)
        # The hashtag rows, as ingest writes them (responder/inbox/hashtags.py).
        cur.execute(
            "INSERT INTO inbox_casehashtag (case_id, tag)"
            " SELECT DISTINCT c.id, lower(m[1]) FROM inbox_case c,"
            r" regexp_matches(c.text, '(?<![\w&/#])#(\w{1,100})', 'g') AS m"
        )
        cur.execute("VACUUM (ANALYZE) inbox_case")
        cur.execute("VACUUM (ANALYZE) inbox_casehashtag")
    print(f"loaded in {time.perf_counter() - t0:.0f} s", flush=True)
    return campaign, officer


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    bench_database(db="responder_bench_hashtag", cache_prefix="hashtag-bench")
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    print(machine(), flush=True)
    campaign, officer = load(args.posts, args.reload)
    from django.test import Client
    from inbox_bench import install_bare_url

    from responder.campaigns import selectors
    from responder.inbox.models import Case

    community = selectors.community_cases(campaign=campaign).count()
    print(f"community posts under the hashtags: {community:,}", flush=True)
    install_bare_url(campaign.department_id)
    client = Client()
    client.force_login(officer)
    base = f"/campaigns/{campaign.pk}/community/"
    deep = (
        selectors.community_cases(campaign=campaign)
        .order_by("-received_at", "-id")
        .values_list("received_at", "id")[community // 2 : community // 2 + 1]
    )
    at, pk = deep[0]
    rows = []
    for name, url in (
        ("first page", base),
        ("deep page (500,000 down)", f"{base}?before={at.isoformat()}_{pk}"),
    ):
        timed = time_paired(client, url, "/bench/bare/", args.requests)
        row = {
            "what": name,
            "p50": statistics.median(timed["wall"]),
            "p95": percentile(timed["wall"], 95),
            "bare_p50": statistics.median(timed["bare_wall"]),
            "bare_p95": percentile(timed["bare_wall"], 95),
            "cpu_p95": percentile(timed["cpu"], 95),
            "bare_cpu_p95": percentile(timed["bare_cpu"], 95),
        }
        row["ratio_p95"] = row["p95"] / row["bare_p95"]
        rows.append(row)
        print(
            f"{name}: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms; bare p50"
            f" {row['bare_p50']:.1f} ms, p95 {row['bare_p95']:.1f} ms; ratio at p95"
            f" {row['ratio_p95']:.2f} (CPU p95 {row['cpu_p95']:.1f} vs {row['bare_cpu_p95']:.1f} ms)",
            flush=True,
        )
    print(f"cases in the database: {Case.objects.count():,}; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
