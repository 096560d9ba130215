"""manage.py stream_mentions: listen on Mastodon's streaming API for accounts with
"listen to the stream" on; polling covers any gap when a stream drops."""

from __future__ import annotations

import signal
from typing import Any

from django.core.management.base import BaseCommand

from responder.channels.streaming import StreamSupervisor


class Command(BaseCommand):
    help = "Listen to the streaming API of every account with streaming on (runs until stopped)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--refresh",
            type=float,
            default=30.0,
            help="seconds between checks for accounts switched on or off (default 30)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        supervisor = StreamSupervisor(refresh_seconds=options["refresh"])

        def _stop(*_: Any) -> None:
            supervisor.stopping.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        self.stdout.write("Listening to platform streams; Ctrl-C to stop.")
        supervisor.run()
