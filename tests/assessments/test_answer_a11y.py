"""The answer page in a real browser: axe-core finds no WCAG 2.1 A/AA violation on a desktop and a phone-sized
screen, in the error state, or on the other pages a link can lead to; the form works with the keyboard alone.

Chromium comes from Debian (/usr/bin/chromium; .ci/run installs it). Without it the tests skip on a developer's
machine and fail in CI, like the integration tests' services."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django.urls import reverse
from playwright.sync_api import sync_playwright

from assessments.choices import RoundStatus
from assessments.models import Answer
from tests.assessments.answer_helpers import invite, open_round
from tests.conftest import restore_migrated_database

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}

# The live server answers from its own thread and database connection, so the rows must be committed: the tests
# need a transactional database. serialized_rollback brings back the shipped data (instruments, groups) at the start
# of each; the flush after each empties the tables again.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module", autouse=True)
def _shipped_data_left_as_found(django_db_setup, django_db_blocker):
    """After the module's last flush, put the shipped data back, so transactional tests that run later (the
    integration tests) find the database as migrated, as they would without these tests."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_database()


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI is set and {CHROMIUM} is missing (apt-get install chromium)", pytrace=False)
    pytest.skip(f"the browser check needs Chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def browser(monkeypatch):
    require_chromium()
    # Playwright's sync API keeps its event loop marked as running on this thread between calls, which Django
    # would take for an async context and refuse the ORM. The test's own queries run strictly between browser
    # calls, on this thread, so the check is lifted only while a browser is open.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        # Meanwhile Django hands this thread a database connection of its own (asgiref's Local sees the running
        # loop): close it here, where it is visible, or it outlives the test and blocks dropping the test database.
        connections.close_all()


@pytest.fixture
def open_page(browser):
    """A fresh page of the given size; console errors fail the test."""
    contexts, errors = [], []

    def open_(url: str, viewport=DESKTOP, status: int = 200):
        context = browser.new_context(viewport=viewport, is_mobile=viewport == PHONE, has_touch=viewport == PHONE)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        response = page.goto(url)
        assert response.status == status, (url, response.status)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not [error for error in errors if "Failed to load resource" not in error], errors


def assert_accessible(page, what: str) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, f"{what}:\n{results.generate_report()}"


def answer_url(live_server, token: str) -> str:
    return live_server.url + reverse("assessments:answer", args=[token])


def test_the_answer_page_has_no_accessibility_violations_on_desktop_and_phone(live_server, open_page):
    round_ = open_round()
    _respondent, token = invite(round_)
    page = open_page(answer_url(live_server, token))
    assert page.locator("html").get_attribute("lang") == "sv"
    assert page.locator("fieldset").count() == 6
    assert_accessible(page, "answer page, desktop")

    phone = open_page(answer_url(live_server, token), viewport=PHONE)
    assert_accessible(phone, "answer page, 375 px")
    # nothing wider than the phone: no sideways scrolling, and every scale button is a large touch target
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    sizes = phone.eval_on_selector_all(
        "label.option", "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert len(sizes) == 66
    assert min(width for width, _height in sizes) >= 44
    assert min(height for _width, height in sizes) >= 44


def test_the_error_state_is_accessible_and_announced(live_server, open_page):
    round_ = open_round()
    respondent, token = invite(round_, language="en")
    items = [item for item in round_.instrument.items.order_by("position") if item.is_scored]
    page = open_page(answer_url(live_server, token), viewport=PHONE)
    for item in items[1:]:
        page.check(f"#id_value_{item.pk}_7")
    page.fill(f"#id_comment_{items[0].pk}", "Svårt att säga")
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")

    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.get_attribute("#error-summary", "role") == "alert"
    assert page.input_value(f"#id_comment_{items[0].pk}") == "Svårt att säga"
    assert all(page.is_checked(f"#id_value_{item.pk}_7") for item in items[1:])
    assert page.get_attribute(f"#id_value_{items[0].pk}_0", "aria-invalid") == "true"
    assert_accessible(page, "answer page with an error, 375 px")
    # the summary's link takes the focus to the unanswered question
    page.click(f'#error-summary a[href="#id_value_{items[0].pk}_0"]')
    assert page.evaluate("document.activeElement.id") == f"id_value_{items[0].pk}_0"
    assert not Answer.objects.filter(respondent=respondent).exists()


def test_the_form_can_be_answered_with_the_keyboard_alone(live_server, open_page):
    round_ = open_round()
    respondent, token = invite(round_)
    first, *others = [item for item in round_.instrument.items.order_by("position") if item.is_scored]
    page = open_page(answer_url(live_server, token))
    focused = []
    for _ in range(6):  # skip link, language link, then the first question's scale
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id"))
        if focused[-1] == f"id_value_{first.pk}_0":
            break
    assert focused[-1] == f"id_value_{first.pk}_0", focused
    outline = page.evaluate(
        "getComputedStyle(document.activeElement.closest('label')).outlineStyle"
    )  # the focused option shows a visible ring
    assert outline == "solid"
    page.keyboard.press("Space")
    assert page.is_checked(f"#id_value_{first.pk}_0")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    assert page.is_checked(f"#id_value_{first.pk}_3")
    assert page.evaluate("document.activeElement.id") == f"id_value_{first.pk}_3"
    page.keyboard.press("Tab")  # on to the first question's comment
    assert page.evaluate("document.activeElement.id") == f"id_comment_{first.pk}"
    page.keyboard.type("Via tangentbordet")

    for item in others:
        page.check(f"#id_value_{item.pk}_5")
    page.focus("button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/")
    assert_accessible(page, "thank-you page")
    saved = Answer.objects.get(respondent=respondent, item=first)
    assert (saved.value, saved.comment) == (3, "Via tangentbordet")


def test_the_refusal_pages_are_accessible(live_server, open_page):
    closed = open_round(status=RoundStatus.CLOSED, opens_in=-30, closes_in=-1)
    _respondent, closed_token = invite(closed)
    later = open_round(status=RoundStatus.SCHEDULED, opens_in=5, closes_in=20)
    _respondent, later_token = invite(later, language="en")
    pages = {
        "link not valid": open_page(answer_url(live_server, "not-a-real-link"), status=404),
        "round closed": open_page(answer_url(live_server, closed_token), status=410),
        "not yet open": open_page(answer_url(live_server, later_token), viewport=PHONE),
    }
    assert "inte giltig" in pages["link not valid"].inner_text("h1")  # a Swedish page by default
    for what, page in pages.items():
        assert_accessible(page, what)
