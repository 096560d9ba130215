"""Template source checks: mistakes that render as stray text on a page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).resolve().parents[1] / "templates").rglob("*.html"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.name))
def test_comments_close_on_their_own_line(path: Path) -> None:
    # Django's {# #} comment is one line only: left open, it is printed on the page,
    # text and all. A longer comment needs {% comment %}.
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        for opened in re.finditer(r"\{#", line):
            assert "#}" in line[opened.end() :], (
                f"{path.name}:{number}: a {{# comment not closed on its line"
            )


def test_there_are_templates_to_check() -> None:
    assert len(TEMPLATES) > 10
