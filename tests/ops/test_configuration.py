"""Every variable settings.py reads is listed in .env.example (CONVENTIONS: ".env.example
lists every variable"), and the README documents the operations settings."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_variable_read_by_settings_is_in_env_example() -> None:
    settings_py = (ROOT / "responder" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list|url)\(\s*"([A-Z0-9_]+)"', settings_py))
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read - listed == set()


def test_the_readme_links_the_operations_guide_and_names_the_endpoints() -> None:
    readme = (ROOT / "README.md").read_text()
    for needle in ("docs/OPERATIONS.md", "/healthz", "/readyz", "/metrics", "/ops/status/"):
        assert needle in readme
    assert "METRICS_TOKEN" in readme
