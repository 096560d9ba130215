"""Checks on a reply before it leaves: length, language, links, plain language.

Run when a draft is saved and shown before submit. An error blocks the submit; a
warning is shown and needs no confirmation.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from pyphen import Pyphen
from textstat.textstat import textstatistics

from responder.errors import ValidationError
from responder.inbox.language import language_detect
from responder.inbox.models import OUTGOING_SOURCE, Case, Platform
from responder.inbox.pii import Finding, PiiKind, pii_find, pii_find_for, pii_kinds

# Platform limits on the length of one post, in characters.
PLATFORM_LIMITS: dict[str, int] = {Platform.MASTODON: 500, Platform.BLUESKY: 300, Platform.X: 280}
# Mastodon and X count every http(s) link as this many characters, whatever its length.
LINK_WEIGHT = 23
READABILITY_MAX_GRADE = 8
# Language detection on a handful of words is guesswork: below this, say nothing.
MIN_WORDS_FOR_LANGUAGE = 4

ERROR = "error"
WARNING = "warning"
OK = "ok"

_SCHEME_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
# A bare domain such as canada.ca/passports (no scheme) still becomes a link on most
# platforms; the lookbehind keeps e-mail addresses and @user@server handles out.
_BARE_URL = re.compile(
    r"(?<![\w@./-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,24})(?::\d+)?(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_MENTION = re.compile(r"(?<![\w])@([\w.\-]+)(?:@[\w.\-]+)?")
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
_TRAILING = ".,;:!?)]}»"


@dataclass(frozen=True)
class CheckResult:
    code: str  # empty, length, language, links, readability, personal_information
    level: str  # error, warning, ok
    message: str
    # Where the problem is in the text, for the editor to highlight: (kind, start, end)
    # offsets, never the value (the personal-information check).
    spans: tuple[tuple[str, int, int], ...] = ()


def platform_limit(platform: str) -> int:
    return PLATFORM_LIMITS.get(platform, 500)


def reply_prefix(case: Case) -> str:
    """The mention put in front of the reply (full_reply_text); X threads the reply
    itself, so nothing is added there, and an outgoing post answers no one."""
    if case.platform == Platform.X or case.source == OUTGOING_SOURCE:
        return ""
    return f"@{case.author_handle.lstrip('@')} "


def full_reply_text(*, case: Case, text: str) -> str:
    """The reply as it is posted (channels.services.reply_text_for) and measured: the
    mention first, unless the text already starts with it."""
    text = text.strip()
    prefix = reply_prefix(case)
    if prefix and text.lower().startswith(prefix.strip().lower()):
        return text
    return prefix + text


def reply_length(*, platform: str, text: str) -> int:
    """Characters as the platform counts them: Mastodon and X count a link as 23,
    Mastodon counts a remote @user@server mention as @user; code points, not bytes."""
    if platform in (Platform.MASTODON, Platform.X):
        text = _SCHEME_URL.sub("x" * LINK_WEIGHT, text)
    if platform == Platform.MASTODON:
        text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return len(text)


def find_links(text: str) -> list[str]:
    """Every link in the text: with a scheme, or a bare domain with an optional path."""
    without_handles = _EMAIL.sub(" ", _MENTION.sub(" ", text))
    links = [m.group(0).rstrip(_TRAILING) for m in _SCHEME_URL.finditer(without_handles)]
    rest = _SCHEME_URL.sub(" ", without_handles)
    links += [m.group(0).rstrip(_TRAILING) for m in _BARE_URL.finditer(rest)]
    return links


def link_host(link: str) -> str:
    if "://" not in link:
        link = "http://" + link
    try:
        return (urlsplit(link).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def domain_allowed(host: str, allowed: list[str]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in allowed)


def _plain_words(text: str) -> str:
    """The text without links and handles, which skew both language and readability."""
    text = _SCHEME_URL.sub(" ", text)
    text = _EMAIL.sub(" ", _MENTION.sub(" ", text))
    text = _BARE_URL.sub(" ", text)
    return " ".join(text.split())


def detect_language(text: str) -> str | None:
    """en or fr, or None when the text is too short to tell or in another language.

    The ingest's detector, so that one py3langid model is loaded per process."""

    words = _plain_words(text)
    if len(words.split()) < MIN_WORDS_FOR_LANGUAGE:
        return None
    language = language_detect(words)
    return language if language in ("en", "fr") else None


@cache
def _readability(language: str) -> Any:
    """One textstat calculator per language. textstat's module-level set_lang() is
    global state shared by every thread; a private instance whose language is set once
    here and never changed again is safe to share."""

    calculator = textstatistics()
    calculator.set_lang("fr_FR" if language == "fr" else "en_US")
    return calculator


@cache
def _hyphenator(language: str) -> Any:

    return Pyphen(lang="fr_FR" if language == "fr" else "en_US")


_readability_lock = threading.Lock()
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


def _french_grade(reading_ease: float) -> float:
    """Kandel & Moles' French reading ease on Flesch's scale, read as a school grade
    with Flesch's own table (90+ grade 5 ... below 30 university)."""
    for floor, grade in ((90, 5), (80, 6), (70, 7), (60, 8.5), (50, 11), (30, 14)):
        if reading_ease >= floor:
            return float(grade)
    return 17.0


def readability_grade(text: str, language: str) -> float | None:
    """A school grade for the text, or None when there are no words to score.

    French: textstat's Kandel-Moles reading ease (fr_FR). English: Flesch-Kincaid
    with textstat's sentence count and Pyphen syllables, because textstat's English
    syllable counter downloads the CMU dictionary from the internet at first use, and
    nothing here may fetch from the internet at run time.
    """
    words = _plain_words(text)
    if not words:
        return None
    language = "fr" if language == "fr" else "en"
    with _readability_lock:
        calculator = _readability(language)
        hyphenator = _hyphenator(language)
    if language == "fr":
        return _french_grade(float(calculator.flesch_reading_ease(words)))
    tokens = _WORD.findall(words)
    if not tokens:
        return None
    sentences = max(1, int(calculator.sentence_count(words)))
    syllables = sum(len(hyphenator.positions(t.lower())) + 1 for t in tokens)
    grade = 0.39 * len(tokens) / sentences + 11.8 * syllables / len(tokens) - 15.59
    return max(0.0, grade)


@dataclass(frozen=True)
class CheckInput:
    """What every check reads: the case (its platform, handle and language), the text
    as written (without the @handle the poster adds) and the reply's language."""

    case: Case
    text: str
    language: str
    detected: str | None


def _length_check(c: CheckInput) -> CheckResult:
    """Length, with the @handle the poster adds."""
    limit = platform_limit(c.case.platform)
    length = reply_length(platform=c.case.platform, text=full_reply_text(case=c.case, text=c.text))
    if length > limit:
        return CheckResult(
            "length",
            ERROR,
            _("%(length)s characters with the handle: %(over)s over the %(limit)s limit.")
            % {"length": length, "over": length - limit, "limit": limit},
        )
    return CheckResult(
        "length",
        OK,
        _("%(length)s of %(limit)s characters with the handle.")
        % {"length": length, "limit": limit},
    )


def _language_check(c: CheckInput) -> CheckResult | None:
    """The citizen's language, when we know it."""
    names = {
        "en": pgettext("language name inside a sentence", "English"),
        "fr": pgettext("language name inside a sentence", "French"),
    }
    citizen = c.case.language
    if citizen in ("en", "fr") and c.detected and c.detected != citizen:
        return CheckResult(
            "language",
            WARNING,
            _("The reply looks %(reply)s but the citizen wrote in %(citizen)s.")
            % {"reply": names[c.detected], "citizen": names[citizen]},
        )
    if c.detected:
        return CheckResult(
            "language", OK, _("The reply is in %(language)s.") % {"language": names[c.detected]}
        )
    return None


def _links_check(c: CheckInput) -> CheckResult | None:
    """Links only to allowed domains."""
    allowed = list(getattr(settings, "ALLOWED_LINK_DOMAINS", []))
    links = find_links(c.text)
    bad = sorted({link for link in links if not domain_allowed(link_host(link), allowed)})
    if bad:
        return CheckResult(
            "links",
            ERROR,
            _("Links to domains that are not allowed: %(links)s. Allowed: %(allowed)s.")
            % {"links": ", ".join(bad), "allowed": ", ".join(allowed)},
        )
    if links:
        return CheckResult("links", OK, _("Every link points to an allowed domain."))
    return None


def _readability_check(c: CheckInput) -> CheckResult | None:
    """Plain language, scored with the formula of the language the reply is written in."""
    grade = readability_grade(c.text, c.detected or c.language)
    if grade is None:
        return None
    if grade > READABILITY_MAX_GRADE:
        return CheckResult(
            "readability",
            WARNING,
            _(
                "Reading level about grade %(grade)s; plain language aims at grade "
                "%(max)s or lower. Try shorter sentences and words."
            )
            % {"grade": f"{grade:.0f}", "max": READABILITY_MAX_GRADE},
        )
    return CheckResult(
        "readability", OK, _("Reading level about grade %(grade)s.") % {"grade": f"{grade:.0f}"}
    )


def _personal_information_check(c: CheckInput) -> CheckResult | None:
    """No personal information in a reply: a government team never repeats a citizen's
    numbers, and a reply is public. The department's allow-list (its own line and
    offices) is respected; a library answer, with no department, is held to all."""
    department = c.case.department if c.case.department_id else None
    findings = personal_information_in(c.text, department=department)
    if not findings:
        return None
    kinds = ", ".join(str(PiiKind(k).label).lower() for k in pii_kinds(findings))
    return CheckResult(
        "personal_information",
        ERROR,
        _(
            "The reply contains personal information (%(kinds)s). Remove it: never repeat "
            "a citizen's numbers or addresses in a reply."
        )
        % {"kinds": kinds},
        spans=tuple((f.kind, f.start, f.end) for f in findings),
    )


_TOLL_FREE = re.compile(r"^\+?1?(800|833|844|855|866|877|888)\d{7}$")


def _institutional(kind: str, value: str) -> bool:
    """What a reply may give: an address at an allowed (government) domain, and a
    toll-free line (800, 833...), which only organisations have."""
    if kind == PiiKind.EMAIL:
        host = value.rsplit("@", 1)[-1].lower()
        return domain_allowed(host, list(getattr(settings, "ALLOWED_LINK_DOMAINS", [])))
    if kind == PiiKind.PHONE:
        return bool(_TOLL_FREE.match(re.sub(r"\D", "", value)))
    return False


def personal_information_in(text: str, *, department: Any = None) -> list[Finding]:
    """The personal information in outgoing `text` (API /checks/ and the check above):
    the citizen-side detection, with the department's allow-list when there is one,
    less government addresses and toll-free lines."""
    found = pii_find(text) if department is None else pii_find_for(text, department=department)
    return [f for f in found if not _institutional(f.kind, text[f.start : f.end])]


def _empty_check(c: CheckInput) -> CheckResult | None:
    if c.text.strip():
        return None
    return CheckResult("empty", ERROR, _("The reply is empty."))


# Every check, in the order they are shown. A check answers ERROR to block the text on
# every path (officer's submit, reviewer's edit, revision, library editor) or WARNING
# to be shown beside the editor only. A new check (personal information, say) is one
# function appended here: every path picks it up.
CHECKS: list[Callable[[CheckInput], CheckResult | None]] = [
    _empty_check,
    _length_check,
    _language_check,
    _links_check,
    _personal_information_check,
    _readability_check,
]


# An outgoing post's text as one draft: threads (English, French) separated by a line
# "===", the posts of a thread by a line "---". Each post is checked on its own.
THREAD_BREAK = "==="
POST_BREAK = "---"


def outgoing_threads(text: str) -> list[list[str]]:
    """The threads of an outgoing post's draft text, each a list of non-empty posts."""
    threads: list[list[str]] = [[]]
    current: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        marker = line.strip()
        if marker in (THREAD_BREAK, POST_BREAK):
            threads[-1].append("\n".join(current).strip())
            current = []
            if marker == THREAD_BREAK:
                threads.append([])
            continue
        current.append(line)
    threads[-1].append("\n".join(current).strip())
    return [[p for p in thread if p] for thread in threads if any(thread)]


def outgoing_text(threads: list[list[str]]) -> str:
    """The inverse of `outgoing_threads`."""
    return f"\n{THREAD_BREAK}\n".join(
        f"\n{POST_BREAK}\n".join(post.strip() for post in thread) for thread in threads
    )


def outgoing_checks(*, case: Case, text: str, language: str | None = None) -> list[CheckResult]:
    """All the checks on the reply `text` to `case`, in the order they are shown. For
    an outgoing post, every post of its threads is checked on its own (length per
    platform), each message naming the post."""
    if case.source == OUTGOING_SOURCE:
        posts = [post for thread in outgoing_threads(text) for post in thread]
        if len(posts) <= 1:
            return _checks(case=case, text=posts[0] if posts else "", language=language)
        results = []
        for number, post in enumerate(posts, start=1):
            for r in _checks(case=case, text=post, language=language):
                message = _("Post %(number)s: %(message)s") % {
                    "number": number,
                    "message": r.message,
                }
                results.append(CheckResult(r.code, r.level, message))
        return results
    return _checks(case=case, text=text, language=language)


def _checks(*, case: Case, text: str, language: str | None) -> list[CheckResult]:
    language = language if language in ("en", "fr") else None
    language = language or (case.language if case.language in ("en", "fr") else "en")
    detected = detect_language(text) if text.strip() else None
    subject = CheckInput(case=case, text=text, language=language, detected=detected)
    return [r for check in CHECKS if (r := check(subject)) is not None]


class OutgoingTextRefused(ValidationError):
    """The project's ValidationError for text that fails a hard check: the message
    lists the hard checks' own messages (the same words on every path); `results`
    are all the checks, for showing beside the editor."""

    def __init__(self, results: list[CheckResult], *, where: str = "") -> None:
        errors = " ".join(r.message for r in results if r.level == ERROR)
        if where:
            message = _("%(where)s: %(errors)s") % {"where": where, "errors": errors}
        else:
            message = _("The reply cannot be sent: %(errors)s") % {"errors": errors}
        super().__init__(message, code="checks_failed")
        self.results = results


def outgoing_checks_require(
    *, case: Case, text: str, language: str | None = None
) -> list[CheckResult]:
    """The checks on `text`; raises OutgoingTextRefused when a hard check fails. Every
    path that changes outgoing text calls this (or outgoing_checks to only show)."""
    results = outgoing_checks(case=case, text=text, language=language)
    if has_errors(results):
        raise OutgoingTextRefused(results)
    return results


# A library answer has no citizen yet: it is checked as a reply on every platform to a
# handle this long ("@" + 28 characters + a space), which covers most real handles.
LIBRARY_HANDLE = "h" * 28


def library_text_require(*, text_en: str, text_fr: str) -> None:
    """Check a library answer's English and French text as a reply on each platform
    would be checked; raises OutgoingTextRefused naming the language and platform."""
    names = {
        "en": pgettext("language name inside a sentence", "English"),
        "fr": pgettext("language name inside a sentence", "French"),
    }
    for language, text in (("en", text_en), ("fr", text_fr)):
        for platform in PLATFORM_LIMITS:
            probe = Case(platform=platform, language=language, author_handle=LIBRARY_HANDLE)
            results = outgoing_checks(case=probe, text=text, language=language)
            if has_errors(results):
                where = _("The %(language)s text, as a reply on %(platform)s") % {
                    "language": names[language],
                    "platform": Platform(platform).label,
                }
                raise OutgoingTextRefused(results, where=where)


def has_errors(results: list[CheckResult]) -> bool:
    return any(r.level == ERROR for r in results)


def warm_up() -> None:
    """Load the language model, hyphenation dictionaries and textstat now (about 3 s),
    rather than in the first officer's request; safe to call from a worker's start."""
    outgoing_checks(
        case=Case(platform="mastodon", language="en", author_handle="warm"),
        text="Warming up the checks. Nous préparons les vérifications.",
    )
    readability_grade("Une phrase en français pour charger le dictionnaire.", "fr")
