"""The answer library as classification at ingest reads it: TF-IDF vectors of a
department's answers per language, kept in this process and rebuilt when the library
changes, and the best-scoring answer with a topic for a post. The score is the case
page's suggestion score (suggest.py) without its topic bonus and without the questions
learned from officers' use (the admins' example questions count)."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, Subquery, Sum, Value

from responder.inbox.models import LibraryAnswer
from responder.inbox.suggest import _norm, _vectors, document_terms, folded_tokens, tokens

MEMO_LIMIT = 100_000


@dataclass(frozen=True)
class LibraryIndex:
    """TF-IDF vectors of a department's answers in one language, as an inverted
    index: word -> [(answer position, weight)]."""

    postings: dict[str, list[tuple[int, float]]]
    idf: dict[str, float]
    norms: list[float]
    topics: list[tuple[int, str] | None]
    language: str = "en"
    # A post's word -> the library's term for it, or None (a stop word, too short,
    # or a word no answer has: those weigh nothing in the score).
    terms: dict[str, str | None] = field(default_factory=dict)
    # The best answer for a post's words (as a multiset), remembered.
    best: dict[frozenset[tuple[str, int]], tuple[float, int] | None] = field(default_factory=dict)

    def term(self, raw: str) -> str | None:
        term = self.terms.get(raw, _MISSING)
        if term is _MISSING:
            if len(self.terms) > MEMO_LIMIT:
                self.terms.clear()
            stemmed = folded_tokens(raw, self.language)
            term = self.terms[raw] = (
                stemmed[0] if stemmed and self.idf.get(stemmed[0], 0.0) else None
            )
        return term  # type: ignore[return-value]


_MISSING = object()
_library_cache: dict[tuple[int, str], tuple[tuple[Any, ...], LibraryIndex]] = {}
_library_lock = threading.Lock()


def _library_qs(department_id: int) -> Any:
    return LibraryAnswer.objects.filter(is_active=True).filter(
        Q(department_id=department_id) | Q(department__isnull=True)
    )


def _fingerprint_of() -> dict[str, Any]:
    return {
        "n": Count("id"),
        "last": Max("updated_at"),
        "ids": Sum("id"),
        "topics": Sum("topic_id"),
    }


def library_fingerprint(department_id: int) -> tuple[Any, ...]:
    """The library's state, to know when its vectors must be rebuilt."""
    agg = _library_qs(department_id).aggregate(**_fingerprint_of())
    return tuple(agg[name] for name in _fingerprint_of())


def library_fingerprint_columns(department_id: int) -> list[Subquery]:
    """`library_fingerprint` as columns another query of the same batch can carry
    (classify.py reads it with the rules' state: one round trip, not two)."""
    qs = _library_qs(department_id).order_by().annotate(_all=Value(1)).values("_all")
    return [Subquery(qs.annotate(v=expr).values("v")[:1]) for expr in _fingerprint_of().values()]


def _library_build(department_id: int, language: str) -> LibraryIndex:
    answers = list(_library_qs(department_id).select_related("topic").order_by("pk"))
    docs = [
        (
            i,
            document_terms(
                title=a.title_for(language),
                text=a.text_for(language),
                examples=a.examples_fr if language == "fr" else a.examples_en,
                language=language,
            ),
        )
        for i, a in enumerate(answers)
    ]
    counts, idf = _vectors(docs)
    postings: dict[str, list[tuple[int, float]]] = {}
    norms = []
    for i, _toks in docs:
        vec = {t: n * idf[t] for t, n in counts[i].items()}
        norms.append(_norm(vec))
        for t, w in vec.items():
            postings.setdefault(t, []).append((i, w))
    topics = [(a.topic_id, a.topic.slug) if a.topic_id and a.topic else None for a in answers]
    return LibraryIndex(postings=postings, idf=idf, norms=norms, topics=topics, language=language)


def library_index(
    *, department_id: int, language: str, fingerprint: tuple[Any, ...] | None = None
) -> LibraryIndex:
    """The department's library vectors in `language`, rebuilt when it changed
    (`fingerprint`: the library's state, if the caller just read it)."""
    if fingerprint is None:
        fingerprint = library_fingerprint(department_id)
    key = (department_id, language)
    with _library_lock:
        cached = _library_cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    index = _library_build(department_id, language)
    with _library_lock:
        _library_cache[key] = (fingerprint, index)
    return index


def library_best(
    index: LibraryIndex,
    text: str,
    language: str,
    *,
    raw: list[str] | None = None,
    query: Counter[str] | None = None,
) -> tuple[float, int] | None:
    """(score, answer position) of the best answer with a topic, or None: the score
    of the case page's suggestions (suggest.py), without the topic bonus. `raw`: the
    words of the `post_fold`ed text, if the caller has them; `query`: their
    `library_query`, if the caller has that."""
    if query is None and raw is None:
        query = Counter(t for t in tokens(text, language) if index.idf.get(t, 0.0))
    elif query is None:
        query = library_query(index, raw or [])
    if not query:
        return None
    key = frozenset(query.items())
    if key in index.best:  # citizens ask the same questions in the same words
        return index.best[key]
    if len(index.best) > MEMO_LIMIT:
        index.best.clear()
    best = index.best[key] = _library_score(index, query)
    return best


def library_query(index: LibraryIndex, raw: list[str]) -> Counter[str]:
    """The library's terms among a post's words, counted (`index.term` of each; most
    words are remembered, so this reads a dict once per word)."""
    query: Counter[str] = Counter()
    known = index.terms
    for word in raw:
        term = known.get(word, _MISSING)
        if term is _MISSING:
            term = index.term(word)
        if term is not None:
            query[term] += 1  # type: ignore[index]
    return query


def _library_score(index: LibraryIndex, query: Counter[str]) -> tuple[float, int] | None:
    q_vec = {t: n * index.idf[t] for t, n in query.items()}
    q_norm = _norm(q_vec)
    dots: dict[int, float] = {}
    for t, qw in q_vec.items():
        for i, w in index.postings.get(t, ()):
            dots[i] = dots.get(i, 0.0) + qw * w
    best: tuple[float, int] | None = None
    for i, dot in dots.items():
        if index.topics[i] is None:
            continue
        score = dot / (q_norm * index.norms[i])
        if best is None or (score, -i) > (best[0], -best[1]):
            best = (score, i)
    return best
