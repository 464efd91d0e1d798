"""The pages in a real browser with the Content-Security-Policy in force: the admin (login, dashboard, language
switch, lists, grid, agreement, round and results), the answer page (with its error state) and the API docs (Swagger
UI, ReDoc) work, the browser reports no policy violation, and no page asks another host for anything (issue 13,
item 7).

The site is browsed as ``samverkan.test`` (Chromium maps the name to the live server), not as ``localhost``: some
viewers behave differently on localhost (Swagger UI shows its online validator badge only elsewhere). Every request
to another host is recorded and aborted, so the test needs no network and a page that would reach out fails it.
Chromium comes from Debian (/usr/bin/chromium), as for the answer page's accessibility test."""

from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import reverse
from playwright.sync_api import sync_playwright

from agreements.choices import AgreementStatus
from tests.assessments.answer_helpers import invite, open_round
from tests.assessments.test_answer_a11y import CHROMIUM, CHROMIUM_ARGS, require_chromium
from tests.conftest import restore_migrated_database
from tests.factories import OrganizationFactory, RiskFlagFactory, agreement_with

HOST = "samverkan.test"
PASSWORD = "Webbläsartest-2026"

pytestmark = pytest.mark.django_db(transaction=True)  # tests/conftest.py puts the shipped data back


@pytest.fixture(scope="module", autouse=True)
def _shipped_data_left_as_found(django_db_setup, django_db_blocker):
    """Put the shipped data back after the module's last flush (see test_answer_a11y)."""
    yield
    with django_db_blocker.unblock():
        restore_migrated_database()


class Visit:
    """One browser context on the site: what the console said and which other hosts were asked."""

    def __init__(self, browser, live_server):
        port = urlsplit(live_server.url).port
        self.origin = f"http://{HOST}:{port}"
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.console: list[str] = []
        self.external: list[str] = []
        self.failed: list[str] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _console(self, message):
        # Plain HTTP on a name other than localhost: the browser ignores the Cross-Origin-Opener-Policy, and says so.
        if message.text.startswith("The Cross-Origin-Opener-Policy header has been ignored"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.console.append(message.text)

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).netloc != urlsplit(self.origin).netloc:
            self.external.append(url)
            route.abort()
        else:
            route.continue_()

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.failed.append(f"{response.status} {response.url}")

    def go(self, path: str, status: int = 200):
        response = self.page.goto(self.origin + path)
        assert response.status == status, (path, response.status)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def style(self, selector: str, prop: str) -> str:
        return self.page.eval_on_selector(selector, f"e => getComputedStyle(e).getPropertyValue('{prop}')")

    def assert_clean(self, what: str) -> None:
        violations = [text for text in self.console if "Content Security Policy" in text]
        assert not violations, f"{what}: {violations}"
        assert not self.external, f"{what} asked another host: {self.external}"
        assert not self.failed, f"{what}: {self.failed}"
        others = [text for text in self.console if "Failed to load resource" not in text]
        assert not others, f"{what}: {others}"


@pytest.fixture
def visit(live_server, settings, monkeypatch):
    require_chromium()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see test_answer_a11y's browser fixture
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"]
        )
        visits = []

        def open_visit() -> Visit:
            visits.append(Visit(browser, live_server))
            return visits[-1]

        yield open_visit
        for one in visits:
            one.context.close()
        browser.close()
        connections.close_all()


def log_in(visit: Visit, coordinator) -> None:
    coordinator.set_password(PASSWORD)
    coordinator.save()
    page = visit.go("/admin/login/")
    page.fill("#id_username", coordinator.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{visit.origin}/admin/")


def test_the_admin_works_under_the_policy(visit, coordinator):
    agreement = agreement_with(parties=2, responsibilities=2)
    agreement.status = AgreementStatus.ACTIVE
    agreement.save()
    RiskFlagFactory(agreement=agreement)
    OrganizationFactory(power=5, interest=5, sector="municipality")
    site = visit()
    log_in(site, coordinator)
    assert site.page.locator("html").get_attribute("lang") == "sv"

    # the language switch is a script file now: choosing English reloads the page in English
    site.page.select_option("#language-select", "en")
    site.page.wait_for_function("document.documentElement.lang === 'en'")
    assert site.style(".language-switch", "display") == "inline"  # samverkan/admin.css

    grid = site.go("/admin/stakeholders/organization/grid/")
    assert grid.locator("circle.dot").count() >= 1
    # the grid's own <style> block applies (it carries the request's nonce)
    assert site.style("circle.sector-municipality", "fill") == "rgb(31, 119, 180)"

    site.go("/admin/stakeholders/organization/")
    page = site.go(f"/admin/agreements/agreement/{agreement.pk}/change/")
    assert page.locator("#bus-factor").count() == 1
    assert site.style("#agreement-assessments p.module-text", "margin-left") == "10px"
    assert site.style("#agreement-risks table", "width") == site.style("#agreement-risks", "width")
    site.go("/admin/risks/riskflag/")
    site.assert_clean("the admin")

    # DRF's browsable API: its own templates style with attributes, which its pages allow; scripts stay files
    api = site.go(f"/api/v1/agreements/{agreement.pk}/")
    assert api.locator(".response-info").count() == 1
    assert site.style("div.dropdown:has(#extra-actions-menu)", "float") == "right"  # a style attribute of DRF's
    site.assert_clean("the browsable API")
    # its logout (DRF's link submits from an onclick attribute; ours is a button)
    api.click(".navbar .dropdown-toggle")
    api.click("#logoutForm button")
    api.wait_for_load_state("networkidle")
    # back on the same address, now as nobody: 401
    assert site.failed == [f"401 {site.origin}/api/v1/agreements/{agreement.pk}/"]
    site.failed.clear()
    assert site.go("/admin/", status=200).url.startswith(f"{site.origin}/admin/login/")
    site.assert_clean("the browsable API's logout")


def test_the_answer_page_results_and_round_pages_work_under_the_policy(visit, coordinator):
    round_ = open_round()
    _respondent, token = invite(round_)
    answering = visit()
    page = answering.go(reverse("assessments:answer", args=[token]))
    assert answering.style("label.option", "min-height") == "48px"  # assessments/answer.css
    page.click("button[type=submit]")
    page.wait_for_selector("#error-summary")
    # assessments/answer.js moved the focus to the summary
    assert page.evaluate("document.activeElement.id") == "error-summary"
    for fieldset in page.locator("fieldset.item").all():
        fieldset.locator("input[type=radio]").last.check()
    page.click("button[type=submit]")
    page.wait_for_url("**/thanks/")
    answering.assert_clean("the answer page")

    admin = visit()
    log_in(admin, coordinator)
    admin.go(f"/admin/assessments/assessmentround/{round_.pk}/change/")
    assert admin.style("#close-round", "display") != "none"
    confirm = admin.go(reverse("admin:assessments_assessmentround_close", args=[round_.pk]))
    assert confirm.locator("#confirm-close-round").count() == 1
    results = admin.go(f"/admin/assessments/assessmentround/{round_.pk}/results/")
    assert results.locator("svg").count() >= 1
    assert admin.style(".results-figures", "display") == "flex"  # the results page's <style>, with the nonce
    admin.assert_clean("the round and its results")


def test_the_api_docs_work_under_the_policy_without_internet(visit, coordinator):
    site = visit()
    log_in(site, coordinator)
    swagger = site.go("/api/docs/")
    swagger.wait_for_selector(".opblock", timeout=30_000)
    assert swagger.locator(".opblock").count() > 50
    assert swagger.locator(".swagger-ui .info .title").inner_text().startswith("Samverkan API")
    swagger.locator(".opblock-summary").first.click()  # an operation opens
    swagger.wait_for_selector(".opblock-body")

    redoc = site.go("/api/redoc/")
    redoc.wait_for_selector("h1", timeout=30_000)
    assert "Samverkan API" in redoc.locator("h1").first.inner_text()
    assert redoc.locator("[data-section-id]").count() > 50
    site.assert_clean("the API docs")
