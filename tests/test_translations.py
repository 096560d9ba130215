"""Every string a person reads exists in French: the catalogue is complete.

makemessages is run on a copy of the code (the repository's catalogue is not touched)
and every message must have a French translation that is neither empty nor fuzzy.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("responder", "workflows", "templates", "locale", "manage.py")


def _entries(po: str) -> list[tuple[str, str, bool]]:
    """(msgid, all msgstr text, fuzzy) of each entry but the header."""
    entries = []
    for block in po.split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        text = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = "".join(re.findall(r'"(.*)"', text.split("msgstr")[0].split("msgid_plural")[0]))
        msgstr = "".join(re.findall(r'"(.*)"', "\n".join(p for p in text.split("msgstr")[1:])))
        if "msgid" in text and msgid:
            entries.append((msgid, msgstr, fuzzy))
    return entries


def test_every_message_has_a_french_translation(tmp_path: Path) -> None:
    assert shutil.which("xgettext"), "gettext is missing: `make test` installs it"
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale=fr", "--no-obsolete", "-v", "0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    entries = _entries((tmp_path / "locale/fr/LC_MESSAGES/django.po").read_text())
    assert len(entries) > 500
    missing = [msgid for msgid, msgstr, fuzzy in entries if not msgstr or fuzzy]
    assert not missing, f"{len(missing)} messages without a French translation: {missing[:20]}"
