"""`manage.py ops_events`: one line per event that matters, as it happens (make run)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from responder.ops.events import cursor_now, events_since


class Command(BaseCommand):
    help = "Print one line per event that matters (mention received, draft submitted...)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--every", type=float, default=1.0, help="seconds between reads")

    def handle(self, *args: Any, every: float, **options: Any) -> None:
        cursor = cursor_now()
        while True:
            time.sleep(every)
            close_old_connections()
            try:
                lines, cursor = events_since(cursor)
            except DatabaseError as exc:  # the database is restarting: say so, go on
                self.stderr.write(f"cannot read events: {exc}")
                continue
            for line in lines:
                self.stdout.write(line)
