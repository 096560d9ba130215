"""WCAG 2.1 1.4.10 Reflow: at 320 CSS pixels wide, no page scrolls sideways. Wide
data tables scroll inside their own box, which the criterion allows."""

from __future__ import annotations

import pytest

from responder.inbox import services
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
    page.goto(url)
    page.wait_for_load_state("networkidle")
    result = page.evaluate(OVERFLOW)
    assert not result["sideways"], f"{url} scrolls sideways at 320px: {result['culprits']}"


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_the_officers_pages_reflow_at_320_pixels(page, live_server, team) -> None:
    case = team.case(text="A question long enough to wrap " * 5)
    services.case_claim(case_id=case.pk, actor=team.officer, via="web")
    _fits(page, f"{live_server.url}/accounts/login/")
    login(page, live_server.url, "olivia")
    for path in ("/", f"/cases/{case.pk}/", "/library/", "/review/mine/"):
        _fits(page, live_server.url + path)


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
