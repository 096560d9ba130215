"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright against
Django's live server. A failing test leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by
# the test itself (fixtures, assertions) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context and page per test (desktop size unless a test asks)."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, locale="en-CA")  # type: ignore[attr-defined]
    page = context.new_page()
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def login(
    page: object, live_server_url: str, username: str, password: str = "correct-horse-battery"
) -> None:
    """Sign in through the real login form, and wait until the page it leads to has
    loaded (its scripts, htmx included, have run): a test that goes on as soon as the
    rows are in the DOM could otherwise call htmx before it exists."""
    page.goto(f"{live_server_url}/accounts/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    with page.expect_navigation(wait_until="load"):  # type: ignore[attr-defined]
        page.click("button[type=submit], input[type=submit]")  # type: ignore[attr-defined]
    # Signed in, not sent back to the form with an error: a test that goes on from a
    # failed sign-in would measure and check the login page instead of its own.
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"  # type: ignore[attr-defined]
    assert page.locator("input[name=password]").count() == 0  # type: ignore[attr-defined]
