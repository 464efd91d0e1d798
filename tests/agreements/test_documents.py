import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def agreement_with_document(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    agreement = AgreementFactory()
    agreement.document = SimpleUploadedFile("avtal.pdf", PDF, content_type="application/pdf")
    agreement.save()
    return agreement


def test_document_url_is_behind_the_permission_check(agreement_with_document):
    assert agreement_with_document.document.url.startswith("/documents/agreements/")


def test_anonymous_gets_no_document(client, agreement_with_document):
    response = client.get(agreement_with_document.document.url)
    assert response.status_code in (401, 403)


def test_user_without_permission_is_refused(client, no_perm_user, agreement_with_document):
    client.force_login(no_perm_user)
    assert client.get(agreement_with_document.document.url).status_code == 403


@pytest.mark.parametrize("who", ["reader", "coordinator"])
def test_readers_and_coordinators_download_the_pdf(request, client, who, agreement_with_document):
    client.force_login(request.getfixturevalue(who))
    response = client.get(agreement_with_document.document.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


def test_integration_token_downloads_the_pdf(api_client, reader, agreement_with_document):
    token = Token.objects.create(user=reader)
    response = api_client.get(agreement_with_document.document.url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["agreements/2026/okand.pdf", "../../etc/passwd", "agreements/../../x.pdf"])
def test_unknown_or_escaping_names_are_404(client, coordinator, agreement_with_document, name):
    client.force_login(coordinator)
    assert client.get(f"/documents/{name}").status_code == 404
