"""axe-core in the browser tests: `assert_no_axe_violations(page)` fails listing every
WCAG 2.1 A/AA violation on the page as it is now.

axe-core comes from the axe-playwright-python package (its bundled axe.min.js), so
nothing is fetched. The script is run with page.evaluate, which the page's Content
Security Policy does not govern (add_script_tag would insert an inline <script> that
the CSP blocks).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import axe_playwright_python

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _axe_source() -> str:
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_run(page: Any, *, tags: list[str] | None = None, context: str | None = None) -> dict:
    """Inject axe-core (once per document) and return axe.run's results."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated as a script through the DevTools protocol: not subject to the CSP.
        page.evaluate(_axe_source() + "\n;true")
    options = {
        "runOnly": {"type": "tag", "values": tags or WCAG_TAGS},
        "resultTypes": ["violations"],
    }
    return page.evaluate(
        "([ctx, opts]) => window.axe.run(ctx || document, opts)", [context, options]
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v.get('helpUrl', '')}>")
        for node in v.get("nodes", [])[:5]:
            target = json.dumps(node.get("target"))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {summary[:300]}")
    return "\n".join(lines)


def assert_no_axe_violations(page: Any, *, tags: list[str] | None = None) -> None:
    """Fail with a readable list if axe-core finds any WCAG 2.1 A/AA violation."""
    results = axe_run(page, tags=tags)
    violations = results.get("violations", [])
    if violations:
        raise AssertionError(
            f"axe-core found {len(violations)} accessibility violation(s) on {page.url}:\n"
            + format_violations(violations)
        )
