"""WCAG 2.1 1.4.10 Reflow: at 320 CSS pixels wide, no page scrolls sideways (wide data
tables scroll inside their own box, which the criterion allows); and the refusal page
passes axe-core in both languages."""

from __future__ import annotations

import pytest

from responder.inbox import services
from tests.browser.a11y import assert_no_axe_violations
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const sideways = document.documentElement.scrollWidth > width;
  const culprits = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1 && !e.closest('.table-wrap'))
    .slice(0, 5).map(e => e.tagName + '.' + e.className);
  return {sideways, culprits};
}"""


def _fits(page, url: str) -> None:
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    # The page measured is the page asked for: not a redirect to the sign-in form,
    # nor a refusal or error page (which would reflow for the wrong reason).
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    assert page.url == url, f"{url} led to {page.url}"
    result = page.evaluate(OVERFLOW)
    assert not result["sideways"], f"{url} scrolls sideways at 320px: {result['culprits']}"


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_officers_pages_reflow_at_320_pixels(page, live_server, team) -> None:
    # A long handle with no place to break (handles of 30+ characters are common).
    case = team.case(
        text="A question long enough to wrap " * 5,
        author_handle="a_long_handle_without_breaks_at_all@mastodon.example.social",
    )
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    _fits(page, f"{live_server.url}/accounts/login/")
    login(page, live_server.url, "olivia")
    for path in ("/", f"/cases/{case.pk}/", "/library/"):
        _fits(page, live_server.url + path)
    login(page, live_server.url, "sam")  # "Waiting for me" is a reviewer's page
    _fits(page, f"{live_server.url}/review/mine/")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_admins_pages_reflow_at_320_pixels(page, live_server, team) -> None:
    login(page, live_server.url, "admin")
    paths = (
        "/analytics/",
        "/analytics/what-if/",
        "/settings/policies/",
        "/settings/policies/rules/",
        "/settings/policies/preview/",
    )
    for path in paths:
        _fits(page, live_server.url + path)


def test_refusal_and_error_pages_pass_axe_in_both_languages(page, live_server, team) -> None:
    login(page, live_server.url, "olivia")
    headings = {
        "en": "Your account cannot open this page",
        "fr": "Votre compte ne peut pas ouvrir cette page",
    }
    for lang, heading in headings.items():
        page.goto(f"{live_server.url}/analytics/")  # an officer: refused, with the reason
        assert page.locator("h1").inner_text() == heading
        assert_no_axe_violations(page)
        if lang == "en":
            page.get_by_role("button", name="Français").click()
            page.wait_for_load_state("load")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_policy_editors_layer_box_fits_at_320_pixels(page, live_server, team) -> None:
    """Issue #14: the layer box was 440 px wide at 320 px (its reviewer menus)."""
    from responder.testing.factories import person
    from workflows.models import ApprovalPolicy

    # Long reviewer names widen the menus, as real names and usernames do.
    person("sme", team.department, username="a_reviewer_with_a_really_long_username")
    policy = ApprovalPolicy.objects.get(name="New answer")
    login(page, live_server.url, "admin")
    _fits(page, f"{live_server.url}/settings/policies/{policy.pk}/")
    width = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('fieldset.layer')]"
        ".map(f => f.getBoundingClientRect().width))"
    )
    assert width <= 320
