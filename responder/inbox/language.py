"""Language of a citizen's post: English, French, or other.

py3langid (small, fast: ~50 µs a post) ranks all its languages. We trust the
platform's hint when it says en or fr. Otherwise: a top guess of en or fr wins; a
confident guess of another language means "other"; a short or ambiguous text (where
langid's scores are noise) falls back to the likelier of en and fr, because nearly
every question this service gets is in one of the two.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

SUPPORTED = ("en", "fr")
OTHER = "other"
#: A non-en/fr top guess at or above this normalized probability means "other".
OTHER_CONFIDENCE = 0.6
#: Below this many letters a text is too short to call "other".
MIN_LETTERS_FOR_OTHER = 12

_NOISE = re.compile(r"(?:https?://\S+)|(?:[@#][\w.\-@]+)")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    import py3langid.langid as langid

    return langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE, norm_probs=True)


def language_detect(text: str, *, hint: str = "") -> str:
    """'en', 'fr' or 'other'."""
    hint = (hint or "").lower().split("-", 1)[0].split("_", 1)[0]
    if hint in SUPPORTED:
        return hint
    cleaned = _NOISE.sub(" ", text or "").strip()
    letters = sum(ch.isalpha() for ch in cleaned)
    if not letters:
        return "en"
    identifier = _identifier()
    # classify() is about half the cost of rank() and settles most posts.
    top, top_p = identifier.classify(cleaned)
    if top in SUPPORTED:
        return str(top)
    if top_p >= OTHER_CONFIDENCE and letters >= MIN_LETTERS_FOR_OTHER:
        return OTHER
    scores = dict(identifier.rank(cleaned))
    return "fr" if scores.get("fr", 0.0) > scores.get("en", 0.0) else "en"
