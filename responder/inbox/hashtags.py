"""Which hashtags a case carries: extracted from its text when it is stored, kept in
CaseHashtag (indexed), read by the campaigns' hashtag view."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q

from responder.inbox.hashtag_models import CaseHashtag

# "#" then letters, digits or "_" (any script), not inside a word or a URL's fragment.
_HASHTAG = re.compile(r"(?<![\w&/#])#(\w{1,100})")


def hashtags_in(text: str) -> set[str]:
    """The hashtags of `text`, lower case, without "#"."""
    return {tag.lower() for tag in _HASHTAG.findall(text or "")}


def case_hashtags_store(*, cases: Iterable[tuple[int, str]]) -> int:
    """Record the hashtags of cases just stored, given as (id, text). Safe to repeat.
    Returns how many (case, tag) pairs there were."""
    rows = [CaseHashtag(case_id=pk, tag=tag) for pk, text in cases for tag in hashtags_in(text)]
    if rows:
        CaseHashtag.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def hashtags_normal(tags: Iterable[str]) -> list[str]:
    """`tags` as CaseHashtag stores them: lower case, without "#", each once, sorted."""
    return sorted({t.strip().lstrip("#").lower() for t in tags if t.strip()})


def with_hashtags_q(tags: Iterable[str]) -> Q:
    """Cases carrying one of `tags` (an indexed lookup per case, not a text scan)."""
    wanted = hashtags_normal(tags)
    if not wanted:
        return Q(pk__in=[])
    return Q(Exists(CaseHashtag.objects.filter(case_id=OuterRef("pk"), tag__in=wanted)))
