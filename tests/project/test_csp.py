"""Content-Security-Policy on every page, and no page that loads anything from another host (issue 13, item 7).

The pages themselves, in a real browser with the policy in force, are in test_pages_in_browser.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.assessments.answer_helpers import invite, open_round
from tests.factories import OrganizationFactory, agreement_with

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)


def policy(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_no_inline_code_allowed(directives: dict) -> None:
    scripts = directives.get("script-src", directives["default-src"])
    assert scripts == ["'self'"], scripts
    assert directives["object-src" if "object-src" in directives else "default-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]


def admin_pages(agreement) -> list[str]:
    return [
        "/admin/",
        "/admin/stakeholders/organization/",
        "/admin/stakeholders/organization/grid/",
        f"/admin/agreements/agreement/{agreement.pk}/change/",
        "/admin/risks/riskflag/",
        "/api/docs/",
        "/api/redoc/",
    ]


def test_every_html_page_sends_a_policy_without_inline_script(client, coordinator):
    agreement = agreement_with()
    assert_no_inline_code_allowed(policy(client.get("/admin/login/")))
    client.force_login(coordinator)
    for url in admin_pages(agreement):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html")
        directives = policy(response)
        assert_no_inline_code_allowed(directives)
        assert directives["default-src"] == ["'self'"]
        assert directives["connect-src"] == ["'self'"], url  # nothing is fetched from another host either


def test_the_api_answers_with_a_policy_too(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/api/v1/organizations/")
    assert response.status_code == 200
    assert_no_inline_code_allowed(policy(response))


def test_the_browsable_api_allows_inline_styles_but_no_inline_script(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/api/v1/organizations/", HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html")
    directives = policy(response)
    assert_no_inline_code_allowed(directives)
    assert directives["style-src"] == ["'self'", "'unsafe-inline'"]


def test_admin_styles_need_the_requests_nonce(client, coordinator):
    """Our admin pages' <style> blocks carry the nonce the header names; a style without it is refused."""
    OrganizationFactory(power=5, interest=5)
    client.force_login(coordinator)
    response = client.get("/admin/stakeholders/organization/grid/")
    styles = policy(response)["style-src"]
    nonces = [value for value in styles if value.startswith("'nonce-")]
    assert styles[0] == "'self'"
    assert len(nonces) == 1
    assert "'unsafe-inline'" not in styles
    nonce = nonces[0][len("'nonce-") : -1]
    assert f'<style nonce="{nonce}">' in response.content.decode()
    # a page without inline style names no nonce: the policy stays as strict as the admin allows
    assert not [value for value in policy(client.get("/admin/password_change/"))["style-src"] if "nonce" in value]


def test_the_answer_page_has_the_strictest_policy(client):
    round_ = open_round()
    _respondent, token = invite(round_)
    for url, status in (
        (reverse("assessments:answer", args=[token]), 200),
        (reverse("assessments:answer", args=["not-a-real-link"]), 404),
    ):
        response = client.get(url)
        assert response.status_code == status
        directives = policy(response)
        assert directives == {
            "default-src": ["'none'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'"],
            "form-action": ["'self'"],
            "base-uri": ["'none'"],
            "frame-ancestors": ["'none'"],
        }
        html = response.content.decode()
        assert "<style" not in html
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script on the answer page"
        assert not re.search(r"\sstyle=", html)


def test_a_failed_answer_loads_its_script_from_a_file(client):
    round_ = open_round()
    _respondent, token = invite(round_)
    response = client.post(reverse("assessments:answer", args=[token]), {})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert re.search(r'<script src="/static/assessments/answer\.js"></script>', html)
    assert client.get("/static/assessments/answer.js").status_code == 200


# --- no request to another host ------------------------------------------------------------------

EXTERNAL_URL = re.compile(r"""(?:src|href|url)\s*[=(]\s*["']?(?:https?:)?//""", re.I)


def referenced_assets(html: str) -> list[str]:
    return re.findall(r"""(?:src|href)="([^"]+)\"""", html)


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_the_api_docs_are_served_by_the_project(client, coordinator, url):
    client.force_login(coordinator)
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn.jsdelivr.net" not in html
    assert "fonts.googleapis.com" not in html
    assert not EXTERNAL_URL.search(html), html
    assets = referenced_assets(html)
    assert any("drf_spectacular_sidecar" in asset for asset in assets), assets
    for asset in assets:
        assert asset.startswith("/"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        if asset.endswith(".js") or "?script" in asset:
            body = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
            assert b"cdn.jsdelivr.net" not in body


def test_swagger_ui_starts_from_a_script_file_without_the_validator(client, coordinator):
    client.force_login(coordinator)
    html = client.get("/api/docs/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script on the docs page"
    assert "<style" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert '"validatorUrl": null' in script.content.decode()


# --- every template keeps to the policy ---------------------------------------------------------------

TEMPLATE_DIRS = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
# E-mails are read in mail programs, which need inline styles and never run scripts; the policy is the web's.
EMAIL = re.compile(r"/email/")
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.I)
STYLE_WITHOUT_NONCE = re.compile(r"<style(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+=", re.I)


def test_no_template_has_inline_script_style_attributes_or_event_handlers():
    templates = [
        path
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*.html")
        if ".venv" not in path.parts and not EMAIL.search(path.as_posix())
    ]
    assert len(templates) > 20
    wrong = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for what, pattern in (
            ("inline script", INLINE_SCRIPT),
            ("<style> without the nonce", STYLE_WITHOUT_NONCE),
            ("style attribute", STYLE_ATTRIBUTE),
            ("event-handler attribute", EVENT_HANDLER),
        ):
            where = path.relative_to(BASE_DIR)
            wrong += [f"{where}: {what}: {match.group(0)[:60]}" for match in pattern.finditer(text)]
    # The answer page's templates have no <style> at all, nonce or not (see ANSWER_PAGE_POLICY).
    answer = BASE_DIR / "assessments/templates/assessments/answer"
    wrong += [
        f"{path.name}: <style> on the answer page" for path in answer.glob("*.html") if "<style" in path.read_text()
    ]
    assert not wrong, "\n".join(wrong)
