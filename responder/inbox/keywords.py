"""Keyword matching for incoming rules: posts and keywords folded, cut into words, and
words matched with typos (responder/inbox/classify.py applies the rules).

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
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from responder.inbox.suggest import _NOISE

WORD = re.compile(r"[a-z0-9]+")
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


def fold(text: str) -> str:
    """Lower case, accents removed."""
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
    return fold(_NOISE.sub(" ", text))


def _stem(word: str) -> str:
    if len(word) > 4 and word.endswith("s"):
        word = word[:-1]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def words(text: str, *, folded: bool = False) -> list[str]:
    """The post or keyword as the matcher sees it (see the module's docstring)."""
    return [_stem(w) for w in WORD.findall(text if folded else fold(text))]


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
