"""How long the analytics dashboard takes, server side, with 100,000 cases.

Run by hand (never in the test run):

    .venv/bin/python bench/dashboard_bench.py [--cases 100000] [--db responder_bench_analytics]

It creates (once) a PostgreSQL database with a generated history (the same generator
as tests/analytics), then times, several times each: every selector of the dashboard,
the whole dashboard computation, and the full page through Django's test client
(server time: queries + template + SVG). Results go to docs/PERFORMANCE.md (the
"Analytics dashboard" section is replaced) and to stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchdb import bench_database  # noqa: E402


def _machine() -> str:
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
    return f"{os.cpu_count()} CPUs ({cpu}), {mem} RAM, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", default="responder_bench_analytics")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()

    bench_database(db=args.db, cache_prefix="bench-analytics")
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from responder.accounts.models import User
    from responder.analytics import selectors
    from responder.analytics.selectors.fact_page import fact_jobs
    from responder.inbox.models import Case
    from responder.testing.history import generate, make_world

    world = make_world()
    have = Case.objects.filter(external_id__startswith="gen-").count()
    if have < args.cases:
        started = time.perf_counter()
        print(f"generating {args.cases - have} cases...", flush=True)
        generate(world, n_cases=args.cases - have, seed=1000 + have, days=28)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    total = Case.objects.count()

    end = timezone.localdate()
    filters = selectors.Filters(start=end - dt.timedelta(days=30), end=end)
    now = timezone.now()

    def serial() -> None:
        # In a transaction the dashboard runs its queries one after the other on this
        # one connection: the server CPU of the whole computation can be read.
        with transaction.atomic():
            selectors.dashboard(filters)

    jobs = fact_jobs(filters, now=now, tz=timezone.get_current_timezone_name())
    labels = {
        "cases": "every case once, in cells (day, dims); durations and counts added up"
        " from them in Python",
        "steps": "layer costs + SLA by layer (one query)",
        "reviewers": "SLA by reviewer",
        "headline": "headline: backlog (the medians of today and this week: from the cells)",
    }
    parts = {labels[name]: job for name, job in jobs.items()}
    parts["whole dashboard, serial, one connection"] = serial
    parts["whole dashboard (queries in parallel, as the page does)"] = lambda: selectors.dashboard(
        filters
    )

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    cpu: dict[str, tuple[float, float]] = {}

    def server_cpu() -> float:
        """CPU seconds of this connection's PostgreSQL backend so far."""
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def timed(fn: object, name: str = "") -> list[float]:
        fn()  # type: ignore[operator]  # warm-up
        out = []
        python, server = [], []
        for _ in range(args.repeat):
            t, p, b = time.perf_counter(), time.process_time(), server_cpu()
            fn()  # type: ignore[operator]
            out.append(time.perf_counter() - t)
            python.append(time.process_time() - p)
            server.append(server_cpu() - b)
        cpu[name] = (statistics.median(python), statistics.median(server))
        return out

    load_before = os.getloadavg()[0]
    results = {name: timed(fn, name) for name, fn in parts.items()}

    admin, _c = User.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(admin)
    query = f"?start={filters.start}&end={filters.end}"

    def page() -> None:
        response = client.get("/analytics/" + query)
        assert response.status_code == 200, response.status_code

    def page_fresh() -> None:
        response = client.get("/analytics/" + query + "&fresh=1")
        assert response.status_code == 200, response.status_code

    results["full page, computed (fresh=1, cache bypassed)"] = timed(page_fresh)
    results["full page, served from the cache (the normal case)"] = timed(page)
    lang_filter = "&language=fr&platform=mastodon"

    def filtered() -> None:
        assert client.get("/analytics/" + query + lang_filter + "&fresh=1").status_code == 200

    results["full page, computed, filtered fr + mastodon"] = timed(filtered)

    lines = [
        "## Analytics dashboard (bench/dashboard_bench.py)",
        "",
        f"Measured {timezone.now():%Y-%m-%d %H:%M} UTC on {_machine()}; PostgreSQL "
        f"{connection.pg_version / 10000:.0f}, {total:,} cases in the database "
        f"({args.cases:,} generated over 28 days, with their approval steps, decisions, "
        f"outbox rows, engagement and audit events), period = last 31 days. "
        f"{args.repeat} runs after one warm-up; the machine was shared with other jobs.",
        "",
        "| what | median | min | max | CPU, Python | CPU, this connection's server |",
        "|---|---|---|---|---|---|",
    ]
    for name, values in results.items():
        python, server = cpu.get(name, (None, None))
        lines.append(
            f"| {name} | {statistics.median(values) * 1000:.0f} ms | "
            f"{min(values) * 1000:.0f} ms | {max(values) * 1000:.0f} ms | "
            + (f"{python * 1000:.0f} ms | " if python is not None else "— | ")
            + (f"{server * 1000:.0f} ms |" if server else "— |")
        )
    lines += [
        "",
        f"Load average (1 min) {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at "
        "the end.",
        "",
        "Reading: the figures are read from the fact tables (one narrow row per case, "
        "approval step and reviewer's decision, kept by PostgreSQL triggers at every "
        "write: docs/ARCHITECTURE.md), by six queries the page runs side by side on their "
        "own connections. Exact percentiles no longer sort each group: an index-only scan "
        "in the order of the duration feeds a hashed GROUPING SETS aggregate whose arrays "
        "come out sorted, read at their ranks (responder/analytics/selectors/"
        "fact_percentiles.py). CPU columns: the Python process, and the PostgreSQL backend "
        "of the bench's own connection (known only for the serial runs; the parallel runs "
        "use other connections). The page is also served from a cache of the figures "
        "(five minutes per set of filters; `analytics_warm` recomputes the default view "
        'every four minutes from beat; `?fresh=1` or the page\'s "Recompute now" bypasses '
        "it).",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if not args.no_write:
        path = ROOT / "docs" / "PERFORMANCE.md"
        path.parent.mkdir(exist_ok=True)
        text = path.read_text() if path.exists() else "# Performance\n\n"
        marker = "## Analytics dashboard (bench/dashboard_bench.py)"
        if marker in text:
            before, _sep, after = text.partition(marker)
            rest = after.split("\n## ", 1)
            text = before + report + ("\n## " + rest[1] if len(rest) > 1 else "")
        else:
            text = text.rstrip("\n") + "\n\n" + report
        path.write_text(text)


if __name__ == "__main__":
    main()
