"""Markdown with scripts, event handlers or javascript: links renders inert in a real browser.

Twice: in Marblejar's own page (where the Content-Security-Policy is a second
wall), and bare, with no CSP at all, so that only the renderer stands between
a payload and a dialog.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from marblejar.lib.markdown import render_markdown
from marblejar.lib.tests.xss_payloads import PAYLOADS
from marblejar.reflections import services
from marblejar.test import PASSWORD, make_personas

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ALL = "\n\n".join(PAYLOADS)
DANGEROUS = "script, iframe, object, embed, img, svg, math, form, input, style, meta, link, base"


def poke_everything(page: Page, root: str) -> None:
    """Hover, focus and click what was rendered, to give any handler its chance."""
    for element in page.locator(f"{root} *").all():
        try:
            element.hover(timeout=500)
            element.focus(timeout=500)
            if element.evaluate("e => e.tagName") == "A":
                element.click(modifiers=["Alt"], timeout=500, no_wait_after=True)  # Alt: stay
        except Exception:  # noqa: BLE001, S112 (hidden or detached elements: nothing to trigger)
            continue
    page.wait_for_timeout(300)


def assert_inert(page: Page, root: str, dialogs: list[str]) -> None:
    assert dialogs == [], f"a payload ran: {dialogs}"
    hrefs = page.locator(f"{root} a[href]").evaluate_all("els => els.map(e => e.href)")
    assert hrefs, "the payloads should leave some ordinary links"
    for href in hrefs:
        assert href.split(":", 1)[0].lower() in {"http", "https", "mailto"}, href
    expect(page.locator(root).locator(DANGEROUS)).to_have_count(0)
    handlers = page.locator(f"{root} *").evaluate_all(
        "els => els.flatMap(e => [...e.attributes].map(a => a.name))"
        ".filter(n => n.startsWith('on'))"
    )
    assert handlers == []


def test_payloads_in_a_reflection_and_a_comment_are_inert_on_the_page(live_marblejar, new_context):
    p = make_personas()
    reflection = services.reflection_create(
        author=p.member,
        team=p.team,
        kind="mistake",
        title="Payloads",
        what_happened=ALL,
        correction=ALL,
        publish=True,
    )
    services.comment_create(author=p.member2, reflection=reflection, body=ALL)

    page = new_context().new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/login/")
    page.get_by_label("E-mail address").fill(p.lead.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(reflection.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Payloads")
    expect(page.locator(".prose").first).to_contain_text("<script>alert(1)</script>")
    poke_everything(page, "main .prose")
    assert_inert(page, "main .prose", dialogs)


def test_the_renderer_alone_keeps_payloads_inert_without_a_csp(browser):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.set_content(f"<!doctype html><main>{render_markdown(ALL)}</main>")
    # Sanity: with no CSP here, an inline handler that did survive would run.
    page.evaluate("() => { const b = document.createElement('b'); b.setAttribute('onclick', "
                  "'window.__fired = 1'); document.body.append(b); b.click(); }")  # fmt: skip
    assert page.evaluate("() => window.__fired") == 1
    poke_everything(page, "main")
    assert_inert(page, "main", dialogs)
    page.close()
