"""Names typed by admins, in English and French, shown in the reader's language.

Policies, layers, routing rules, incoming rules, shared saved views and approval
steps (which copy their layer's and policy's names at submit time) keep the English
name in `name` and the French one in `name_fr`. A blank French name falls back to the
English one, and the editors say so. Topics and campaigns keep `name_en`/`name_fr`;
they use the same function. The reader's language is the active one: the page's, or
the recipient's inside an e-mail (`translation.override`).
"""

from __future__ import annotations

from django.utils.translation import get_language


def reader_is_french(language: str | None = None) -> bool:
    return (language or get_language() or "en").startswith("fr")


def localized(english: str, french: str, *, language: str | None = None) -> str:
    """The name in `language` (default: the active language); a missing one falls
    back to the other."""
    if reader_is_french(language):
        return french or english
    return english or french


class BilingualName:
    """For models with `name` (English) and `name_fr` (French, may be blank)."""

    name: str
    name_fr: str

    @property
    def localized_name(self) -> str:
        return localized(self.name, self.name_fr)

    @property
    def french_missing(self) -> bool:
        return bool(self.name) and not self.name_fr.strip()
