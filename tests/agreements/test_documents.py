import os
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.authtoken.models import Token

from agreements.models import Agreement
from agreements.services import record_update, retired_documents_delete
from agreements.tasks import retired_documents_delete as retired_documents_delete_task
from tests.agreements import pdf_samples
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

PDF = pdf_samples.plain_pdf()
AGREEMENTS = "/api/v1/agreements/"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def agreement_with_document(media):
    agreement = AgreementFactory()
    agreement.document = SimpleUploadedFile("avtal.pdf", PDF, content_type="application/pdf")
    agreement.save()
    return agreement


def upload(data: bytes = PDF, name: str = "avtal.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def stored_files(root) -> set[str]:
    return {
        os.path.relpath(os.path.join(folder, name), root) for folder, _dirs, files in os.walk(root) for name in files
    }


def document_of(agreement: Agreement) -> str:
    agreement.refresh_from_db()
    return agreement.document.name


def attach(api, agreement: Agreement, data: bytes = PDF, name: str = "avtal.pdf") -> str:
    response = api.put(f"{AGREEMENTS}{agreement.pk}/document/", {"document": upload(data, name)}, format="multipart")
    assert response.status_code == 200, response.json()
    return document_of(agreement)


def later(days: float) -> timezone.datetime:
    return timezone.now() + timedelta(days=days)


# --- serving ---------------------------------------------------------------------------------


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


def test_documents_are_served_as_attachments_never_rendered(client, reader, agreement_with_document):
    client.force_login(reader)
    response = client.get(agreement_with_document.document.url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="avtal')
    assert response["X-Content-Type-Options"] == "nosniff"
    # Opened in a browser tab after all, it runs nothing and loads nothing.
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert "private" in response["Cache-Control"]


def test_integration_token_downloads_the_pdf(api_client, reader, agreement_with_document):
    token = Token.objects.create(user=reader)
    response = api_client.get(agreement_with_document.document.url, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["agreements/2026/okand.pdf", "../../etc/passwd", "agreements/../../x.pdf"])
def test_unknown_or_escaping_names_are_404(client, coordinator, agreement_with_document, name):
    client.force_login(coordinator)
    assert client.get(f"/documents/{name}").status_code == 404


# --- active content is refused ---------------------------------------------------------------

ACTIVE = [
    (pdf_samples.javascript_pdf(), "JavaScript"),
    (pdf_samples.page_action_pdf(), "JavaScript"),
    (pdf_samples.object_stream_javascript_pdf(), "JavaScript"),
    (pdf_samples.launch_pdf(), "starts a program"),
    (pdf_samples.embedded_file_pdf(), "embedded files"),
    (pdf_samples.xfa_form_pdf(), "form"),
    (pdf_samples.html_polyglot_pdf(), "HTML"),
]
ACTIVE_IDS = ["javascript", "page-action", "object-stream", "launch", "attachment", "xfa", "polyglot"]


@pytest.mark.parametrize(("data", "named"), ACTIVE, ids=ACTIVE_IDS)
def test_active_content_pdf_is_refused_through_the_api(coordinator_api, media, data, named):
    agreement = AgreementFactory()

    response = coordinator_api.put(
        f"{AGREEMENTS}{agreement.pk}/document/", {"document": upload(data)}, format="multipart"
    )

    assert response.status_code == 400
    message = " ".join(response.json()["document"])
    assert "active content" in message
    assert named in message
    assert not document_of(agreement)
    assert stored_files(media) == set()


def test_the_refusal_is_in_swedish_too(api_client, coordinator, media):
    agreement = AgreementFactory()
    api_client.force_authenticate(coordinator)  # no Accept-Language: the default, Swedish

    response = api_client.put(
        f"{AGREEMENTS}{agreement.pk}/document/", {"document": upload(pdf_samples.launch_pdf())}, format="multipart"
    )

    assert response.status_code == 400
    assert response.json()["document"] == [
        "Dokumentet innehåller aktivt innehåll: en åtgärd som startar ett program. Spara eller skriv ut det på "
        "nytt som en vanlig PDF (till exempel PDF/A) och ladda upp den."
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "could not be read"),
        (pdf_samples.password_pdf(), "password"),
        (pdf_samples.many_objects_pdf(30_000), "too complex to be checked (more than 25\N{NO-BREAK SPACE}000 objects)"),
    ],
    ids=["damaged", "password", "too-many-objects"],
)
def test_a_pdf_that_cannot_be_checked_is_refused(coordinator_api, media, data, message):
    agreement = AgreementFactory()

    response = coordinator_api.put(
        f"{AGREEMENTS}{agreement.pk}/document/", {"document": upload(data)}, format="multipart"
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()["document"])


def test_active_content_pdf_is_refused_in_the_admin(coordinator_client, media):
    from tests.admin_forms import post_data_from

    agreement = AgreementFactory()
    change_url = f"/admin/agreements/agreement/{agreement.pk}/change/"
    form = coordinator_client.get(change_url)

    response = coordinator_client.post(change_url, post_data_from(form, document=upload(pdf_samples.javascript_pdf())))

    assert response.status_code == 200  # the form again, with the error (the admin speaks Swedish)
    assert "aktivt innehåll: JavaScript" in " ".join(response.context["adminform"].form.errors["document"])
    assert not document_of(agreement)


def test_a_plain_pdf_is_accepted_in_the_admin(coordinator_client, media):
    from tests.admin_forms import post_data_from

    agreement = AgreementFactory()
    change_url = f"/admin/agreements/agreement/{agreement.pk}/change/"
    form = coordinator_client.get(change_url)

    response = coordinator_client.post(change_url, post_data_from(form, document=upload()))

    assert response.status_code == 302
    assert document_of(agreement).endswith(".pdf")


# --- replaced and removed documents: kept for the retention, then deleted ------------------------


def test_a_replaced_document_is_kept_for_the_retention_then_deleted(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 90
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    second = attach(coordinator_api, agreement, name="signerat.pdf")
    assert first != second
    assert stored_files(media) == {first, second}

    assert retired_documents_delete(now=later(89)) == 0
    assert stored_files(media) == {first, second}

    assert retired_documents_delete(now=later(91)) == 1
    assert stored_files(media) == {second}  # the current one is never touched
    assert retired_documents_delete(now=later(400)) == 0


def test_a_removed_document_is_deleted_after_the_retention(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    agreement = AgreementFactory()
    name = attach(coordinator_api, agreement)

    response = coordinator_api.delete(f"{AGREEMENTS}{agreement.pk}/document/")
    assert response.status_code == 200, response.json()
    assert stored_files(media) == {name}

    assert retired_documents_delete(now=later(29)) == 0
    assert retired_documents_delete(now=later(31)) == 1
    assert stored_files(media) == set()


def test_the_document_of_a_deleted_agreement_is_deleted_after_the_retention(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    agreement = AgreementFactory()
    name = attach(coordinator_api, agreement)

    assert coordinator_api.delete(f"{AGREEMENTS}{agreement.pk}/").status_code == 204
    assert stored_files(media) == {name}

    assert retired_documents_delete(now=later(29)) == 0
    assert retired_documents_delete(now=later(31)) == 1
    assert stored_files(media) == set()


def test_retention_counts_from_the_replacement_not_the_upload(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    # Uploaded 200 days ago, replaced today: still within its 30 days.
    old = (timezone.now() - timedelta(days=200)).timestamp()
    os.utime(media / first, (old, old))
    agreement.history.update(history_date=timezone.now() - timedelta(days=200))
    attach(coordinator_api, agreement, name="signerat.pdf")

    assert retired_documents_delete(now=later(1)) == 0
    assert first in stored_files(media)


def test_a_file_no_agreement_ever_held_goes_by_its_age(media, settings, agreement_with_document):
    """What a failed save left behind has no history: its age on disk counts."""
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    stray = media / "agreements" / "2026" / "halvfardig.pdf"
    stray.write_bytes(PDF)

    assert retired_documents_delete(now=later(29)) == 0
    assert retired_documents_delete(now=later(31)) == 1
    assert stored_files(media) == {agreement_with_document.document.name}


def test_without_retention_a_retired_document_goes_at_the_next_run(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 0
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    second = attach(coordinator_api, agreement, name="signerat.pdf")

    assert retired_documents_delete(now=later(0.1)) == 1
    assert stored_files(media) == {second}
    assert first not in stored_files(media)


def test_a_file_still_being_saved_is_left_alone(media, settings):
    """An upload is on disk before its transaction commits; the run does not race it."""
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 0
    (media / "agreements").mkdir()
    (media / "agreements" / "pagaende.pdf").write_bytes(PDF)

    assert retired_documents_delete() == 0
    assert stored_files(media) == {"agreements/pagaende.pdf"}


def test_a_document_restored_from_the_history_is_kept(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    second = attach(coordinator_api, agreement, name="signerat.pdf")

    record_update(instance=Agreement.objects.get(pk=agreement.pk), document=first)

    assert retired_documents_delete(now=later(31)) == 1
    assert stored_files(media) == {first}
    assert second not in stored_files(media)


def test_the_retired_document_is_reachable_from_the_history_for_coordinators(
    coordinator_api, client, coordinator, reader, media, settings
):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 30
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    attach(coordinator_api, agreement, name="signerat.pdf")
    old_url = f"/documents/{first}"
    version = agreement.history.filter(document=first).latest("history_date")

    client.force_login(coordinator)
    page = client.get(f"/admin/agreements/agreement/{agreement.pk}/history/{version.history_id}/")
    assert page.status_code == 200
    assert f'href="{old_url}"' in page.content.decode()
    download = client.get(old_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF

    client.force_login(reader)  # readers see the current document only
    assert client.get(old_url).status_code == 404

    retired_documents_delete(now=later(31))
    client.force_login(coordinator)
    assert client.get(old_url).status_code == 404


def test_the_nightly_task_and_its_schedule(coordinator_api, media, settings):
    settings.AGREEMENT_DOCUMENT_RETENTION_DAYS = 0
    agreement = AgreementFactory()
    first = attach(coordinator_api, agreement, name="utkast.pdf")
    attach(coordinator_api, agreement, name="signerat.pdf")
    old = (timezone.now() - timedelta(days=1)).timestamp()
    os.utime(media / first, (old, old))
    agreement.history.update(history_date=timezone.now() - timedelta(days=1))

    assert retired_documents_delete_task() == "1 retired document deleted"
    assert first not in stored_files(media)

    schedule = PeriodicTask.objects.get(task="agreements.retired_documents_delete")
    assert schedule.enabled
    assert (schedule.crontab.minute, schedule.crontab.hour) == ("30", "3")
