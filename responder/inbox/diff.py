"""The word diff of two texts, the one home of the rule: the case page shows it as
pieces, the review pages and emails as HTML (workflows.review_selectors)."""

from __future__ import annotations

import difflib
import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

_TOKENS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(op, text) pieces, op in equal/insert/delete (a replacement is a delete then
    an insert); whitespace is a token, so joining the pieces gives back the texts."""
    a = _TOKENS.findall(before)
    b = _TOKENS.findall(after)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("delete", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("insert", "".join(b[j1:j2])))
    return pieces


_TAGS = {"delete": "del", "insert": "ins"}


def diff_html(before: str, after: str) -> SafeString:
    """The word diff as HTML: removed words in <del>, added in <ins>. Every piece of
    text is escaped (drafts quote citizens)."""
    parts = []
    for op, text in word_diff(before, after):
        tag = _TAGS.get(op)
        parts.append(f"<{tag}>{escape(text)}</{tag}>" if tag else str(escape(text)))
    return mark_safe("".join(parts))  # noqa: S308 - every part above is escaped
