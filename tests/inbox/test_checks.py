"""Outgoing-content checks: what an officer is told before a reply leaves."""

from __future__ import annotations

import threading

import pytest

from responder.inbox.checks import (
    ERROR,
    OK,
    WARNING,
    find_links,
    has_errors,
    outgoing_checks,
    readability_grade,
    reply_length,
)
from responder.inbox.models import Case

PLAIN_EN = "Standard processing takes 10 business days. Check canada.ca/passports for details."
PLAIN_FR = "Le traitement prend 10 jours. Voir canada.ca/passeports pour les détails."
DENSE_EN = (
    "Notwithstanding the aforementioned considerations, applicants must demonstrate "
    "eligibility pursuant to the applicable regulatory framework governing international "
    "travel documentation."
)
DENSE_FR = (
    "Nonobstant les considérations susmentionnées, les demandeurs doivent démontrer leur "
    "admissibilité conformément au cadre réglementaire applicable régissant les documents "
    "de voyage internationaux."
)


def case(platform: str = "mastodon", language: str = "en", handle: str = "jo") -> Case:
    # Unsaved: the checks read only these fields.
    return Case(platform=platform, language=language, author_handle=handle)


def by_code(results, code):
    return next(r for r in results if r.code == code)


@pytest.mark.parametrize(("platform", "limit"), [("mastodon", 500), ("bluesky", 300), ("x", 280)])
def test_length_limit_per_platform_counts_the_handle(platform, limit):
    handle = "someone"
    prefix = 0 if platform == "x" else len(f"@{handle} ")
    fits = "a" * (limit - prefix)
    assert (
        by_code(outgoing_checks(case=case(platform, handle=handle), text=fits), "length").level
        == OK
    )
    over = by_code(outgoing_checks(case=case(platform, handle=handle), text=fits + "b"), "length")
    assert over.level == ERROR and "1 over" in over.message
    assert has_errors(outgoing_checks(case=case(platform, handle=handle), text=fits + "b"))


def test_mastodon_counts_links_as_23_and_remote_handles_as_local():
    text = "@jo@mastodon.example see https://www.canada.ca/en/immigration-refugees-citizenship.html"
    assert reply_length(platform="mastodon", text=text) == len("@jo see ") + 23
    assert reply_length(platform="bluesky", text="é" * 10) == 10


def test_reply_in_another_language_than_the_citizen_is_a_warning():
    results = outgoing_checks(case=case(language="en"), text=PLAIN_FR)
    language = by_code(results, "language")
    assert language.level == WARNING and "French" in language.message
    assert not has_errors(results)
    assert by_code(outgoing_checks(case=case(language="fr"), text=PLAIN_FR), "language").level == OK


def test_language_is_not_guessed_from_a_few_words():
    assert not [r for r in outgoing_checks(case=case(), text="Merci!") if r.code == "language"]


@pytest.mark.parametrize(
    "text",
    [
        "See https://evil.example.com/renew",
        "See bit.ly/xyz now",
        "Go to http://canada.ca.evil.example/",
        "Try www.example.org.",
    ],
)
def test_links_to_other_domains_are_errors(text):
    results = outgoing_checks(case=case(), text=text)
    assert by_code(results, "links").level == ERROR
    assert has_errors(results)


@pytest.mark.parametrize(
    "text",
    [
        "See https://www.canada.ca/en/services.html.",
        "See canada.ca/passports, or travel.gc.ca!",
        "Write to passeport@gc.ca or ask @help@mastodon.example",
    ],
)
def test_allowed_domains_emails_and_handles_pass(text):
    assert not has_errors(outgoing_checks(case=case(), text=text))


def test_allowed_domains_come_from_settings(settings):
    settings.ALLOWED_LINK_DOMAINS = ["example.org"]
    assert not has_errors(outgoing_checks(case=case(), text="See https://docs.example.org/a"))
    assert has_errors(outgoing_checks(case=case(), text="See https://www.canada.ca/"))


def test_find_links_strips_trailing_punctuation():
    assert find_links("Visit canada.ca/passports.") == ["canada.ca/passports"]
    assert find_links("(https://gc.ca/x), and more") == ["https://gc.ca/x"]


def test_hard_reading_is_a_warning_in_english_and_french():
    for text, language in ((DENSE_EN, "en"), (DENSE_FR, "fr")):
        results = outgoing_checks(case=case(language=language), text=text)
        readability = by_code(results, "readability")
        assert readability.level == WARNING, (language, readability)
        assert not has_errors(results)
    for text, language in ((PLAIN_EN, "en"), (PLAIN_FR, "fr")):
        readability = by_code(
            outgoing_checks(case=case(language=language), text=text), "readability"
        )
        assert readability.level == OK, (language, readability)


def test_french_formula_is_used_for_french_text_whatever_ran_before():
    """textstat's module-level language is global; ours never touches it, so scores
    stay the same while other threads score the other language."""
    expected_en = readability_grade(DENSE_EN, "en")
    expected_fr = readability_grade(PLAIN_FR, "fr")
    results: list[tuple[float | None, float | None]] = []

    def work() -> None:
        for _ in range(30):
            results.append((readability_grade(DENSE_EN, "en"), readability_grade(PLAIN_FR, "fr")))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(results) == {(expected_en, expected_fr)}
    assert expected_fr is not None and expected_fr <= 8
