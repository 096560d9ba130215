"""The answer library, read for the case page: search and suggestions.

Suggestions are TF-IDF over the library's titles and texts in one language, scored
against the citizen's post in Python: the library is hundreds of answers, not
millions, so this is fast, needs no search extension and behaves the same on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import functools
import heapq
import math
import re
import threading
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import snowballstemmer
from django.db.models import Count, Max, Q, QuerySet

from responder.inbox.models import Case, LibraryAnswer, LibraryAnswerUse

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


_STEMMERS = {
    "en": snowballstemmer.stemmer("english"),
    "fr": snowballstemmer.stemmer("french"),
}


@functools.lru_cache(maxsize=50_000)
def _stem(token: str, language: str) -> str:
    """The Snowball stem of a folded word ("renewal", "renewing" -> "renew";
    "renouvellement", "renouveler" -> "renouvel")."""
    if token.isdigit():  # Snowball leaves numbers as they are; it costs ~20 µs to say so
        return token
    stem: str = _STEMMERS.get(language, _STEMMERS["en"]).stemWord(token)
    return stem


_NOISE = re.compile(r"@\S+|https?://\S+")


def tokens(text: str, language: str) -> list[str]:
    # Handles and links say nothing about the question.
    return folded_tokens(_fold(_NOISE.sub(" ", text)), language)


def folded_tokens(folded: str, language: str) -> list[str]:
    """`tokens` of a text already folded and without handles or links (classify.py
    folds each post once for its rules and the library)."""
    stop = _STOPWORDS.get(language, _STOPWORDS["en"])
    return [
        _stem(t, language)
        for t in _TOKEN.findall(folded)
        if t not in stop and (len(t) > 2 or t.isdigit())
    ]


# How much an example question's words (an admin's, or a citizen's question an officer
# answered with the answer) weigh against the answer's own words.
QUESTION_WEIGHT = 2
# The latest questions answered with each answer that count, per language.
LEARNED_PER_ANSWER = 20


def document_terms(
    *, title: str, text: str, examples: str, language: str, learned: Iterable[str] = ()
) -> Counter[str]:
    """An answer's words as suggestions weigh them: its title twice, its text, and
    its example and learned questions QUESTION_WEIGHT times."""
    terms = Counter(tokens(f"{title} {title} {text}", language))
    for question in [*examples.splitlines(), *learned]:
        for term in tokens(question, language):
            terms[term] += QUESTION_WEIGHT
    return terms


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
    docs: Iterable[tuple[int, list[str] | Counter[str]]],
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


@dataclass(frozen=True)
class _Index:
    """The TF-IDF vectors of one department's usable answers in one language, kept as
    postings (term -> the answers that hold it, with its weight) so that scoring reads
    only the answers that share a word with the question."""

    stamp: tuple[object, ...]
    built_at: float
    idf: dict[str, float]
    docs: list[tuple[int, int | None, float]]  # (answer id, topic id, vector norm)
    postings: dict[str, list[tuple[int, float]]]  # term -> [(doc index, weight)]
    by_topic: dict[int, list[int]]  # topic id -> doc indexes


# Tokenising the whole library costs far more than scoring it (about 0.3 ms an answer):
# each process keeps the vectors per (department, language) until an answer is added,
# changed, retired or reactivated (the stamp), or INDEX_SECONDS have passed.
INDEX_SECONDS = 300.0
_indexes: dict[tuple[int, str], _Index] = {}
_indexes_lock = threading.Lock()


def _index(department_id: int, language: str) -> _Index:
    answers = library_for(department_ids=[department_id])
    stamp = (
        *answers.aggregate(n=Count("id"), top=Max("id"), last=Max("updated_at")).values(),
        LibraryAnswerUse.objects.aggregate(top=Max("id"))["top"],
    )
    key = (department_id, language)
    with _indexes_lock:
        index = _indexes.get(key)
    if (
        index is not None
        and index.stamp == stamp
        and time.monotonic() - index.built_at < INDEX_SECONDS
    ):
        return index
    rows = list(
        answers.values_list(
            "pk", "topic_id", f"title_{language}", f"text_{language}", f"examples_{language}"
        )
    )
    learned = learned_questions(answer_ids=[row[0] for row in rows], language=language)
    counts, idf = _vectors(
        (
            pk,
            document_terms(
                title=title,
                text=text,
                examples=examples,
                language=language,
                learned=learned.get(pk, ()),
            ),
        )
        for pk, _t, title, text, examples in rows
    )
    docs: list[tuple[int, int | None, float]] = []
    postings: dict[str, list[tuple[int, float]]] = {}
    by_topic: dict[int, list[int]] = {}
    for i, (pk, topic_id, *_texts) in enumerate(rows):
        vec = {t: n * idf[t] for t, n in counts[pk].items()}
        docs.append((pk, topic_id, _norm(vec)))
        for term, weight in vec.items():
            postings.setdefault(term, []).append((i, weight))
        if topic_id is not None:
            by_topic.setdefault(topic_id, []).append(i)
    index = _Index(
        stamp=stamp,
        built_at=time.monotonic(),
        idf=idf,
        docs=docs,
        postings=postings,
        by_topic=by_topic,
    )
    with _indexes_lock:
        _indexes[key] = index
    return index


def learned_questions(*, answer_ids: list[int], language: str) -> dict[int, list[str]]:
    """The latest LEARNED_PER_ANSWER questions in `language` that officers answered
    with each answer."""
    if not answer_ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = (
        LibraryAnswerUse.objects.filter(answer_id__in=answer_ids, language=language)
        .order_by("answer_id", "-id")
        .values_list("answer_id", "question")
    )
    for answer_id, question in rows.iterator():
        kept = found.setdefault(answer_id, [])
        if len(kept) < LEARNED_PER_ANSWER:
            kept.append(question)
    return found


Scored = tuple[float, int, bool]


def _scores(index: _Index, *, text: str, language: str, topic_ids: set[int]) -> list[Scored]:
    """(score, answer id, topic match) of every answer that scores, unordered: the
    cosine of the TF-IDF vectors, plus TOPIC_BONUS for an answer of the case's topic."""
    query = Counter(tokens(text, language))
    q_vec = {t: n * index.idf.get(t, 0.0) for t, n in query.items()}
    q_norm = _norm(q_vec)
    dots: dict[int, float] = {}
    for term, q_weight in q_vec.items():
        for i, weight in index.postings.get(term, ()):
            dots[i] = dots.get(i, 0.0) + q_weight * weight
    candidates = set(dots)
    for case_topic in topic_ids:
        candidates.update(index.by_topic.get(case_topic, ()))
    scored: list[Scored] = []
    for i in candidates:
        pk, topic_id, d_norm = index.docs[i]
        score = dots.get(i, 0.0) / (q_norm * d_norm)
        topic_match = topic_id is not None and topic_id in topic_ids
        if topic_match:
            score += TOPIC_BONUS
        if score >= MIN_SCORE:
            scored.append((score, pk, topic_match))
    return scored


def _best(scored: list[Scored], count: int) -> list[Scored]:
    """The `count` best, best first (ties: the older answer first)."""
    return heapq.nsmallest(count, scored, key=lambda s: (-s[0], s[1]))


def suggest_answers(
    *,
    case: Case,
    language: str | None = None,
    limit: int = 3,
    only: QuerySet[LibraryAnswer] | None = None,
) -> list[Suggestion]:
    """The library answers closest to the citizen's post, best first, at most `limit`.

    `only` keeps the answers of that queryset (the API: those the caller may use),
    after scoring, so that the ranking is the same as without it."""
    language = language or (case.language if case.language in ("en", "fr") else "en")
    if language not in ("en", "fr"):
        language = "en"
    index = _index(case.department_id, language)
    if not index.docs:
        return []
    topic_ids = set(case.topics.values_list("id", flat=True))
    scored = _scores(index, text=case.text, language=language, topic_ids=topic_ids)
    source = library_for(department_ids=[case.department_id])
    if only is not None:
        source = source.filter(pk__in=only.values("pk"))
    results: list[Suggestion] = []
    # Usually one query for the best few; more only when `only` left some out.
    chunk = max(limit * 3, 10)
    ranked = _best(scored, chunk)
    start = 0
    while start < len(scored):
        if start >= len(ranked):
            ranked = _best(scored, len(scored))
        part = ranked[start : start + chunk]
        answers = source.in_bulk([pk for _s, pk, _m in part])
        for score, pk, match in part:
            if pk in answers:
                results.append(Suggestion(answer=answers[pk], score=score, topic_match=match))
        if len(results) >= limit:
            break
        start += chunk
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
