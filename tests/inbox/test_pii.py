"""Personal information is found in English and French posts, with checksums where a
number has one, never on the department's own numbers, and masked without losing the
shape an officer needs."""

from __future__ import annotations

import pytest

from responder.inbox.pii import (
    AllowList,
    PiiKind,
    compile_patterns,
    pii_find,
    pii_kinds,
    pii_mask,
    pii_redact,
)
from tests.inbox.pii_set import ALLOW_LIST, POSTS


def kinds(text: str, **kwargs: object) -> list[str]:
    return pii_kinds(pii_find(text, **kwargs))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("my SIN is 241 672 112", PiiKind.SIN),
        ("mon NAS est 342-143-047", PiiKind.SIN),
        ("passport number AB123456", PiiKind.PASSPORT),
        ("numéro de passeport : HK998877", PiiKind.PASSPORT),
        ("call me at 613-555-0142", PiiKind.PHONE),
        ("appelez-moi au 514 555 0199", PiiKind.PHONE),
        ("email jane@example.com", PiiKind.EMAIL),
        ("courriel : luc@exemple.ca", PiiKind.EMAIL),
        ("moved to K1A 0B1", PiiKind.POSTAL_CODE),
        ("code postal h2x1y4", PiiKind.POSTAL_CODE),
        ("I live at 1200 Maple Street", PiiKind.ADDRESS),
        ("j'habite au 45, rue Principale", PiiKind.ADDRESS),
        ("born on 1990-05-14", PiiKind.BIRTH_DATE),
        ("née le 3 mars 1985", PiiKind.BIRTH_DATE),
        ("card 4111 1111 1111 1111", PiiKind.CARD),
        ("carte 5500-0000-0000-0004", PiiKind.CARD),
        ("application number 2026-4481-22", PiiKind.FILE_NUMBER),
        ("numéro de dossier PP-778812", PiiKind.FILE_NUMBER),
    ],
)
def test_each_kind_is_found_in_english_and_french(text: str, kind: str) -> None:
    assert kinds(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "my SIN is 241 672 113",  # checksum off by one
        "the code is 168 403 880",
        "card 4111 1111 1111 1112",
        "carte 5500-0000-0000-0005",
    ],
)
def test_numbers_with_a_wrong_checksum_are_not_flagged(text: str) -> None:
    assert kinds(text) == []


def test_a_sin_starting_with_zero_counts_only_when_called_a_sin() -> None:
    assert kinds("CRA's sample SIN 046 454 286") == [PiiKind.SIN]
    assert kinds("reference 046 454 286 on the envelope") == []


def test_the_departments_own_numbers_and_addresses_are_never_flagged() -> None:
    allow = AllowList.of(["1-800-567-6868", "22 de Varennes Street, Gatineau"])
    text = "Your line 1 (800) 567-6868 and the office at 22 de Varennes Street, Gatineau"
    assert kinds(text) == [PiiKind.PHONE, PiiKind.ADDRESS]
    assert kinds(text, allow=allow) == []
    assert kinds("call me at 613-555-0142", allow=allow) == [PiiKind.PHONE]


def test_a_department_adds_its_own_file_number_pattern() -> None:
    text = "my claim PX-2026-00441 is late"
    assert kinds(text) == []
    patterns = compile_patterns([r"\bPX-\d{4}-\d{5}\b"])
    assert kinds(text, file_patterns=patterns) == [PiiKind.FILE_NUMBER]


def test_masking_keeps_the_shape_and_the_last_digits_of_a_number() -> None:
    text = "SIN 046 454 286, call 613-555-0142, jane@example.com"
    masked = pii_mask(text, pii_find(text))
    assert "•••-•••-286" not in masked  # spaces are kept, not turned into dashes
    assert "••• ••• 286" in masked
    assert "•••-•••-•142" in masked
    assert "jane" not in masked and "example" not in masked and "@" in masked
    assert len(masked) == len(text)


def test_redaction_replaces_each_finding_by_its_kind() -> None:
    text = "my SIN is 241 672 112, thanks"
    redacted = pii_redact(text, pii_find(text))
    assert redacted == "my SIN is [Social insurance number], thanks"


def test_findings_say_where_and_what_never_the_value() -> None:
    text = "SIN 241 672 112"
    (finding,) = pii_find(text)
    assert finding.as_dict() == {"kind": "sin", "start": 4, "end": 15}


def test_the_labelled_set_recall_and_false_positives() -> None:
    """At least 150 EN/FR posts: recall of the kinds present >= 0.97, and at most 3%
    of the posts without personal information flagged."""
    allow = AllowList.of(ALLOW_LIST)
    found = missed = 0
    negatives = flagged = 0
    wrong: list[str] = []
    for text, expected in POSTS:
        got = set(kinds(text, allow=allow))
        found += len(got & expected)
        missed += len(expected - got)
        if not expected:
            negatives += 1
            flagged += bool(got)
        if got != expected:
            wrong.append(f"{sorted(expected)} vs {sorted(got)}: {text}")
    recall = found / (found + missed)
    false_positive_rate = flagged / negatives
    print(
        f"\npersonal information: {len(POSTS)} posts, recall {recall:.3f}, "
        f"false positives {flagged}/{negatives} ({false_positive_rate:.1%})"
    )
    assert len(POSTS) >= 150 and negatives >= 60
    assert recall >= 0.97, wrong
    assert false_positive_rate <= 0.03, wrong


@pytest.mark.django_db
def test_the_departments_settings_apply() -> None:
    from responder.inbox.pii import pii_find_for
    from responder.testing.factories import DepartmentFactory

    department = DepartmentFactory(
        pii_allow_list="1-800-567-6868\n", pii_file_patterns=r"\bPX-\d{4}-\d{5}\b"
    )
    text = "Your line 1-800-567-6868 never answers; my claim PX-2026-00441 is late"
    assert pii_kinds(pii_find_for(text, department=department)) == [PiiKind.FILE_NUMBER]


@pytest.mark.django_db
def test_a_malformed_pattern_is_refused_with_its_line() -> None:
    from django.core.exceptions import ValidationError

    from responder.testing.factories import DepartmentFactory

    department = DepartmentFactory(pii_file_patterns="ok\n(unclosed")
    with pytest.raises(ValidationError, match="Line 2"):
        department.full_clean()


@pytest.mark.django_db
def test_a_text_read_again_follows_the_departments_new_settings() -> None:
    """Findings are remembered per text for the lists read all day; a department's new
    allow-list or pattern still applies at once to a text read before."""
    from responder.inbox.pii import pii_find_for
    from responder.testing.factories import DepartmentFactory

    department = DepartmentFactory()
    text = "Call me at 613-555-0143 about claim PX-2026-00441"
    assert pii_kinds(pii_find_for(text, department=department)) == [PiiKind.PHONE]
    department.pii_allow_list = "613-555-0143"
    department.pii_file_patterns = r"\bPX-\d{4}-\d{5}\b"
    assert pii_kinds(pii_find_for(text, department=department)) == [PiiKind.FILE_NUMBER]
    department.pii_allow_list = department.pii_file_patterns = ""
    assert pii_kinds(pii_find_for(text, department=department)) == [PiiKind.PHONE]
