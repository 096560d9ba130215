"""Comparing a reply with a library answer (re-exported by responder.inbox.models)."""

from __future__ import annotations

import re

_LEADING_MENTIONS = re.compile(r"^(?:\s*@[\w.\-]+(?:@[\w.\-]+)?\s*)+")


def normalize_reply_text(text: str) -> str:
    """The text of a reply as compared with a library answer: no leading @handles,
    whitespace folded."""
    return " ".join(_LEADING_MENTIONS.sub("", text).split())
