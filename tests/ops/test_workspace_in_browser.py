"""The coordinator's workspace in a real browser (headless Chromium): the start page, the agreement list, the
agreement overview, a person's and an organisation's page and the search pass axe-core's WCAG 2.1 A/AA checks
without a serious or critical violation, fit 1366 px without sideways scrolling, and work with the keyboard
alone (the header search: "/" focuses it, Enter searches, Tab reaches the hits).

Chromium comes from Debian (/usr/bin/chromium); without it the tests skip on a developer's machine and fail in CI."""

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import sync_playwright

from agreements.choices import AgreementStatus
from agreements.models import Agreement
from risks import scans
from tests.assessments.answer_helpers import invite, open_round
from tests.assessments.test_answer_a11y import CHROMIUM, CHROMIUM_ARGS, WCAG_21_AA, require_chromium
from tests.conftest import restore_migrated_database
from tests.factories import CommitmentFactory, OrganizationFactory, PartyFactory, PersonFactory, agreement_with

pytestmark = pytest.mark.django_db(transaction=True)  # tests/conftest.py puts the shipped data back

PASSWORD = "Arbetsyta-i-webblasaren-1"
LAPTOP = {"width": 1366, "height": 768}
WIDE = {"width": 1920, "height": 1080}
SERIOUS = {"serious", "critical"}


@pytest.fixture(scope="module", autouse=True)
def _shipped_data_left_as_found(django_db_setup, django_db_blocker):
    """After the module's last flush, put the shipped data back (see tests.conftest.restore_migrated_database)."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_database()


@pytest.fixture
def browser(monkeypatch):
    require_chromium()
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see test_answer_a11y's browser fixture
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
        connections.close_all()


@pytest.fixture
def portfolio(coordinator):
    """The coordinator's own person in two agreements (with parties, roles, commitments due, an open round with
    an answer) and a kommun with a sub-organisation, scanned for risks."""
    today = timezone.localdate()
    kommun = OrganizationFactory(name="Sjöviks kommun")
    OrganizationFactory(name="Socialförvaltningen", parent=kommun)
    me = PersonFactory(first_name="Maja", last_name="Samordnare", organization=kommun, user=coordinator)
    agreements = []
    for title in ("Unga till arbete", "Trygg i centrum"):
        agreement = agreement_with(parties=2, responsibilities=3)
        PartyFactory(agreement=agreement, organization=kommun)
        Agreement.objects.filter(pk=agreement.pk).update(
            title=title, status=AgreementStatus.ACTIVE, coordinator=me, next_review_on=today + timedelta(days=20)
        )
        CommitmentFactory(party=agreement.parties.first(), due_on=today + timedelta(days=30))
        round_ = open_round()
        round_.agreement = agreement
        round_.save()
        invite(round_)
        agreements.append(agreement)
    scans.scan_now()
    coordinator.set_password(PASSWORD)
    coordinator.save()
    return {"me": me, "kommun": kommun, "agreement": agreements[0]}


@pytest.fixture
def signed_in(browser, live_server, coordinator, portfolio):
    """Open pages as the logged-in coordinator; console errors (other than a missing favicon) fail the test."""
    contexts, errors = [], []

    def open_(path: str, viewport=LAPTOP):
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", coordinator.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        return page

    open_.errors = errors
    yield open_
    for context in contexts:
        context.close()
    assert not [error for error in errors if "Failed to load resource" not in error], errors


def assert_no_serious_violations(page, what: str, errors: list) -> None:
    before = len(errors)
    # The autocompletes (select2) are set up on jQuery's ready and named by admin.js after that: wait until each
    # has a name (select2's own aria-labelledby points at its empty placeholder: no name yet).
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.select2-selection[role=combobox]')].every(c => (c.title || '').trim() ||"
        " (c.getAttribute('aria-label') || '').trim() || (c.getAttribute('aria-labelledby') || '').split(' ')"
        ".some(id => { const named = id && document.getElementById(id); return named && named.textContent.trim(); }))",
        timeout=5000,
    )
    results = Axe().run(page, options=WCAG_21_AA)
    # axe's own probing of a page with an autocomplete widget trips the style policy; the page itself does not
    errors[before:] = [error for error in errors[before:] if "Applying inline style violates" not in error]
    serious = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    assert not serious, f"{what}:\n{results.generate_report()}"


def pages(portfolio) -> dict[str, str]:
    return {
        "start page": reverse("admin:index"),
        "agreement list": reverse("admin:agreements_agreement_changelist"),
        "organisation list": reverse("admin:stakeholders_organization_changelist"),
        "person list": reverse("admin:stakeholders_person_changelist"),
        "risk list": reverse("admin:risks_riskflag_changelist"),
        "agreement overview": reverse("admin:agreements_agreement_overview", args=[portfolio["agreement"].pk]),
        "person page": reverse("admin:stakeholders_person_change", args=[portfolio["me"].pk]),
        "organisation page": reverse("admin:stakeholders_organization_change", args=[portfolio["kommun"].pk]),
        "search": reverse("admin:search") + "?q=kommun",
    }


def test_the_workspace_pages_are_accessible_and_fit_1366_px(signed_in, portfolio):
    for what, path in pages(portfolio).items():
        page = signed_in(path)
        assert page.locator("html").get_attribute("lang") == "sv"
        assert_no_serious_violations(page, what, signed_in.errors)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= LAPTOP["width"], f"{what} is {width} px wide"


def test_the_start_page_uses_the_whole_width(signed_in, portfolio):
    for viewport in (LAPTOP, WIDE):
        page = signed_in(reverse("admin:index"), viewport=viewport)
        content = page.evaluate("document.getElementById('content').getBoundingClientRect().width")
        assert content > viewport["width"] * 0.85, (viewport, content)
        assert page.locator("#my-agreements th[scope=row] a").count() == 2
        # no header text broken one letter per line: every column header is at least as wide as a short word
        narrowest = page.eval_on_selector_all(
            "#workspace thead th, #risk-dashboard thead th", "els => Math.min(...els.map(e => e.clientWidth))"
        )
        assert narrowest >= 40, (viewport, narrowest)


def test_the_agreement_list_shows_its_key_columns_at_1366_px(signed_in, portfolio):
    page = signed_in(reverse("admin:agreements_agreement_changelist"))
    for column in ("bus_factor_display", "anchoring_display", "mandate_display", "open_risks_display"):
        header = page.locator(f"#result_list thead th.column-{column}")
        box = header.bounding_box()
        assert box is not None, column
        assert box["x"] + box["width"] <= LAPTOP["width"], column
        assert header.is_visible(), column


def test_the_search_works_with_the_keyboard_alone(signed_in, portfolio):
    page = signed_in(reverse("admin:index"))
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "header-search-q"
    page.keyboard.type("Sjöviks")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/search/?q=Sj*")
    link = page.locator("#search-organization a", has_text="Sjöviks kommun")
    assert link.count() == 1
    # Tab from the page's own search field reaches the first hit, and Enter follows it
    page.focus("#search-q")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Sjöviks kommun":
            break
    assert page.evaluate("document.activeElement.textContent") == "Sjöviks kommun"
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/stakeholders/organization/{portfolio['kommun'].pk}/change/")
    assert page.locator("#organization-agreements tbody tr").count() == 2
