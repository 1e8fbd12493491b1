"""Browser fixtures: one browser per test module, one context per person.

Journeys run in Chromium; a journey marked ``@pytest.mark.browsers("chromium",
"firefox")`` runs in each browser named. Firefox is Debian's own, driven
through the WebDriver BiDi protocol it speaks natively.

Every page a journey visits goes through ``assert_accessible``, which runs
axe-core with the WCAG 2.2 AA rule set and fails with a readable list of what
it found.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from conftest import chromium_path, firefox_path
from marblejar.test import PASSWORD

# Playwright's sync API drives an event loop in the test thread; Django's
# async-safety check would otherwise refuse the test's own database access.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
VIEWPORT = {"width": 1280, "height": 800}
# Firefox reports the style element Playwright adds to a page while it takes a
# screenshot (it hides the caret) as refused by the page's CSP; that style, and
# only it (its hash), is not the page's.
PLAYWRIGHT_SCREENSHOT_STYLE = "sha256-YjaKGiklmzC6wjXA513HAMmzus8VE61XCOT+SmwNZWA="
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Where journeys save screenshots for the README when asked to
# (MARBLEJAR_SCREENSHOT_DIR=docs/screenshots); otherwise a temporary folder.
SCREENSHOT_DIR_ENV = "MARBLEJAR_SCREENSHOT_DIR"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("browsers")
    if marker and "browser" in metafunc.fixturenames:
        metafunc.parametrize("browser_name", marker.args, scope="module")


@pytest.fixture(scope="module")
def browser_name() -> str:
    return "chromium"


@pytest.fixture(scope="module")
def browser(browser_name: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        if browser_name == "firefox":
            browser = playwright.firefox.launch(
                channel="moz-firefox", executable_path=firefox_path(), headless=True
            )
        else:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True
            )
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser, live_marblejar) -> Iterator[Callable[..., BrowserContext]]:
    """Open a fresh browser context (one person, own cookies) on the live server.

    Errors in the browser console fail the test: a blocked inline script or
    style (CSP), a missing static file or a script error would otherwise go
    unnoticed.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"{message.text} (at {message.location.get('url')})")

    def make(**options) -> BrowserContext:
        options.setdefault("viewport", VIEWPORT)
        context = browser.new_context(base_url=live_marblejar.url, locale="en", **options)
        context.set_default_timeout(10_000)
        context.on("console", on_console)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    # Pages that answer 4xx on purpose log the status; nothing else may fail.
    unexpected = [
        e for e in errors if "status of 4" not in e and PLAYWRIGHT_SCREENSHOT_STYLE not in e
    ]
    assert not unexpected, "Errors in the browser console:\n" + "\n".join(unexpected)


def axe_report(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v.get('impact')}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}")
            lines.append(f"       {node['html'][:200]}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


@pytest.fixture(scope="session")
def axe() -> Axe:
    return Axe()


@pytest.fixture
def assert_accessible(axe: Axe) -> Callable[[Page, str], None]:
    """Check the page as it is now against WCAG 2.2 AA with axe-core."""

    def check(page: Page, where: str) -> None:
        results = axe.run(
            page,
            options={
                "runOnly": {"type": "tag", "values": WCAG_TAGS},
                "resultTypes": ["violations"],
            },
        )
        violations = results.response["violations"]
        assert not violations, (
            f"Accessibility violations on {where} ({page.url}):\n{axe_report(violations)}"
        )

    return check


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    configured = os.environ.get(SCREENSHOT_DIR_ENV)
    path = Path(configured) if configured else tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_in(context: BrowserContext, email: str, password: str = PASSWORD) -> Page:
    """A new page in ``context``, logged in as ``email`` through the log-in form."""
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/login/"))
    return page
