"""The active-content check of signed documents (agreements.pdf_check), on real PDFs written with pypdf."""

import pytest

from agreements.pdf_check import (
    EMBEDDED_FILE,
    FORM,
    HTML,
    JAVASCRIPT,
    LAUNCH,
    MAX_OBJECTS,
    UnreadablePdf,
    pdf_problems,
)
from tests.agreements import pdf_samples


@pytest.mark.parametrize(
    "data",
    [
        pdf_samples.plain_pdf(),
        pdf_samples.plain_pdf(link="https://www.skr.se/samverkan"),
        pdf_samples.restricted_pdf(),
        pdf_samples.binary_stream_pdf(),
    ],
    ids=["plain", "web-link", "owner-password-only", "random-binary-stream"],
)
def test_plain_documents_pass(data):
    assert pdf_problems(data) == set()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_samples.javascript_pdf(), JAVASCRIPT),
        (pdf_samples.javascript_link_pdf(), JAVASCRIPT),
        (pdf_samples.page_action_pdf(), JAVASCRIPT),
        (pdf_samples.launch_pdf(), LAUNCH),
        (pdf_samples.embedded_file_pdf(), EMBEDDED_FILE),
        (pdf_samples.xfa_form_pdf(), FORM),
        (pdf_samples.hidden_object_pdf(), JAVASCRIPT),
        (pdf_samples.html_polyglot_pdf(), HTML),
    ],
    ids=["open-action", "javascript-uri", "page-action", "launch", "attachment", "xfa", "hidden-object", "polyglot"],
)
def test_active_content_is_found(data, kind):
    assert kind in pdf_problems(data)


def test_the_parser_sees_what_a_byte_search_cannot():
    """The open action sits in a compressed object stream: only a parser finds it."""
    data = pdf_samples.object_stream_javascript_pdf()
    assert b"JavaScript" not in data

    assert JAVASCRIPT in pdf_problems(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "damaged"),
        (pdf_samples.plain_pdf()[:200], "damaged"),
        (pdf_samples.password_pdf(), "encrypted"),
        (pdf_samples.many_objects_pdf(MAX_OBJECTS + 1), "too_complex"),
        (pdf_samples.plain_pdf().replace(b"/Size 6", b"/Size 9999999"), "too_complex"),
    ],
    ids=["no-cross-reference", "truncated", "password", "too-many-objects", "declares-too-many"],
)
def test_what_cannot_be_read_cannot_be_checked(data, reason):
    with pytest.raises(UnreadablePdf) as raised:
        pdf_problems(data)
    assert raised.value.reason == reason


def test_a_document_of_many_parts_up_to_the_limit_is_checked():
    assert pdf_problems(pdf_samples.many_objects_pdf(2_000)) == set()
