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

How keywords match. Post and keywords are folded the same way: lower case, accents
removed ("volé" -> "vole"), cut into words of letters and digits (so "J'ai" is "j"
"ai"), then each word loses a final "s" and then a final "e" when it is longer than
four letters ("volées" -> "vole", "perdue" -> "perdu", "photos" -> "photo"). Two
words of five letters or more also match with one typo: a letter missing, added,
changed or two letters swapped ("pasport", "passprt", "stollen", "stoeln", and
"passeport" for "passport"); a keyword of eight letters or more takes two typos
("pasport" for "passeport"). The first letter must be right (typos rarely touch it,
and "argent" is not "urgent"); shorter words must be exact, so "lost" never matches
"last". A keyword line of several words matches when they appear in that order,
next to each other ("lost my passport"); words joined by "+" may appear anywhere
in the post ("passport + stolen" matches "stolen: my passport!").

The typo test is a "symmetric delete": a word and its one- (two-) letter deletions
are looked up in an index of the keywords' words and their deletions, and the few
candidates found are confirmed with an edit distance; so a word costs a few dozen
dictionary lookups whatever the number of rules, and is remembered. Each keyword
line is filed under its least common word, so a post tries only the few lines
whose word it has.

Rules are compiled at most once per ingest batch (`classifier_for`): they are kept
per department in this process, with the typo look-ups already done, until a rule
changes; the library's vectors (library_match.py) are kept per department and
language and rebuilt when the library changes. Each costs one small query per batch.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from responder.inbox.incoming_models import PRIORITY_ORDER, IncomingRule, Priority
from responder.inbox.library_match import (
    LibraryIndex,
    library_best,
    library_fingerprint,
    library_index,
    library_query,
)
from responder.inbox.models import RISK_ORDER, Case, Risk, Topic
from responder.inbox.suggest import _NOISE

_WORD = re.compile(r"[a-z0-9]+")
FUZZY_MIN_LENGTH = 5
LONG_WORD = 8
MEMO_LIMIT = 100_000


def _accent_table() -> dict[int, str]:
    """Latin letters with accents -> without ("é" -> "e"), for str.translate."""
    table = {}
    for code in range(0xC0, 0x250):
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(c)
        )
        if plain != chr(code) and plain.isascii():
            table[code] = plain
    return table


_ACCENTS = _accent_table()
# str.translate looks every character up (about 10 µs for a French post); a post has
# a few accented letters, which this finds and replaces in well under one.
_ACCENTED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_ACCENTS)) + "]")
_PLAIN = {chr(code): plain for code, plain in _ACCENTS.items()}


def _unaccent(match: re.Match[str]) -> str:
    return _PLAIN[match.group()]


def _fold(text: str) -> str:
    text = text.lower()
    if text.isascii():
        return text
    text = _ACCENTED.sub(_unaccent, text)  # the common case, fast; the rest below
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def post_fold(text: str) -> str:
    """The post folded once for the rules and the library: no handles or links (the
    account's own @handle would otherwise read as the word "passport")."""
    return _fold(_NOISE.sub(" ", text))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str, *, folded: bool = False) -> list[str]:
    """The post or keyword as the matcher sees it (see the module's docstring)."""
    return [_stem(w) for w in _WORD.findall(text if folded else _fold(text))]


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True)
class KeywordLine:
    """One line of a rule's keywords: a phrase (ordered, adjacent words) or, when it
    had "+", groups that may appear anywhere (each group itself a phrase)."""

    text: str
    groups: tuple[tuple[str, ...], ...]

    @property
    def required(self) -> frozenset[str]:
        return frozenset(w for group in self.groups for w in group)


def keyword_lines(raw: str) -> list[KeywordLine]:
    lines = []
    for line in raw.splitlines():
        groups = tuple(tuple(words(part)) for part in line.split("+"))
        groups = tuple(g for g in groups if g)
        if groups:
            lines.append(KeywordLine(text=line.strip(), groups=groups))
    return lines


class WordIndex:
    """Which keyword words a post's word stands for, typos included. Answers are
    remembered: a batch's posts share most of their words."""

    def __init__(self, vocabulary: set[str]) -> None:
        self.exact = set(vocabulary)
        self.fuzzy: dict[str, set[str]] = {}
        for word in vocabulary:
            if len(word) >= FUZZY_MIN_LENGTH:
                keys = _deletions(word) | {word}
                if len(word) >= LONG_WORD:
                    keys |= {d2 for d in _deletions(word) for d2 in _deletions(d)}
                for key in keys:
                    self.fuzzy.setdefault(key, set()).add(word)
        self._memo: dict[str, frozenset[str]] = {}
        self._raw_memo: dict[str, frozenset[str]] = {}

    def lookup_raw(self, raw: str) -> frozenset[str]:
        """`lookup` of a folded word not stemmed yet (remembered as such)."""
        found = self._raw_memo.get(raw)
        if found is None:
            if len(self._raw_memo) > MEMO_LIMIT:
                self._raw_memo.clear()
            found = self._raw_memo[raw] = self.lookup(_stem(raw))
        return found

    def lookup_all(self, raw: list[str]) -> list[frozenset[str]]:
        """`lookup_raw` of each word of a post (most are remembered: one dict read)."""
        memo = self._raw_memo
        found = []
        for word in raw:
            matches = memo.get(word)
            found.append(self.lookup_raw(word) if matches is None else matches)
        return found

    def lookup(self, word: str) -> frozenset[str]:
        found = self._memo.get(word)
        if found is None:
            if len(self._memo) > MEMO_LIMIT:
                self._memo.clear()
            found = self._memo[word] = frozenset(self._lookup(word))
        return found

    def _lookup(self, word: str) -> set[str]:
        found = {word} if word in self.exact else set()
        if len(word) < FUZZY_MIN_LENGTH - 1 or not self.fuzzy or not word.isalpha():
            return found
        first = _deletions(word)
        keys = first | {word}
        if len(word) >= LONG_WORD - 2:
            keys |= {d2 for d in first for d2 in _deletions(d)}
        for key in keys:
            for candidate in self.fuzzy.get(key, ()):
                if candidate[0] == word[0] and _close(word, candidate):
                    found.add(candidate)
        return found


def _close(word: str, candidate: str) -> bool:
    """One typo, or two in a long keyword (see the module's docstring); the first
    letter must be right: typos rarely touch it, and "argent" is not "urgent"."""
    if candidate[0] != word[0]:
        return False
    if len(word) < FUZZY_MIN_LENGTH and len(candidate) <= len(word):
        return False
    return _distance(word, candidate) <= (2 if len(candidate) >= LONG_WORD else 1)


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    rows = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        rows[i][0] = i
    for j in range(len(b) + 1):
        rows[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def _phrase_at(matches: list[frozenset[str]], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    if n == 1:  # the caller checked that every word of the line is in the post
        return True
    for start in range(len(matches) - n + 1):
        if all(phrase[j] in matches[start + j] for j in range(n)):
            return True
    return False


def line_matches(line: KeywordLine, matches: list[frozenset[str]]) -> bool:
    return all(_phrase_at(matches, group) for group in line.groups)


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
        hashtag=_fold(rule.hashtag.strip().lstrip("#")),
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
        return {_fold(t) for t in re.findall(r"#(\w+)", self.text)}


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
            if self._fingerprint is None:  # one query per batch for both languages
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
        raw = _WORD.findall(post_fold(post.text))
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
        return Classification(
            topic_ids=list(done.topic_ids),
            risk=done.risk,
            priority=done.priority,
            reasons=[dict(reason) for reason in done.reasons],
        )

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


def classifier_for(*, department_id: int) -> Classifier:
    """The department's active rules, compiled. They are kept in this process with
    their word index (and its remembered typo look-ups) until a rule changes: every
    save bumps the rule's version (incoming_rule_save), checked with one query."""
    active = IncomingRule.objects.filter(department_id=department_id, is_active=True)
    fingerprint = tuple(active.order_by("id").values_list("id", "version", "updated_at"))
    with _rules_lock:
        cached = _rules_cache.get(department_id)
    if cached is None or cached[0] != fingerprint:
        rules = [rule_compile(r) for r in active.prefetch_related("topics").order_by("order", "id")]
        index = WordIndex({w for r in rules for w in r.vocabulary})
        cached = (fingerprint, rules, index, rule_anchors(rules))
        with _rules_lock:
            _rules_cache[department_id] = cached
    return Classifier(
        department_id=department_id, rules=cached[1], index=cached[2], anchors=cached[3]
    )


def cases_classify(*, department_id: int, cases: list[Case]) -> list[list[int]]:
    """Set auto_risk, priority and classification on new (unsaved) cases of one
    department, in place; return each case's topic ids, for `case_topics_link` once
    the cases have ids. One compiled rule set for the whole batch."""
    classifier = classifier_for(department_id=department_id)
    topic_ids = []
    for case in cases:
        result = classifier.classify(
            Post(
                text=case.text,
                language=case.language,
                account_id=case.account_id,
                author_handle=case.author_handle,
            )
        )
        case.auto_risk = result.risk
        case.priority = result.priority
        case.classification = result.reasons
        topic_ids.append(result.topic_ids)
    return topic_ids


def case_topics_link(*, pairs: list[tuple[int, list[int]]]) -> None:
    """Tag new cases (no topics yet) with their topics: (case id, topic ids) pairs.
    On PostgreSQL with COPY, like ingest's audit rows: as many rows as cases."""
    through = Case.topics.through
    rows = [(case_id, topic_id) for case_id, topic_ids in pairs for topic_id in topic_ids]
    if not rows:
        return
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg 3
            table = through._meta.db_table
            with raw.copy(f"COPY {table} (case_id, topic_id) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    through.objects.bulk_create([through(case_id=c, topic_id=t) for c, t in rows])
