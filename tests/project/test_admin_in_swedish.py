"""Every admin page a coordinator can open reads Swedish: the index, each app, each registered model's list,
add, change and history pages, and every custom admin view (found by walking each model admin's URLs, so a
page added later is covered), third-party ones (import/export, periodic tasks, history) included.

The check is a list of common English interface words, matched as whole words in the visible text (text,
button values, placeholders, titles, alt texts); code, URLs, scripts, form values and the English-language
fields of the instruments (data, not interface) are left out.
"""

import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, URLPattern, URLResolver, reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENGLISH = set(
    """
    Change Changed Add Delete Deleted Save History Search Import Export Clocked Crontab Crontabs Interval Intervals
    Solar Enabled Name Description Submit Select Action Actions Yes No Cancel Close Edit View Show Hide Remove
    Confirm Preview File Task Tasks Periodic Schedule Every Days Hours Minutes Seconds Event Events Latitude
    Longitude Arguments Expires Errors Error Update Updated Created User Username Reason Object Revert Resource
    Fields Field Home Logout Welcome Password Documentation Clear All None Unknown Today Now Yesterday Last Next
    Previous Page Run Queued Succeeded Failed Pending Sent Type Value Values Please Warning Choose Download
    Upload Summary Details Title Started Ended Organization Organizations Agreement Agreements Risks Round Rounds
    Answer Answers Hour Minute Day Week Month Year Access Attempt Attempts Failures Address Agent Path Time
    Sunrise Sunset Priority Queue Comment Changes Row Line Skipped
    the and of with for is are will this that which
    """.split()  # noqa: SIM905
)
# Whole words, Swedish letters included ("Risksökning" is not "Risks"); a token with an underscore or a dot
# (is_active, risks.scan_run) is code, not a word, and never matches the list.
WORD = re.compile(r"[\w.]*\w")
# Data rather than interface: the English wording of the instruments, and code.
DATA_CLASS = re.compile(r"(^|\s)field-\w+_en(\s|$)")
SKIPPED_TAGS = {"script", "style", "textarea", "select", "code", "pre", "noscript"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: is its content skipped?
        self.parts: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if not self.skipping:
            if tag == "input" and attrs.get("type") in ("submit", "button", "reset"):
                self.parts.append(attrs.get("value") or "")
            for name in ("placeholder", "title", "aria-label", "alt"):
                if attrs.get(name) and not (tag == "a" and name == "title"):
                    self.parts.append(attrs[name])
        if tag not in VOID_TAGS:
            self.stack.append(tag in SKIPPED_TAGS or bool(DATA_CLASS.search(attrs.get("class") or "")))

    def handle_endtag(self, tag):
        if tag not in VOID_TAGS and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def english_words(html: str) -> list[str]:
    return sorted({word for word in WORD.findall(visible_text(html)) if word in ENGLISH})


def in_context(html: str, words: list[str]) -> list[str]:
    """Each English word with the text around it, for the failure message."""
    text = visible_text(html)
    found = (match for word in words for match in re.finditer(rf"(?<![\w.]){word}(?![\w.])", text))
    return [text[max(0, match.start() - 60) : match.end() + 60] for match in found][:5]


def first_pk(model):
    return model._default_manager.order_by("pk").values_list("pk", flat=True).first()


def patterns(resolvers, prefix=""):
    for entry in resolvers:
        if isinstance(entry, URLResolver):
            yield from patterns(entry.url_patterns, prefix)
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry


def admin_pages() -> list[str]:
    """Every GET-able admin page, with the first row of the model where a page needs one."""
    by_name = {model._meta.model_name: model for model in admin.site._registry}
    urls = ["/admin/"]
    urls += [reverse("admin:app_list", args=[label]) for label in {m._meta.app_label for m in admin.site._registry}]
    for model, model_admin in admin.site._registry.items():
        for pattern in patterns(model_admin.get_urls()):
            if pattern.name.endswith(("_delete", "_autocomplete")) or "process_import" in pattern.name:
                continue
            if pattern.name == "auth_user_password_change":
                # Superusers only; Django appends an untranslatable English sentence to its help text.
                continue
            kwargs = {}
            for name in pattern.pattern.converters:
                target = by_name.get(name.removesuffix("_id"), model)
                kwargs[name] = first_pk(target)
            if None in kwargs.values():
                continue
            try:
                urls.append(reverse(f"admin:{pattern.name}", kwargs=kwargs))
            except NoReverseMatch:
                continue
    return sorted(set(urls))


@pytest.fixture
def demo_admin(client):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    user = UserFactory(username="admin-sv", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_every_admin_page_reads_swedish(demo_admin):
    pages = admin_pages()
    # The walk finds the pages of the third-party apps and the project's own views.
    assert {"/admin/django_celery_beat/periodictask/", "/admin/stakeholders/organization/import/"} <= set(pages)
    assert any(page.endswith("/results/") for page in pages)
    assert any("hand-over" in page for page in pages)
    english, rendered = {}, 0
    for url in pages:
        response = demo_admin.get(url, HTTP_ACCEPT_LANGUAGE="sv")
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        rendered += 1
        assert '<html lang="sv"' in response.content.decode()[:500], url
        if words := english_words(response.content.decode()):
            english[url] = in_context(response.content.decode(), words)
    assert rendered > 80
    assert english == {}


def test_the_login_page_reads_swedish(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="sv")
    assert english_words(response.content.decode()) == []


def test_the_check_finds_english():
    html = (
        '<p>Välj <button title="Save">x</button></p><script>var History;</script>'
        '<div class="form-row field-text_en"><div class="readonly">Is there trust?</div></div>'
        '<input type="submit" value="Delete"><code>first_name</code><img src="a.svg" alt="Search">'
    )
    assert english_words(html) == ["Delete", "Save", "Search"]
