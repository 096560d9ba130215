"""Classification of new cases: topics, automatic risk and priority, with reasons.

Two sources, applied in this order to every new case of a department:

1. **Incoming rules** (`IncomingRule`, edited by the department's admins). A rule
   matches when every criterion it fills in holds: one of its keyword lines (English
   or French list; both lists are tried on every post, because language detection
   is unsure on a short post), the platform account, a hashtag in the text, the
   case's language, the author's handle. A matching rule adds its topics, raises the
   automatic risk (never lowers it) and raises the priority.
2. **The answer library**: the best-scoring library answer (the same TF-IDF score as
   the case page's suggestions, responder/inbox/suggest.py) gives its topic when the
   score reaches settings.CLASSIFY_LIBRARY_THRESHOLD.

How keywords match: responder/inbox/keywords.py. Each keyword
line is filed under its least common word, so a post tries only the few lines
whose word it has.

Rules are compiled at most once per ingest batch (`classifier_for`): they are kept
per department in this process, with the typo look-ups already done, until a rule
changes; the library's vectors (library_match.py) are kept per department and
language and rebuilt when the library changes. Both are checked with one small
query per batch.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from responder.inbox.incoming_models import PRIORITY_ORDER, IncomingRule, Priority
from responder.inbox.keywords import (
    WORD,
    KeywordLine,
    WordIndex,
    fold,
    keyword_lines,
    line_matches,
    post_fold,
)
from responder.inbox.library_match import (
    LibraryIndex,
    library_best,
    library_fingerprint,
    library_fingerprint_columns,
    library_index,
    library_query,
)
from responder.inbox.models import RISK_ORDER, Case, Risk, Topic


@dataclass(frozen=True)
class CompiledRule:
    pk: int
    name: str
    lines: tuple[KeywordLine, ...]
    account_id: int | None
    hashtag: str
    language: str
    author: str
    topic_ids: tuple[int, ...]
    topic_slugs: tuple[str, ...]
    risk: str
    priority: str
    required: tuple[frozenset[str], ...] = ()
    vocabulary: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        required = tuple(line.required for line in self.lines)
        object.__setattr__(self, "required", required)
        object.__setattr__(self, "vocabulary", frozenset().union(*required))

    def criteria_match(
        self,
        post: Post,
        matches: list[frozenset[str]],
        present: frozenset[str] | None = None,
        *,
        lines: list[int] | None = None,
    ) -> KeywordLine | bool:
        """False, or what matched: the keyword line (True when the rule has none).
        `present`: every keyword word the post has (the union of `matches`);
        `lines`: the positions of the only keyword lines that can match."""
        if self.account_id is not None and post.account_id != self.account_id:
            return False
        if self.language and post.language != self.language:
            return False
        if self.author and not _same_author(post.author_handle, self.author):
            return False
        if self.hashtag and self.hashtag not in post.hashtags:
            return False
        if not self.lines:
            return True
        if present is None:
            present = frozenset().union(*matches)
        if self.vocabulary.isdisjoint(present):
            return False
        for j in range(len(self.lines)) if lines is None else lines:
            # Set checks first (fast); word order only for the few lines left.
            if self.required[j] <= present and line_matches(self.lines[j], matches):
                return self.lines[j]
        return False


def _handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def _same_author(handle: str, wanted: str) -> bool:
    """A rule's handle without a domain ("jdoe") matches that user on any server."""
    handle = _handle(handle)
    return handle == wanted or ("@" not in wanted and handle.split("@", 1)[0] == wanted)


def rule_compile(rule: IncomingRule, *, topics: list[Topic] | None = None) -> CompiledRule:
    """The rule ready to match (`topics` for a rule not saved yet)."""
    topics = sorted(rule.topics.all() if topics is None else topics, key=lambda t: t.slug)
    return CompiledRule(
        pk=rule.pk,
        name=rule.name,
        lines=tuple(keyword_lines(rule.keywords_en) + keyword_lines(rule.keywords_fr)),
        account_id=rule.account_id,
        hashtag=fold(rule.hashtag.strip().lstrip("#")),
        language=rule.language,
        author=_handle(rule.author_handle),
        topic_ids=tuple(t.pk for t in topics),
        topic_slugs=tuple(t.slug for t in topics),
        risk=rule.risk,
        priority=rule.priority,
    )


@dataclass(frozen=True)
class Post:
    """What classification reads of a new case."""

    text: str
    language: str
    account_id: int | None = None
    author_handle: str = ""

    @property
    def hashtags(self) -> set[str]:
        return {fold(t) for t in re.findall(r"#(\w+)", self.text)}


@dataclass
class Classification:
    topic_ids: list[int] = field(default_factory=list)
    risk: str = Risk.LOW.value
    priority: str = Priority.NORMAL.value
    reasons: list[dict[str, Any]] = field(default_factory=list)


# --- the classifier --------------------------------------------------------------------

#: Keyword word -> the (rule position, line position) filed under it.
Anchors = dict[str, list[tuple[int, int]]]


def rule_anchors(rules: list[CompiledRule]) -> Anchors:
    """Each keyword line filed under one of its words, the one fewest lines share
    ("lost" rather than "passport" in "passport + lost"): a post only tries the lines
    whose word it has. Rules without keywords are tried on every post."""
    anchors: Anchors = {}
    shared = Counter(w for r in rules for required in r.required for w in required)
    for i, rule in enumerate(rules):
        for j, required in enumerate(rule.required):
            anchor = min(required, key=lambda w: (shared[w], -len(w), w))
            anchors.setdefault(anchor, []).append((i, j))
    return anchors


class Classifier:
    """A department's active rules and library, ready for a batch of posts."""

    def __init__(
        self,
        *,
        department_id: int,
        rules: list[CompiledRule],
        index: WordIndex | None = None,
        anchors: Anchors | None = None,
    ) -> None:
        self.department_id = department_id
        self.rules = rules
        if index is None:
            index = WordIndex({w for r in rules for w in r.vocabulary})
        self.index = index
        self._anchors = rule_anchors(rules) if anchors is None else anchors
        self._always = {i for i, r in enumerate(rules) if not r.lines}
        self.threshold: float = settings.CLASSIFY_LIBRARY_THRESHOLD
        self._libraries: dict[str, LibraryIndex] = {}
        self._fingerprint: tuple[Any, ...] | None = None
        self._by_account = any(r.account_id is not None for r in rules)
        self._by_author = any(r.author for r in rules)
        self._by_hashtag = any(r.hashtag for r in rules)
        self._done: dict[tuple[Any, ...], Classification] = {}  # this batch's outcomes

    def _library(self, language: str) -> LibraryIndex:
        if language not in self._libraries:
            if self._fingerprint is None:  # once per batch (classifier_for may have it)
                self._fingerprint = library_fingerprint(self.department_id)
            self._libraries[language] = library_index(
                department_id=self.department_id, language=language, fingerprint=self._fingerprint
            )
        return self._libraries[language]

    def _candidates(self, present: frozenset[str]) -> list[tuple[CompiledRule, list[int]]]:
        """The rules worth trying on a post with these keyword words, in order, each
        with the keyword lines worth trying."""
        lines: dict[int, list[int]] = {i: [] for i in self._always}
        for word in present:
            for i, j in self._anchors.get(word, ()):
                lines.setdefault(i, []).append(j)
        return [(self.rules[i], sorted(lines[i])) for i in sorted(lines)]

    def classify(self, post: Post) -> Classification:
        done = self.shared(post)
        return Classification(
            topic_ids=list(done.topic_ids),
            risk=done.risk,
            priority=done.priority,
            reasons=[dict(reason) for reason in done.reasons],
        )

    def shared(self, post: Post) -> Classification:
        """`classify`, but the outcome may be the one of an earlier post of the batch,
        the same object: read it, never change it."""
        raw = WORD.findall(post_fold(post.text))
        matches = self.index.lookup_all(raw)
        language = post.language if post.language in ("en", "fr") else "en"
        library = self._library(language)
        query = library_query(library, raw)
        # The outcome depends only on what the rules and the library see of the post:
        # its keyword words in order, its library terms, its language, and the
        # account, author and hashtags when a rule asks for them. Posts of one batch
        # that are the same question in other words they do not know (a number, a
        # name, a typo neither knows) are classified once.
        key = (tuple(matches), frozenset(query.items()), post.language, self._criteria(post))
        done = self._done.get(key)
        if done is None:
            done = self._done[key] = self._classify(post, matches, library, query)
        return done

    def _criteria(self, post: Post) -> tuple[Any, ...]:
        return (
            post.account_id if self._by_account else None,
            _handle(post.author_handle) if self._by_author else None,
            frozenset(post.hashtags) if self._by_hashtag else None,
        )

    def _classify(
        self,
        post: Post,
        matches: list[frozenset[str]],
        library: LibraryIndex,
        query: Counter[str],
    ) -> Classification:
        result = Classification(priority="")  # the highest a matching rule sets
        present = frozenset().union(*matches)
        for rule, lines in self._candidates(present):
            matched = rule.criteria_match(post, matches, present, lines=lines)
            if matched is False:
                continue
            # One reason per topic the rule adds; what it raised goes on the first.
            # (Which keyword matched is left out: the rule's preview shows it, and
            # every byte here is written once per case.)
            reason: dict[str, Any] = {"kind": "rule", "rule": rule.name}
            reasons = []
            for pk, slug in zip(rule.topic_ids, rule.topic_slugs, strict=True):
                if pk not in result.topic_ids:
                    result.topic_ids.append(pk)
                    reasons.append({**reason, "topic": slug})
            first = reasons[0] if reasons else dict(reason)
            if rule.risk and _RISK_RANK.get(rule.risk, -1) > _RISK_RANK.get(result.risk, -1):
                result.risk = first["risk"] = rule.risk  # risk_max, without its set-up
            if rule.priority and _priority_rank(rule.priority) > _priority_rank(result.priority):
                result.priority = first["priority"] = rule.priority
            if not reasons and len(first) > len(reason):
                reasons.append(first)
            result.reasons += reasons
        result.priority = result.priority or Priority.NORMAL.value
        self._library_topic(library, query, result)
        return result

    def _library_topic(
        self, library: LibraryIndex, query: Counter[str], result: Classification
    ) -> None:
        if not library.norms:
            return
        best = library_best(library, "", library.language, query=query)
        if best is None or best[0] < self.threshold:
            return
        topic = library.topics[best[1]]
        if topic is not None and topic[0] not in result.topic_ids:
            result.topic_ids.append(topic[0])
            result.reasons.append(
                {"kind": "library", "score": round(best[0], 2), "topic": topic[1]}
            )


_PRIORITY_RANK = {p.value: i for i, p in enumerate(PRIORITY_ORDER)}
_RISK_RANK = {r.value: i for i, r in enumerate(RISK_ORDER)}


def _priority_rank(value: str) -> int:
    return _PRIORITY_RANK[value] if value else -1


_rules_lock = threading.Lock()
_rules_cache: dict[int, tuple[tuple[Any, ...], list[CompiledRule], WordIndex, Anchors]] = {}


_state_sql: dict[int, tuple[str, tuple[Any, ...]]] = {}


def _state_query(department_id: int) -> Any:
    return (
        IncomingRule.objects.filter(department_id=department_id, is_active=True)
        .order_by("id")
        .values_list("id", "version", "updated_at", *library_fingerprint_columns(department_id))
    )


def _state_rows(department_id: int) -> list[tuple[Any, ...]]:
    """The department's active rules' (id, version, updated_at), each row followed by
    the library's state (library_fingerprint): what a batch checks, in one query.
    On PostgreSQL its SQL is built once per department and process (the ORM takes
    longer to build it than the database to answer it: about 4 µs a mention)."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return list(_state_query(department_id))
    compiled = _state_sql.get(department_id)
    if compiled is None:
        compiled = _state_sql[department_id] = _state_query(department_id).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(*compiled)
        return [tuple(row) for row in cursor.fetchall()]


def classifier_for(*, department_id: int) -> Classifier:
    """The department's active rules, compiled. They are kept in this process with
    their word index (and its remembered typo look-ups) until a rule changes: every
    save bumps the rule's version (incoming_rule_save), checked with one query."""
    rows = _state_rows(department_id)
    fingerprint = tuple(row[:3] for row in rows)
    with _rules_lock:
        cached = _rules_cache.get(department_id)
    if cached is None or cached[0] != fingerprint:
        active = IncomingRule.objects.filter(department_id=department_id, is_active=True)
        rules = [rule_compile(r) for r in active.prefetch_related("topics").order_by("order", "id")]
        index = WordIndex({w for r in rules for w in r.vocabulary})
        cached = (fingerprint, rules, index, rule_anchors(rules))
        with _rules_lock:
            _rules_cache[department_id] = cached
    classifier = Classifier(
        department_id=department_id, rules=cached[1], index=cached[2], anchors=cached[3]
    )
    if rows:
        classifier._fingerprint = tuple(rows[0][3:])
    return classifier


def cases_classify(*, department_id: int, cases: list[Case]) -> list[list[int]]:
    """Set auto_risk, priority and classification on new (unsaved) cases of one
    department, in place; return each case's topic ids, for `case_topics_link` once
    the cases have ids. One compiled rule set for the whole batch."""
    classifier = classifier_for(department_id=department_id)
    topic_ids = []
    for case in cases:
        result = classifier.shared(
            Post(
                text=case.text,
                language=case.language,
                account_id=case.account_id,
                author_handle=case.author_handle,
            )
        )
        case.auto_risk = result.risk
        case.priority = result.priority
        case.classification = list(result.reasons)  # written as JSON, never changed
        topic_ids.append(result.topic_ids)
    return topic_ids


def case_topics_link(*, pairs: list[tuple[int, list[int]]]) -> None:
    """Tag new cases (no topics yet) with their topics: (case id, topic ids) pairs.
    On PostgreSQL one INSERT from two arrays: a single round trip (a COPY takes two,
    which on a busy machine cost more than writing the rows) and little CPU."""
    through = Case.topics.through
    rows = [(case_id, topic_id) for case_id, topic_ids in pairs for topic_id in topic_ids]
    if not rows:
        return
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(through._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (case_id, topic_id) "  # noqa: S608 (the model's table)
                "SELECT * FROM unnest(%s::bigint[], %s::bigint[])",
                [[c for c, _ in rows], [t for _, t in rows]],
            )
        return
    through.objects.bulk_create([through(case_id=c, topic_id=t) for c, t in rows])
