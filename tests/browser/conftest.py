"""Browser journeys: Playwright driving Debian's Chromium against a live server, with axe.

Every page a journey visits is checked with axe for WCAG 2.2 AA (and A) failures; a journey that
visits a page without checking it fails at teardown.
"""

from __future__ import annotations

import json
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, sync_playwright

from tests.factories import PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.fail("Chromium is not installed: sudo apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Journey:
    """One person's browser, with axe run on each page they see."""

    axe = Axe()

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.unchecked: list[str] = []
        page.on("load", self._loaded)

    def _loaded(self, page: Page) -> None:
        if page.url.startswith(self.base_url):
            self.unchecked.append(page.url)

    def visit(self, path: str) -> Page:
        self.page.goto(self.base_url + path)
        self.check_accessibility()
        return self.page

    def check_accessibility(self) -> None:
        self.page.wait_for_load_state("load")
        results = self.axe.run(
            self.page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        assert not violations, f"axe found problems on {self.page.url}:\n" + json.dumps(
            [
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "help": v["help"],
                    "nodes": [n["html"][:200] for n in v["nodes"][:5]],
                }
                for v in violations
            ],
            indent=2,
        )
        self.unchecked = [url for url in self.unchecked if url != self.page.url]

    def submit(self, button_text: str) -> Page:
        """Click a button or link that loads a new page, then check that page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button_text, exact=True).or_(
                self.page.get_by_role("link", name=button_text, exact=True)
            ).first.click()
        self.check_accessibility()
        return self.page

    def follow(self, link_text: str) -> Page:
        with self.page.expect_navigation():
            self.page.get_by_role("link", name=link_text, exact=True).first.click()
        self.check_accessibility()
        return self.page

    def sign_in(self, username: str, password: str = PASSWORD) -> Page:
        """Sign in with a password and, when asked, the code from the person's authenticator
        app (one is given to them here if they have none)."""
        from partners.models import User
        from tests.conftest import authenticator_code, authenticator_for

        user = User.objects.filter(username=username).first()
        device = authenticator_for(user) if user is not None else None
        self.visit("/sign-in/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.submit("Sign in")
        if device is not None and self.page.url.endswith("/sign-in/two-factor/"):
            self.page.get_by_label("Code", exact=True).fill(authenticator_code(device))
            self.submit("Continue")
        return self.page

    def fill(self, label: str, value: str) -> None:
        self.page.get_by_label(label, exact=True).fill(value)

    def choose(self, label: str) -> None:
        self.page.get_by_label(label, exact=True).check()

    def text(self) -> str:
        return self.page.locator("main").inner_text()


@pytest.fixture
def journey(chromium, live_server, transactional_db):
    """Open a fresh browser (no cookies) for one person; call it again for another person."""
    contexts = []
    journeys = []

    def open_browser() -> Journey:
        context = chromium.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        journeys.append(Journey(context.new_page(), live_server.url))
        return journeys[-1]

    yield open_browser
    for context in contexts:
        context.close()
    for each in journeys:
        assert not each.unchecked, f"pages visited without an accessibility check: {each.unchecked}"
