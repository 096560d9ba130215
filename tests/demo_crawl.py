"""Every page the demo's people can reach, read on the database `make run` uses.

Run as a process of its own (tests/test_demo_sqlite.py) with no variables set, as
`make run` runs (a fresh SQLite file under var/): migrates, loads the demo
(`seed_demo`, `seed_campaign_demo`), then signs in as each demo person and follows the
links of every page, two clicks deep, with Django's test client. Prints one JSON
object: the pages read and those that answered 404 or 5xx."""

from __future__ import annotations

import html
import json
import os
import re
import sys
from collections import deque

SKIP = re.compile(r"logout|^/static/|^/media/|\.(css|js|png|svg|ico)$")
PEOPLE = ("officer", "sme1", "sme2", "director", "admin")
LIMIT = 150  # pages per person


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "responder.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from responder.accounts.models import User

    assert connection.vendor == "sqlite", connection.vendor
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", verbosity=0)
    call_command("seed_campaign_demo", verbosity=0)
    read: dict[str, int] = {}
    bad: list[tuple[str, str, int]] = []
    for username in PEOPLE:
        client = Client(raise_request_exception=False)
        client.force_login(User.objects.get(username=username))
        seen: set[str] = set()
        queue = deque([("/", 0)])
        while queue and len(seen) < LIMIT:
            url, depth = queue.popleft()
            if url in seen:
                continue
            seen.add(url)
            response = client.get(url, follow=True)
            for hop, _status in response.redirect_chain:  # "/" sends a reviewer on
                seen.add(hop)
            if response.status_code == 404 or response.status_code >= 500:
                bad.append((username, url, response.status_code))
            kind = response.get("Content-Type", "")
            if depth < 2 and kind.startswith("text/html"):
                for href in re.findall(r'href="([^"#]+)"', response.content.decode()):
                    href = html.unescape(href)
                    if href.startswith("/") and not SKIP.search(href) and href not in seen:
                        queue.append((href, depth + 1))
        read[username] = len(seen)
    print(json.dumps({"read": read, "bad": bad}))


if __name__ == "__main__":
    sys.exit(main())
