"""The answer library, read for the case page: search and suggestions.

Suggestions are TF-IDF over the library's titles and texts in one language, scored
against the citizen's post in Python: the library is hundreds of answers, not
millions, so this is fast, needs no search extension and behaves the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from responder.inbox.models import Case, LibraryAnswer

TOPIC_BONUS = 0.25
MIN_SCORE = 0.05


def _words(text: str) -> set[str]:
    return set(text.split())


_STOPWORDS = {
    "en": _words(
        """a an and are as at be been but by can could did do does for from had has have how
        i if in into is it its me my no not of on or our please so that the their them then
        there these they this to too us was we were what when where which who why will with
        would you your hi hello thanks thank just get got any still"""
    ),
    "fr": _words(
        """a au aux avec ce ces cette comment dans de des du elle en est et etre il ils je la
        le les leur mais me mes mon ne nous on ou par pas pour qu que qui quand sa se ses son
        sur ta te tes ton tu un une vos votre vous y bonjour merci svp sont ai avez peut
        puis faut quoi quel quelle"""
    ),
}
_TOKEN = re.compile(r"[a-z0-9]+")


def _fold(text: str) -> str:
    """Lower case without accents, so "délai" matches "delai"."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _stem(token: str) -> str:
    # A light touch: plurals and the commonest endings, enough for short posts.
    for suffix in ("ations", "ation", "ements", "ement", "ings", "ing", "ies", "es", "s", "x"):
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


_NOISE = re.compile(r"@\S+|https?://\S+")


def tokens(text: str, language: str) -> list[str]:
    # Handles and links say nothing about the question.
    return folded_tokens(_fold(_NOISE.sub(" ", text)), language)


def folded_tokens(folded: str, language: str) -> list[str]:
    """`tokens` of a text already folded and without handles or links (classify.py
    folds each post once for its rules and the library)."""
    stop = _STOPWORDS.get(language, _STOPWORDS["en"])
    return [
        _stem(t) for t in _TOKEN.findall(folded) if t not in stop and (len(t) > 2 or t.isdigit())
    ]


@dataclass(frozen=True)
class Suggestion:
    answer: LibraryAnswer
    score: float
    topic_match: bool


def library_for(*, department_ids: Iterable[int] | None) -> QuerySet[LibraryAnswer]:
    """Active answers the departments may use: their own and the shared ones
    (None: every department's)."""
    qs = LibraryAnswer.objects.filter(is_active=True).select_related("topic", "approved_by")
    if department_ids is not None:
        qs = qs.filter(Q(department_id__in=list(department_ids)) | Q(department__isnull=True))
    return qs


def _vectors(
    docs: Iterable[tuple[int, list[str]]],
) -> tuple[dict[int, Counter[str]], dict[str, float]]:
    counts = {pk: Counter(toks) for pk, toks in docs}
    n = len(counts) or 1
    df: Counter[str] = Counter()
    for c in counts.values():
        df.update(c.keys())
    idf = {t: math.log((1 + n) / (1 + d)) + 1.0 for t, d in df.items()}
    return counts, idf


def _norm(vec: dict[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vec.values())) or 1.0


def suggest_answers(*, case: Case, language: str | None = None, limit: int = 3) -> list[Suggestion]:
    """The library answers closest to the citizen's post, best first."""
    language = language or (case.language if case.language in ("en", "fr") else "en")
    answers = list(library_for(department_ids=[case.department_id]))
    if not answers:
        return []
    docs = [
        (
            a.pk,
            tokens(
                f"{a.title_for(language)} {a.title_for(language)} {a.text_for(language)}", language
            ),
        )
        for a in answers
    ]
    counts, idf = _vectors(docs)
    query = Counter(tokens(case.text, language))
    q_vec = {t: n * idf.get(t, 0.0) for t, n in query.items()}
    q_norm = _norm(q_vec)
    topic_ids = set(case.topics.values_list("id", flat=True))
    results: list[Suggestion] = []
    for answer in answers:
        d_vec = {t: n * idf[t] for t, n in counts[answer.pk].items()}
        score = sum(q_vec[t] * d_vec.get(t, 0.0) for t in q_vec) / (q_norm * _norm(d_vec))
        topic_match = answer.topic_id is not None and answer.topic_id in topic_ids
        if topic_match:
            score += TOPIC_BONUS
        if score >= MIN_SCORE:
            results.append(Suggestion(answer=answer, score=score, topic_match=topic_match))
    results.sort(key=lambda s: (-s.score, s.answer.pk))
    return results[:limit]


def library_search(
    *, query: str, department_ids: Iterable[int] | None, limit: int = 50
) -> QuerySet[LibraryAnswer]:
    """Answers whose title or text (either language) or topic contains every word."""
    qs = library_for(department_ids=department_ids)
    for word in query.split()[:8]:
        qs = qs.filter(
            Q(title_en__icontains=word)
            | Q(title_fr__icontains=word)
            | Q(text_en__icontains=word)
            | Q(text_fr__icontains=word)
            | Q(topic__name_en__icontains=word)
            | Q(topic__name_fr__icontains=word)
        )
    return qs.order_by("title_en", "pk")[:limit]
