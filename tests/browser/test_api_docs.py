"""The API docs really render in Chromium under the site's Content Security Policy."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_every_operation_without_csp_violations(page, live_server):
    problems: list[str] = []
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)

    assert page.locator(".info .title").inner_text().startswith("Responder API")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/cases/{id}/claim/" in [p.replace("\u200b", "") for p in paths]
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
    assert not problems, problems
