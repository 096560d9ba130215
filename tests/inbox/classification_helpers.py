"""The demo department's topics, library and incoming rules on the `team` fixture's
department, and ingest of plain texts through the real ingest path."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.db import transaction
from django.utils import timezone

from responder.channels.connectors.base import Mention
from responder.channels.ingest import mentions_store
from responder.channels.models import PlatformAccount
from responder.inbox.demo_rules import demo_rules_load
from responder.inbox.models import Case, LibraryAnswer, Topic
from responder.web.management.commands.seed_demo import LIBRARY, TOPICS

_ids = itertools.count(1)


def demo_setup(team: Any) -> dict[str, Topic]:
    topics = {
        slug: Topic.objects.create(
            slug=slug, name_en=en, name_fr=fr, department=team.department, sensitive=sensitive
        )
        for slug, en, fr, sensitive in TOPICS
    }
    for slug, title_en, title_fr, text_en, text_fr in LIBRARY:
        LibraryAnswer.objects.create(
            topic=topics[slug],
            department=team.department,
            title_en=title_en,
            title_fr=title_fr,
            text_en=text_en,
            text_fr=text_fr,
            review_date=timezone.localdate() + dt.timedelta(days=365),
            approved_by=team.admin,
        )
    demo_rules_load(department=team.department, actor=team.admin)
    return topics


def ingest(account: Any, items: list[tuple[str, str]]) -> list[Case]:
    """Store (text, language hint) posts as one poll page would; the new cases in order."""
    now = timezone.now()
    mentions = []
    for i, (text, language) in enumerate(items):
        n = next(_ids)
        mentions.append(
            Mention(
                external_id=f"cls-{n}",
                author_handle=f"citizen{n}@mastodon.example",
                author_name="",
                author_external_id=str(n),
                text=text,
                url=f"https://mastodon.example/@c/{n}",
                created_at=now + dt.timedelta(milliseconds=i),
                language_hint=language,
            )
        )
    with transaction.atomic():
        locked = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        ids = mentions_store(account=locked, mentions=mentions, errors=[])
    by_id = Case.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids]
