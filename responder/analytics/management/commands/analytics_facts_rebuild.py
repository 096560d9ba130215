"""manage.py analytics_facts_rebuild: recompute the dashboard's fact tables from the
source tables (after a restore from a dump taken without them, or if their triggers
were ever disabled). The migration that created them already filled them once."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from responder.analytics.services import facts_rebuild


class Command(BaseCommand):
    help = "Recompute the analytics fact tables of every case (PostgreSQL only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=50_000, help="cases per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        cases = facts_rebuild(batch=options["batch"])
        self.stdout.write(f"{cases} cases in {time.perf_counter() - started:.1f} s")
