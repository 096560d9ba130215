"""Personal information in citizens' posts and in our replies: find it, mask it.

Canadian English and French text. What is found, and how:

- social insurance numbers: nine digits (grouped 3-3-3 or not) whose Luhn checksum holds
  (python-stdnum); a number starting 0 or 8 (never issued to a person) counts only next
  to the words SIN / NAS / social insurance / assurance sociale;
- credit-card numbers: 13 to 19 digits, Luhn checksum (python-stdnum);
- phone numbers: Google's libphonenumber (`phonenumbers`), valid numbers only, Canada
  as the default region, international numbers too;
- e-mail addresses;
- postal codes: the Canadian A1A 1A1 form (letters Canada Post uses);
- street addresses: a civic number, then a street type (Street, Ave, Road... rue,
  avenue, boulevard, chemin...);
- dates of birth: a date next to "born", "DOB", "date of birth", "né(e) le", "date de
  naissance" (other dates, appointments or travel, are not personal);
- passport numbers: two letters and six digits (Canada's form), or a letter-digit code
  right after "passport number" / "numéro de passeport";
- application and file numbers: a code with digits after "application", "file",
  "dossier", "demande", "reference" ... number, and the department's own patterns.

A department's allow-list (its toll-free line, its offices' addresses) is never
flagged. Findings carry the kind and the span, never stored elsewhere with the value:
audit events and API answers name kinds and offsets only.
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.ca import sin as ca_sin

MASK = "•"


class PiiKind(models.TextChoices):
    SIN = "sin", _("Social insurance number")
    PASSPORT = "passport", _("Passport number")
    PHONE = "phone", _("Phone number")
    EMAIL = "email", _("E-mail address")
    POSTAL_CODE = "postal_code", _("Postal code")
    ADDRESS = "address", _("Street address")
    BIRTH_DATE = "birth_date", _("Date of birth")
    CARD = "card", _("Credit-card number")
    FILE_NUMBER = "file_number", _("Application or file number")


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int

    def as_dict(self) -> dict[str, object]:
        """What an API may say of a finding: never the value."""
        return {"kind": self.kind, "start": self.start, "end": self.end}


# --- patterns ------------------------------------------------------------------------

_NINE_DIGITS = re.compile(r"(?<![\d-])(\d{3})[ .-]?(\d{3})[ .-]?(\d{3})(?![\d-])")
_SIN_WORDS = re.compile(r"\b(?:SIN|NAS|social insurance|assurance[- ]sociale)\b", re.IGNORECASE)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# Not after "@": @user@server.social is a fediverse handle, not an e-mail address.
_EMAIL = re.compile(r"(?<![@\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}", re.UNICODE)
_POSTAL = re.compile(
    r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z][ -]?\d[ABCEGHJ-NPRSTV-Z]\d\b", re.IGNORECASE
)
_EN_STREET = (
    r"(?i:street|st|avenue|ave|road|rd|drive|dr|boulevard|blvd|crescent|cres|court|ct|"
    r"lane|ln|way|place|pl|terrace|circle|parkway|pkwy|highway|hwy)"
)
_FR_STREET = r"(?i:rue|avenue|av|boulevard|boul|bd|chemin|ch|route|place|rang|mont[ée]e|all[ée]e)"
_ADDRESS = re.compile(
    # 24 Sussex Drive / 1200 Montreal Road / 450 Maple St.
    rf"\b\d{{1,6}}(?:-\d{{1,6}})?\s+(?:(?:[A-ZÀ-Ý0-9][\w'’.-]*|de|du|des|la|le|of|the)\s+){{1,4}}"
    rf"{_EN_STREET}\b\.?"
    # 123, rue Principale / 45 boul. Saint-Laurent / 12 chemin du Lac
    rf"|\b\d{{1,6}}(?:-\d{{1,6}})?,?\s+{_FR_STREET}\.?\s+(?:(?:du|de|des|de la|d')\s*)?"
    rf"[A-ZÀ-Ý][\w'’-]*(?:[ -][A-ZÀ-Ý][\w'’-]*){{0,3}}",
    re.UNICODE,
)
_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|janvier|f[ée]vrier|mars|"
    r"avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)\.?"
)
_DATE = (
    r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}(?:er)?\s+{_MONTHS}\s+\d{{4}})"
)
_BIRTH = re.compile(
    r"(?:\bborn(?:\s+on)?|\bDOB|\bD\.O\.B\.?|\bdate of birth|\bbirth ?date|\bbirthday|"
    r"\bn[ée]e?\s+le|\bdate de naissance|\bddn)\W{0,4}(?:is\s+|est\s+(?:le\s+)?|:\s*)?"
    rf"(?P<date>{_DATE})",
    re.IGNORECASE,
)
_PASSPORT_FORM = re.compile(r"\b[A-Z]{2}\d{6}\b")
_PASSPORT_WORDS = re.compile(
    r"(?:passport\s*(?:number|no\.?|#)|n(?:um[ée]ro|o|°)\s+de\s+passeport|passeport\s*(?:n[o°]|#))"
    r"\W{0,4}(?:is\s+|est\s+)?(?P<code>[A-Z]{1,2}\s?\d{6,8})\b",
    re.IGNORECASE,
)
_FILE_WORDS = re.compile(
    r"(?:(?:application|file|case|reference|ref|tracking|confirmation)\s*"
    r"(?:number|no\.?|#|num)|n(?:um[ée]ro|o|°)\s+de\s+(?:dossier|demande|r[ée]f[ée]rence|suivi)"
    r"|(?:dossier|demande)\s*(?:n[o°]|#))\W{0,4}(?:is\s+|est\s+)?"
    r"(?P<code>[A-Z]{0,4}[- ]?\d[\d -]{3,18}\d|[A-Z0-9]*\d[A-Z0-9-]{4,20})",
    re.IGNORECASE,
)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _sins(text: str) -> Iterable[Finding]:
    for match in _NINE_DIGITS.finditer(text):
        number = "".join(match.groups())
        if not luhn.is_valid(number):
            continue
        near = text[max(0, match.start() - 40) : match.start()]
        if ca_sin.is_valid(number) or _SIN_WORDS.search(near):
            yield Finding(PiiKind.SIN, match.start(), match.end())


def _cards(text: str) -> Iterable[Finding]:
    for match in _CARD.finditer(text):
        number = _digits(match.group())
        if 13 <= len(number) <= 19 and number[0] in "3456" and luhn.is_valid(number):
            yield Finding(PiiKind.CARD, match.start(), match.end())


# Seven digits or more with only phone punctuation between them: libphonenumber's
# matcher costs about 0.1 ms a post, so it reads only posts where a number could be.
_PHONE_CANDIDATE = re.compile(r"(?:\d[\s().+-]{0,3}){7,}")


def _phones(text: str) -> Iterable[Finding]:
    if not _PHONE_CANDIDATE.search(text):
        return
    for match in phonenumbers.PhoneNumberMatcher(text, "CA"):
        yield Finding(PiiKind.PHONE, match.start, match.end)


def _regex(
    kind: str, pattern: re.Pattern[str], group: str | int = 0
) -> Callable[[str], Iterable[Finding]]:
    def find(text: str) -> Iterable[Finding]:
        for match in pattern.finditer(text):
            yield Finding(kind, match.start(group), match.end(group))

    return find


_EMAILS = _regex(PiiKind.EMAIL, _EMAIL)
_FINDERS = (
    _sins,
    _cards,
    _phones,
    _EMAILS,
    _regex(PiiKind.POSTAL_CODE, _POSTAL),
    _regex(PiiKind.ADDRESS, _ADDRESS),
    _regex(PiiKind.BIRTH_DATE, _BIRTH, "date"),
    _regex(PiiKind.PASSPORT, _PASSPORT_FORM),
    _regex(PiiKind.PASSPORT, _PASSPORT_WORDS, "code"),
    _regex(PiiKind.FILE_NUMBER, _FILE_WORDS, "code"),
)

_ANY_DIGIT = re.compile(r"\d")

# When two findings overlap, the more specific one is kept.
_RANK = {
    PiiKind.SIN: 0,
    PiiKind.CARD: 1,
    PiiKind.PASSPORT: 2,
    PiiKind.EMAIL: 3,
    PiiKind.BIRTH_DATE: 4,
    PiiKind.FILE_NUMBER: 5,
    PiiKind.PHONE: 6,
    PiiKind.ADDRESS: 7,
    PiiKind.POSTAL_CODE: 8,
}


# --- the allow-list --------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in text if ch.isalnum())


def _phone_key(text: str) -> str | None:
    try:
        number = phonenumbers.parse(text, "CA")
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class AllowList:
    """A department's own public numbers and addresses, compiled once."""

    phones: frozenset[str]
    texts: tuple[str, ...]

    @classmethod
    def of(cls, entries: Iterable[str]) -> AllowList:
        phones, texts = set(), []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            key = _phone_key(entry) if sum(c.isdigit() for c in entry) >= 7 else None
            if key:
                phones.add(key)
            folded = _fold(entry)
            if folded:
                texts.append(folded)
        return cls(phones=frozenset(phones), texts=tuple(texts))

    def allows(self, kind: str, value: str) -> bool:
        if kind == PiiKind.PHONE and _phone_key(value) in self.phones:
            return True
        folded = _fold(value)
        return bool(folded) and any(folded in entry or entry in folded for entry in self.texts)


NO_ALLOW_LIST = AllowList(phones=frozenset(), texts=())


def compile_patterns(patterns: Iterable[str]) -> list[re.Pattern[str]]:
    """A department's own file-number patterns (regular expressions); a malformed one
    raises re.error, which the admin form reports."""
    return [re.compile(p, re.IGNORECASE) for p in patterns if p.strip()]


# --- finding and masking ----------------------------------------------------------------


def pii_find(
    text: str,
    *,
    allow: AllowList = NO_ALLOW_LIST,
    file_patterns: Sequence[re.Pattern[str]] = (),
) -> list[Finding]:
    """Every piece of personal information in `text`, in order, without overlaps."""
    if not text:
        return []
    found: list[Finding] = []
    # Every kind but e-mail has a digit in it, and most questions have none.
    finders = _FINDERS if _ANY_DIGIT.search(text) else (_EMAILS,)
    for finder in finders:
        found.extend(finder(text))
    for pattern in file_patterns:
        found.extend(
            Finding(PiiKind.FILE_NUMBER, m.start(), m.end())
            for m in pattern.finditer(text)
            if m.end() > m.start()
        )
    found = [f for f in found if not allow.allows(f.kind, text[f.start : f.end])]
    found.sort(key=lambda f: (_RANK[PiiKind(f.kind)], f.start))
    kept: list[Finding] = []
    for finding in found:
        if all(finding.end <= k.start or finding.start >= k.end for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def pii_kinds(findings: Iterable[Finding]) -> list[str]:
    """The distinct kinds found, in a stable order."""
    kinds = {f.kind for f in findings}
    return [k for k in PiiKind.values if k in kinds]


# Numbers keep their last three characters, so an officer can tell two apart
# ("•••-•••-286"); everything else is masked whole.
_KEEP_TAIL = {PiiKind.SIN, PiiKind.CARD, PiiKind.PHONE, PiiKind.PASSPORT, PiiKind.FILE_NUMBER}


def _mask_span(value: str, kind: str) -> str:
    keep = 3 if kind in _KEEP_TAIL else 0
    alnum_positions = [i for i, ch in enumerate(value) if ch.isalnum()]
    hidden = set(alnum_positions[: max(0, len(alnum_positions) - keep)])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(value))


def pii_mask(text: str, findings: Iterable[Finding]) -> str:
    """`text` with every finding masked (the same length, separators kept)."""
    out = list(text)
    for finding in findings:
        out[finding.start : finding.end] = _mask_span(
            text[finding.start : finding.end], finding.kind
        )
    return "".join(out)


def pii_redact(text: str, findings: Iterable[Finding]) -> str:
    """`text` with every finding replaced by its kind in brackets, for the stored copy
    once personal information is removed ("[phone number]")."""
    parts: list[str] = []
    last = 0
    for finding in sorted(findings, key=lambda f: f.start):
        parts.append(text[last : finding.start])
        parts.append(f"[{PiiKind(finding.kind).label}]")
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)


@functools.lru_cache(maxsize=256)
def _department_rules(
    allow_text: str, patterns_text: str
) -> tuple[AllowList, tuple[re.Pattern[str], ...]]:
    patterns: list[re.Pattern[str]] = []
    for line in patterns_text.splitlines():
        try:
            patterns.extend(compile_patterns([line]))
        except re.error:  # refused by the admin form; an old bad line is skipped
            continue
    return AllowList.of(allow_text.splitlines()), tuple(patterns)


def pii_find_for(text: str, *, department: Any) -> list[Finding]:
    """`pii_find` with the department's allow-list and file-number patterns (compiled
    once per distinct setting, so ingest pays nothing for them per post). Remembered
    for the texts read most (a list's first page is read at every refresh, by every
    officer, and detection on fifty texts cost it a millisecond): by a digest of the
    text, so the memory holds where personal information is, never the text. A new
    allow-list or pattern is a new key."""
    allow_text = getattr(department, "pii_allow_list", "") or ""
    patterns_text = getattr(department, "pii_file_patterns", "") or ""
    key = (
        hashlib.blake2b(text.encode(), digest_size=16).digest(),
        allow_text,
        patterns_text,
    )
    with _FOUND_LOCK:
        found = _FOUND.get(key)
        if found is not None:
            _FOUND.move_to_end(key)
    if found is None:
        allow, patterns = _department_rules(allow_text, patterns_text)
        found = tuple(pii_find(text, allow=allow, file_patterns=patterns))
        with _FOUND_LOCK:
            _FOUND[key] = found
            while len(_FOUND) > _FOUND_SIZE:
                _FOUND.popitem(last=False)
    return list(found)


_FOUND: OrderedDict[tuple[bytes, str, str], tuple[Finding, ...]] = OrderedDict()
_FOUND_LOCK = threading.Lock()
_FOUND_SIZE = 4096
