"""A three-person retrospective on the board, at 1280×800 and at 390×844.

Lena facilitates, Max and Mia take part, each in their own browser. The
board is used as a board: notes written in columns, grouped by dragging a
card onto a card or a theme and by the "Move to…" menu, voted on with an
undo, discussed one spotlighted theme at a time, and turned into an action.
On the large screen the themes are in view beside the columns without
scrolling; on the phone nothing scrolls sideways. Every phase is
photographed at both sizes (MARBLEJAR_SCREENSHOT_DIR=docs/screenshots).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from marblejar.reviews.tests.helpers import schedule
from marblejar.test import make_personas
from tests_e2e.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.browsers("chromium", "firefox")]

LIVE = 15_000  # ms to wait for something to arrive over the event stream
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
CACHE = "The release checklist did not mention the cache warm-up"
COLD = "Cold caches made the first hour slow"
PAGER = "Nobody knew who was on call that weekend"
PAIRING = "Pairing on the migration worked well"


def phase_is(page: Page, name: str) -> None:
    expect(page.locator("#phase-h")).to_have_text(name, timeout=LIVE)


def act(page: Page, target) -> None:
    """Click a board button and wait for the server's answer to be on the page."""
    with page.expect_response(
        lambda r: r.request.method == "POST" and "/presence/" not in r.url
    ) as answer:
        target.click()
    answer.value.finished()
    page.wait_for_timeout(150)  # let HTMX swap the answer in


def advance(lena: Page, to: str, *others: Page) -> None:
    act(lena, lena.get_by_role("button", name=f"Move on to: {to}"))
    for page in (lena, *others):
        phase_is(page, to)


def no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


def in_view(page: Page, locator) -> None:
    """Wholly or partly on the first screen, without scrolling."""
    box = locator.bounding_box()
    assert box is not None
    height = page.viewport_size["height"]
    assert box["y"] < height and box["y"] + box["height"] > 0, (box, height)


def on_first_screen(page: Page, locator) -> None:
    """Wholly on the screen with the page scrolled to its top: found without scrolling."""
    page.evaluate("window.scrollTo(0, 0)")
    box = locator.bounding_box()
    assert box is not None
    height = page.viewport_size["height"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= height, (box, height)


def card(page: Page, text: str):
    return page.locator(".card-note", has_text=text)


def move_to(page: Page, text: str):
    """A card's "Move to…": a link to the page that moves it, a menu button with JavaScript."""
    return card(page, text).get_by_role("button", name=re.compile("^Move to…"))


def stack(page: Page, title: str):
    return page.locator(".theme-stack", has=page.get_by_role("heading", name=re.compile(title)))


def drag(page: Page, source, target, browser_name: str) -> None:
    """Drag a card onto a card, a theme's stack or a column, with the mouse.

    Firefox driven through WebDriver BiDi starts a native drag but never drops
    it, so there the board's own drag handlers get the same drag events,
    dispatched on the same elements.
    """
    if browser_name != "firefox":
        source.drag_to(target)
        return
    data = page.evaluate_handle("() => new DataTransfer()")
    source.dispatch_event("dragstart", {"dataTransfer": data})
    target.dispatch_event("dragover", {"dataTransfer": data})
    target.dispatch_event("drop", {"dataTransfer": data})
    source.dispatch_event("dragend", {"dataTransfer": data})


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_three_people_run_a_retrospective_on_the_board(
    live_marblejar, new_context, assert_accessible, screenshot_dir, size, browser_name
):
    p = make_personas()
    review = schedule(p, title="Sprint 12 retrospective", votes_per_person=3)
    board = f"/r/{review.pk}/"
    viewport = SIZES[size]
    lena, max_, mia = (
        log_in(new_context(viewport=viewport), user.email) for user in (p.lead, p.member, p.member2)
    )

    def shot(page: Page, phase: str) -> None:
        no_sideways_scroll(page)
        page.evaluate("window.scrollTo(0, 0)")
        suffix = "" if browser_name == "chromium" else f"-{browser_name}"
        page.screenshot(path=str(screenshot_dir / f"board-{phase}-{size}{suffix}.png"))

    for page in (lena, max_, mia):
        page.goto(board)
    shot(max_, "scheduled")

    # Check-in: the phase's work is the first thing on the screen.
    act(lena, lena.get_by_role("button", name="Start the review"))
    for page, level in ((lena, "4"), (max_, "3"), (mia, "4")):
        phase_is(page, "Check-in: safety check")
        in_view(page, page.get_by_role("button", name=re.compile(rf"^{level} ")))
        act(page, page.get_by_role("button", name=re.compile(rf"^{level} ")))
    expect(max_.get_by_text("Safety check: 3 answers")).to_be_visible(timeout=LIVE)
    shot(max_, "checkin")
    assert_accessible(max_, f"the check-in ({size})")

    advance(lena, "Open actions", max_, mia)
    # After the check-in, purpose, agenda and intent are one line with details.
    expect(max_.locator(".review-intent-line summary")).to_be_visible()
    expect(max_.get_by_text("Check-in, go first, reflect").first).not_to_be_visible()
    shot(max_, "followup")

    advance(lena, "Go first", max_, mia)
    lena.get_by_label("My part in what happened").fill("I approved the release on Friday.")
    lena.get_by_label("A decision I would revisit").fill("Skipping the load test.")
    act(lena, lena.get_by_role("button", name="Share my part"))
    # The facilitator's timer, which everyone sees.
    lena.get_by_label("Minutes").select_option("5")
    act(lena, lena.get_by_role("button", name="Set timer"))
    expect(max_.locator(".timer-clock")).to_have_text(re.compile(r"^[45]:\d\d$"), timeout=LIVE)
    act(lena, lena.get_by_role("button", name="Add the minutes"))
    act(lena, lena.get_by_role("button", name="Pause"))
    expect(mia.locator(".timer")).to_contain_text("paused", timeout=LIVE)
    act(lena, lena.get_by_role("button", name="Resume"))

    for page, column, text in (
        (max_, "Puzzled us", CACHE),
        (mia, "Puzzled us", COLD),
        (mia, "Puzzled us", PAGER),
        (max_, "Went well", PAIRING),
    ):
        page.get_by_label(f"Your note: {column}").fill(text)
        act(page, page.locator("form.note-form", has_text=column).get_by_role("button"))
        expect(page.locator("#part-columns")).to_contain_text(text)
    expect(lena.locator("body")).not_to_contain_text(CACHE)
    # Who is still writing: counts, never names.
    act(max_, max_.get_by_role("button", name="I am done writing"))
    expect(lena.locator(".progress")).to_contain_text("1 of 3 are done writing", timeout=LIVE)
    shot(max_, "go_first")
    assert_accessible(max_, f"writing ({size})")

    advance(lena, "Reflect", max_, mia)
    shot(mia, "reflect")

    advance(lena, "Group", max_, mia)  # the reveal
    # Columns stay columns: every card is still under its column.
    for page in (lena, max_, mia):
        expect(page.locator(".board-column", has_text="Puzzled us")).to_contain_text(CACHE)
        expect(page.locator(".board-column", has_text="Went well")).to_contain_text(PAIRING)
    # Drag a card onto a card: a theme of both, named after the one below.
    if size == "desktop":
        drag(max_, card(max_, COLD), card(max_, CACHE), browser_name)
    else:
        # On a phone the same thing by the card's menu.
        move_to(max_, CACHE).click()
        act(
            max_,
            card(max_, CACHE).get_by_role("menuitem", name="A new theme, named after this card"),
        )
        move_to(max_, COLD).click()
        act(
            max_,
            card(max_, COLD).get_by_role("menuitem", name=re.compile("^The release checklist")),
        )
    cache_theme = stack(lena, "The release checklist")
    expect(cache_theme).to_contain_text(COLD, timeout=LIVE)
    expect(cache_theme).to_contain_text(CACHE)
    # The keyboard way: a new theme by name, then "Move to…" on a card.
    mia.get_by_label("New theme").fill("On call")
    act(mia, mia.get_by_role("button", name="Add theme"))
    # The one shared menu opens under the card: Space opens it, focus moves
    # in, Escape closes it and gives focus back; Enter opens it again and the
    # arrow keys go through its items.
    opener = move_to(mia, PAGER)
    opener.focus()
    mia.keyboard.press(" ")
    menu = card(mia, PAGER).get_by_role("menu")
    expect(menu).to_be_visible()
    expect(opener).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name=re.compile("^The release checklist"))).to_be_focused()
    expect(menu.get_by_role("menuitem", name=re.compile("^Back to"))).to_have_count(0)
    mia.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(opener).to_be_focused()
    expect(opener).to_have_attribute("aria-expanded", "false")
    mia.keyboard.press("Enter")
    mia.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="On call")).to_be_focused()
    with mia.expect_response(lambda r: r.request.method == "POST" and "/move/" in r.url):
        mia.keyboard.press("Enter")
    # The focus is back on the card's Move to…, in its new place.
    expect(stack(mia, "On call").locator(".card-note", has_text=PAGER)).to_be_visible()
    expect(move_to(mia, PAGER)).to_be_focused()
    expect(stack(max_, "On call")).to_contain_text(PAGER, timeout=LIVE)
    # A card dragged onto a theme's stack.
    if size == "desktop":
        drag(lena, card(lena, PAIRING), stack(lena, "On call"), browser_name)
        expect(stack(max_, "On call")).to_contain_text(PAIRING, timeout=LIVE)
        # ... and back onto its column.
        drag(
            lena,
            card(lena, PAIRING),
            lena.locator(".board-column", has_text="Went well"),
            browser_name,
        )
        expect(max_.locator(".board-column", has_text="Went well")).to_contain_text(
            PAIRING, timeout=LIVE
        )
        # The themes are beside the columns, in view without scrolling.
        for title in ("The release checklist", "On call"):
            in_view(lena, stack(lena, title))
            on_first_screen(lena, stack(lena, title).get_by_role("heading"))
        in_view(lena, lena.locator(".board-column", has_text="Went well"))
    shot(lena, "group")
    assert_accessible(lena, f"grouping ({size})")
    # The menu open on a card in a theme: every other theme, a new one, and
    # the way back to the card's own column.
    expect(cache_theme).to_contain_text(COLD, timeout=LIVE)
    move_to(lena, COLD).click()
    menu = card(lena, COLD).get_by_role("menu")
    expect(menu.get_by_role("menuitem", name="Back to “Puzzled us”")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="On call")).to_be_visible()
    expect(menu.get_by_role("menuitem", name=re.compile("^The release checklist"))).to_have_count(0)
    assert_accessible(lena, f"grouping, the Move to… menu open ({size})")
    if size == "phone":
        menu.scroll_into_view_if_needed()
        no_sideways_scroll(lena)
        suffix = "" if browser_name == "chromium" else f"-{browser_name}"
        lena.screenshot(path=str(screenshot_dir / f"board-group-menu-{size}{suffix}.png"))
    else:
        shot(lena, "group-menu")
    lena.keyboard.press("Escape")
    expect(menu).to_be_hidden()

    advance(lena, "Vote", max_, mia)
    checklist = max_.locator(".vote-theme", has_text="The release checklist")
    expect(checklist).to_contain_text(CACHE)  # each theme shows its cards
    vote = checklist.get_by_role("button", name=re.compile(r"^Vote"))
    act(max_, vote)
    act(max_, vote)
    expect(max_.locator(".votes-left")).to_contain_text("You have 1 vote left")
    act(max_, checklist.get_by_role("button", name=re.compile(r"^Undo")))
    expect(max_.locator(".votes-left")).to_contain_text("You have 2 votes left")
    act(max_, vote)
    act(
        max_,
        max_.locator(".vote-theme", has_text="On call").get_by_role(
            "button", name=re.compile(r"^Vote")
        ),
    )
    expect(max_.locator(".votes-left")).to_contain_text("You have 0 votes left")
    expect(vote).to_be_disabled()
    act(
        mia,
        mia.locator(".vote-theme", has_text="On call").get_by_role(
            "button", name=re.compile(r"^Vote")
        ),
    )
    if size == "desktop":
        # Every theme, its cards and its buttons on the first screen.
        for theme in max_.locator(".vote-theme").all():
            on_first_screen(max_, theme)
    shot(max_, "vote")
    assert_accessible(max_, f"voting ({size})")

    advance(lena, "Discuss", max_, mia)
    # The theme with most votes is in the spotlight for everyone.
    for page in (lena, max_, mia):
        expect(page.locator("#spotlight-h")).to_contain_text("The release checklist")
    max_.get_by_label("Your words").fill("What did the checklist say about caches?")
    act(max_, max_.get_by_role("button", name="Add", exact=True))
    expect(max_.locator(".composer")).to_contain_text("Say why you are asking")
    expect(max_.get_by_label("Your words")).to_have_value(
        "What did the checklist say about caches?"
    )
    max_.get_by_label("I am asking because…").select_option(label="to find what we could change")
    act(max_, max_.get_by_role("button", name="Add", exact=True))
    expect(lena.locator(".spotlight")).to_contain_text(
        "What did the checklist say about caches?", timeout=LIVE
    )
    expect(lena.locator(".spotlight")).to_contain_text("to find what we could change")
    # Added: the composer is empty again, its intent reset, ready for the next question.
    expect(max_.locator(".spotlight")).to_contain_text("What did the checklist say about caches?")
    expect(max_.get_by_label("Your words")).to_have_value("")
    expect(max_.get_by_label("I am asking because…")).to_have_value("")
    expect(max_.locator(".composer")).not_to_contain_text("Say why you are asking")
    mia.get_by_label("A finding").check()
    mia.get_by_label("Your words").fill("The checklist predates the cache.")
    act(mia, mia.get_by_role("button", name="Add", exact=True))
    expect(mia.get_by_label("Your words")).to_have_value("")
    expect(mia.get_by_label("A question")).to_be_checked()
    expect(max_.locator(".spotlight")).to_contain_text(
        "The checklist predates the cache.", timeout=LIVE
    )
    if size == "desktop":
        # The list of themes and the spotlighted one's title on the first screen.
        on_first_screen(max_, max_.locator(".theme-nav"))
        on_first_screen(max_, max_.locator("#spotlight-h"))
        # The facilitator moves the spotlight from that list, too.
        on_first_screen(lena, lena.locator(".theme-nav").get_by_role("button", name="On call"))
    shot(max_, "discuss")
    assert_accessible(max_, f"the discussion ({size})")
    # "Next theme" takes everyone there.
    act(lena, lena.get_by_role("button", name="Next theme: On call"))
    for page in (max_, mia):
        expect(page.locator("#spotlight-h")).to_contain_text("On call", timeout=LIVE)

    advance(lena, "Actions", max_, mia)
    max_.get_by_label("What we will do").fill("Add the cache warm-up to the checklist")
    max_.get_by_label("Owner").select_option(label="Max Member")
    max_.get_by_label("Due").fill("2030-01-10")
    max_.get_by_label("We will know it worked when…").fill("No cold-cache incident next release.")
    max_.get_by_label("Check on").fill("2030-02-10")
    act(max_, max_.get_by_role("button", name="Add action"))
    expect(lena.locator("#part-actions")).to_contain_text(
        "Add the cache warm-up to the checklist", timeout=LIVE
    )
    shot(lena, "actions")
    assert_accessible(lena, f"actions ({size})")

    # Present mode: large type and nothing to click, for a shared screen.
    lena.goto(board + "?present=1")
    expect(lena.locator("main.present")).to_be_visible()
    expect(lena.get_by_role("button", name="Add action")).to_have_count(0)
    shot(lena, "present")
    lena.goto(board)

    act(lena, lena.get_by_role("button", name="Move on to: Closed"))
    phase_is(max_, "Closed")
    shot(max_, "closed")
    max_.get_by_role("link", name="Read the summary").click()
    for text in (CACHE, "What did the checklist say about caches?", "No cold-cache incident"):
        expect(max_.get_by_text(text).first).to_be_visible()
